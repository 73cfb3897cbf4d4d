/**
 * ERR_ANNAL_CORRUPT about a place where a record's index is known: it carries both the byte
 * `offset` in the file and the record's `index`, as named fields (ADR one-vocabulary §6).
 *
 * @module
 */
import { CorruptError, type AnnalErrorDetails } from '@annal/native';

/** What a {@link RecordCorruptError} names besides the common details. */
export interface RecordCorruptErrorDetails extends AnnalErrorDetails {
  /** Queue index of the record at (or right after) the damage. */
  readonly index?: number;
}

/**
 * A {@link CorruptError} (code ERR_ANNAL_CORRUPT, `CorruptError.isInstance` is true) that also
 * names the record: `path` and `offset` (bytes from the start of the file) say where the damage
 * is, `index` which record it belongs to, or which record would come next.
 */
export class RecordCorruptError extends CorruptError {
  /** Queue index of the record at (or right after) the damage; undefined when not known. */
  readonly index: number | undefined;

  constructor(message: string, details: RecordCorruptErrorDetails = {}) {
    super(message, details);
    this.index = details.index;
  }
}
