/**
 * The reader's record flyweight: one object reused for every record (reading allocates none).
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

/**
 * One record as a reader sees it, reused for every record the reader returns: read its fields
 * before the next `next()`. The payload is `buffer[offset .. offset + length)` — a zero-copy
 * view into the mapped file; `payload` makes an exact view (one allocation), `copy()` a copy.
 *
 * Lifetime: the bytes stay valid while the queue is open (blocks stay mapped until
 * `queue.close()`); after close, a kept view reads as empty instead of crashing.
 */
export class QueueRecord {
  /** The record's queue index (cycle × 2^sequenceBits + sequence). */
  index = 0;
  /** The cycle (file) it is in. */
  cycle = 0;
  /** Its sequence within the cycle (0, 1, 2, …). */
  sequence = 0;
  /** Uint8Array over the mapped block that holds the payload. */
  buffer: Uint8Array = new Uint8Array(0);
  /** Byte offset of the payload in {@link QueueRecord.buffer}. */
  offset = 0;
  /** Payload length in bytes. */
  length = 0;

  /** An exact Uint8Array view of the payload, zero-copy (allocates the view object). */
  get payload(): Uint8Array {
    return this.buffer.subarray(this.offset, this.offset + this.length);
  }

  /** A copy of the payload (for records you keep). */
  copy(): Uint8Array {
    return this.buffer.slice(this.offset, this.offset + this.length);
  }

  /** The payload decoded as UTF-8 (allocates). */
  text(): string {
    return textDecoder.decode(this.payload);
  }

  /**
   * The payload parsed as JSON (allocates).
   *
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`field: 'payload'`, the `SyntaxError` as `cause`) when the
   *   payload is not JSON text
   */
  json(): unknown {
    const text = this.text();
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new InvalidArgumentError(
        `record ${this.index} is not JSON text (${this.length} bytes): ${(error as Error).message}`,
        { field: 'payload', cause: error },
      );
    }
  }
}

const textDecoder = new TextDecoder();
