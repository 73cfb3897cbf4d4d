import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A wait ran out of time. Code: `ERR_ANNAL_TIMEOUT`. */
export class TimeoutError extends AnnalError {
  static override readonly CODE = ErrorCode.TIMEOUT;
  declare readonly code: typeof ErrorCode.TIMEOUT;
}
