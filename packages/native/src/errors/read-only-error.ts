import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A write was attempted through something opened read-only, or on a read-only file system. Code: `ERR_ANNAL_READ_ONLY`. */
export class ReadOnlyError extends AnnalError {
  static override readonly CODE = ErrorCode.READ_ONLY;
  declare readonly code: typeof ErrorCode.READ_ONLY;
}
