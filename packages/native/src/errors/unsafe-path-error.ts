import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A user-supplied name would resolve outside its directory (separators, `..`, NUL, or a symbolic link). Code: `ERR_ANNAL_UNSAFE_PATH`. */
export class UnsafePathError extends AnnalError {
  static override readonly CODE = ErrorCode.UNSAFE_PATH;
  declare readonly code: typeof ErrorCode.UNSAFE_PATH;
}
