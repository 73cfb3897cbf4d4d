import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** The platform or runtime lacks something annal needs (ENOSYS, or a runtime that forbids external ArrayBuffers, such as Electron). Code: `ERR_ANNAL_UNSUPPORTED`. */
export class UnsupportedError extends AnnalError {
  static override readonly CODE = ErrorCode.UNSUPPORTED;
  declare readonly code: typeof ErrorCode.UNSUPPORTED;
}
