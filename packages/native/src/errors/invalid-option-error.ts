import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** An options object failed validation. `field` is the option's path, e.g. `sync.everyMs`. Code: `ERR_ANNAL_INVALID_OPTION`. */
export class InvalidOptionError extends AnnalError {
  static override readonly CODE = ErrorCode.INVALID_OPTION;
  declare readonly code: typeof ErrorCode.INVALID_OPTION;
}
