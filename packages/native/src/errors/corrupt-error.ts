import { AnnalError, type AnnalErrorDetails } from './annal-error.js';
import { ErrorCode } from './codes.js';

/** What a {@link CorruptError} names besides the common details. */
export interface CorruptErrorDetails extends AnnalErrorDetails {
  /**
   * Index of the record at the damage, or of the record expected where a frame is damaged (a
   * queue index in core, a record's index in a wal topic, a record's sequence in a channel).
   */
  readonly index?: number;
}

/**
 * Stored data failed validation (magic, version, checksum or structure). Corrupt data is never
 * returned as valid. `path` and `offset` (bytes from the start of that file) say where the damage
 * is and, when a record is known, `index` which record it belongs to. Code: `ERR_ANNAL_CORRUPT`.
 */
export class CorruptError extends AnnalError {
  static override readonly CODE = ErrorCode.CORRUPT;
  declare readonly code: typeof ErrorCode.CORRUPT;
  /** Index of the record at (or expected at) the damage, when one is known. */
  readonly index: number | undefined;

  /**
   * @param message - what failed which check, naming the file and offset
   * @param details - `path`, `offset` and, when a record is known, `index`
   */
  constructor(message: string, details: CorruptErrorDetails = {}) {
    super(message, details);
    this.index = details.index;
  }
}
