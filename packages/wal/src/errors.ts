/**
 * wal's one error of its own shape: ERR_ANNAL_CORRUPT that also says which record.
 *
 * @module
 */
import { CorruptError, type AnnalErrorDetails } from '@annal/native';

/**
 * Stored data of a topic failed a check (ERR_ANNAL_CORRUPT). Besides `path` and `offset` (the
 * byte offset in that file), `index` names the record where one is known: the record whose
 * frame is damaged, or the first record a damaged region hides.
 */
export class WalCorruptError extends CorruptError {
  /** Index of the record concerned, when known. */
  readonly index: number | undefined;

  constructor(message: string, details: AnnalErrorDetails & { readonly index?: number }) {
    super(message, details);
    this.index = details.index;
  }
}
