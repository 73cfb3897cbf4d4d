import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** The native addon could not be loaded; the message lists every path tried and how to rebuild. Code: `ERR_ANNAL_NATIVE_LOAD`. */
export class NativeLoadError extends AnnalError {
  static override readonly CODE = ErrorCode.NATIVE_LOAD;
  declare readonly code: typeof ErrorCode.NATIVE_LOAD;
}
