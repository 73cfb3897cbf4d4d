import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A bridge could not reach its server: refused, unresolvable or timed out; `cause` is the client's error. Code: `ERR_ANNAL_BRIDGE_CONNECT`. */
export class BridgeConnectError extends AnnalError {
  static override readonly CODE = ErrorCode.BRIDGE_CONNECT;
  declare readonly code: typeof ErrorCode.BRIDGE_CONNECT;
}
