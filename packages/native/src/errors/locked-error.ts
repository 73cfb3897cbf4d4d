import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** Another holder has the lock. The message names the holder when it is known. Code: `ERR_ANNAL_LOCKED`. */
export class LockedError extends AnnalError {
  static override readonly CODE = ErrorCode.LOCKED;
  declare readonly code: typeof ErrorCode.LOCKED;
}
