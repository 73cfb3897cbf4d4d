import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** The disk or quota is full (ENOSPC, EDQUOT). Space is reserved before it is used, so nothing already written is lost; retry once space frees. Code: `ERR_ANNAL_FULL`. */
export class FullError extends AnnalError {
  static override readonly CODE = ErrorCode.FULL;
  declare readonly code: typeof ErrorCode.FULL;
}
