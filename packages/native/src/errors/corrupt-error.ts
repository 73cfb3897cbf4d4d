import { AnnalError } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** Stored data failed validation (magic, version, checksum or structure). `path` and `offset` say where. Corrupt data is never returned as valid. Code: `ERR_ANNAL_CORRUPT`. */
export class CorruptError extends AnnalError {
  static override readonly CODE = ErrorCode.CORRUPT;
  declare readonly code: typeof ErrorCode.CORRUPT;
}
