import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** An argument has the wrong type, range or alignment. `field` names it. Code: `ERR_ANNAL_INVALID_ARGUMENT`. */
export class InvalidArgumentError extends AnnalError {
  static override readonly CODE = ErrorCode.INVALID_ARGUMENT;
  declare readonly code: typeof ErrorCode.INVALID_ARGUMENT;
}
