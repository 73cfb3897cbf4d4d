import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** A worker thread doing the work (an archiver's) died; `cause` is its error. What it finished stays done. Code: `ERR_ANNAL_WORKER_FAILED`. */
export class WorkerFailedError extends AnnalError {
  static override readonly CODE = ErrorCode.WORKER_FAILED;
  declare readonly code: typeof ErrorCode.WORKER_FAILED;
}
