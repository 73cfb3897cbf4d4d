import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A wait was aborted through its AbortSignal; `cause` is the signal's reason. Code: `ERR_ANNAL_ABORTED`. */
export class AbortedError extends AnnalError {
  static override readonly CODE = ErrorCode.ABORTED;
  declare readonly code: typeof ErrorCode.ABORTED;
}
