import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** The device or kernel reported an I/O failure (EIO, or an errno annal does not map more precisely). After a failed sync, data written since the last successful sync may not be durable. Code: `ERR_ANNAL_IO`. */
export class IoError extends AnnalError {
  static override readonly CODE = ErrorCode.IO;
  declare readonly code: typeof ErrorCode.IO;
}
