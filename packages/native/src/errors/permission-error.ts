import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** The operating system refused access (EACCES, EPERM). Code: `ERR_ANNAL_PERMISSION`. */
export class PermissionError extends AnnalError {
  static override readonly CODE = ErrorCode.PERMISSION;
  declare readonly code: typeof ErrorCode.PERMISSION;
}
