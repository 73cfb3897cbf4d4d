import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A file that had to be new already exists (EEXIST). Code: `ERR_ANNAL_ALREADY_EXISTS`. */
export class AlreadyExistsError extends AnnalError {
  static override readonly CODE = ErrorCode.ALREADY_EXISTS;
  declare readonly code: typeof ErrorCode.ALREADY_EXISTS;
}
