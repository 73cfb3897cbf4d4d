import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** The object was closed; every call after `close()` throws this. Code: `ERR_ANNAL_CLOSED`. */
export class ClosedError extends AnnalError {
  static override readonly CODE = ErrorCode.CLOSED;
  declare readonly code: typeof ErrorCode.CLOSED;
}
