import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A bridge found the stream and the local log disagreeing on what was shipped (the stream holds an index the log does not, a message of another writer, records the bridge did not append); it stops rather than lose or repeat records. Code: `ERR_ANNAL_BRIDGE_CONFLICT`. */
export class BridgeConflictError extends AnnalError {
  static override readonly CODE = ErrorCode.BRIDGE_CONFLICT;
  declare readonly code: typeof ErrorCode.BRIDGE_CONFLICT;
}
