import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** The stream (or durable consumer) a bridge was given does not exist on its server. Code: `ERR_ANNAL_BRIDGE_NO_STREAM`. */
export class BridgeNoStreamError extends AnnalError {
  static override readonly CODE = ErrorCode.BRIDGE_NO_STREAM;
  declare readonly code: typeof ErrorCode.BRIDGE_NO_STREAM;
}
