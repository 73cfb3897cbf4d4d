/**
 * The reader's record flyweight: one object reused for every record (reading allocates none).
 *
 * @module
 */
import { RecordView } from '@annal/native/internal';

/**
 * One record as a reader sees it, reused for every record the reader returns: read its fields
 * before the next `next()`. The payload is `buffer[offset .. offset + length)` — a zero-copy
 * view into the mapped file; `payload` makes an exact view (one allocation), `copy()` a copy,
 * `text()` and `json()` decode it.
 *
 * Lifetime: the bytes stay valid while the queue is open (blocks stay mapped until
 * `queue.close()`); after close, a kept view reads as empty instead of crashing.
 */
export class QueueRecord extends RecordView {
  /** The record's queue index (cycle × 2^sequenceBits + sequence). */
  declare index: number;
  /** The cycle (file) it is in. */
  cycle = 0;
  /** Its sequence within the cycle (0, 1, 2, …). */
  sequence = 0;
}
