/**
 * ERR_ANNAL_CORRUPT about a place where a record's index is known: it carries both the byte
 * `offset` in the file and the record's `index`, as named fields (ADR one-vocabulary §6).
 *
 * @module
 */
import { CorruptError, type AnnalErrorDetails } from '@annal/native';

/** What a {@link RecordCorruptError} names besides the common details. */
export interface RecordCorruptErrorDetails extends AnnalErrorDetails {
  /** Index of the record at (or expected at) the damage: a queue index, or a channel's sequence. */
  readonly index?: number;
}

/**
 * A `CorruptError` (code ERR_ANNAL_CORRUPT, `CorruptError.isInstance` is true) that also names
 * the record: `path` and `offset` (bytes from the start of the file) say where the damage is,
 * `index` which record it belongs to, or which record was expected there.
 */
export class RecordCorruptError extends CorruptError {
  /**
   * Index of the record at the damage, or of the record expected where a frame is damaged: a
   * queue index in a cycle file, a record's sequence (0, 1, 2, …) in a channel.
   */
  readonly index: number | undefined;

  constructor(message: string, details: RecordCorruptErrorDetails = {}) {
    super(message, details);
    this.index = details.index;
  }
}
