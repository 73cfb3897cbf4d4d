import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** The server rejected a message for a reason a retry cannot fix (larger than the server allows, the stream full under discard-new); `cause` is the server's answer. Code: `ERR_ANNAL_BRIDGE_REJECTED`. */
export class BridgeRejectedError extends AnnalError {
  static override readonly CODE = ErrorCode.BRIDGE_REJECTED;
  declare readonly code: typeof ErrorCode.BRIDGE_REJECTED;
}
