import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A file would grow past the largest size allowed (EFBIG, e.g. RLIMIT_FSIZE). Nothing already written is lost. Code: `ERR_ANNAL_TOO_LARGE`. */
export class TooLargeError extends AnnalError {
  static override readonly CODE = ErrorCode.TOO_LARGE;
  declare readonly code: typeof ErrorCode.TOO_LARGE;
}
