import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A file or directory does not exist (ENOENT). Code: `ERR_ANNAL_NOT_FOUND`. */
export class NotFoundError extends AnnalError {
  static override readonly CODE = ErrorCode.NOT_FOUND;
  declare readonly code: typeof ErrorCode.NOT_FOUND;
}
