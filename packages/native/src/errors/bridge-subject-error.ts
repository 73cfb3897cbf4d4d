import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A bridge's subject is not one its stream stores (no subject filter of the stream matches it). Code: `ERR_ANNAL_BRIDGE_SUBJECT`. */
export class BridgeSubjectError extends AnnalError {
  static override readonly CODE = ErrorCode.BRIDGE_SUBJECT;
  declare readonly code: typeof ErrorCode.BRIDGE_SUBJECT;
}
