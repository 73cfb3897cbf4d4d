import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A bridge's server refused its credentials, or refused it a subject or stream (authorization). Code: `ERR_ANNAL_BRIDGE_AUTH`. */
export class BridgeAuthError extends AnnalError {
  static override readonly CODE = ErrorCode.BRIDGE_AUTH;
  declare readonly code: typeof ErrorCode.BRIDGE_AUTH;
}
