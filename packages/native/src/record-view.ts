/**
 * {@link RecordView}: the payload accessors that core's `QueueRecord` and wal's `WalRecordView`
 * share. Each is a flyweight a reader refills for every record, so the fields are plain and
 * writable and nothing here allocates until a caller asks for a view, a copy or a decoded value.
 *
 * @module
 */
import { InvalidArgumentError } from './errors/invalid-argument-error.js';

const textDecoder = new TextDecoder();

/**
 * One record's payload, `buffer[offset, offset + length)`, read in place. How long those bytes
 * stay valid is the subclass's to say.
 */
export class RecordView {
  /** The record's index in its log. */
  index = 0;
  /** Bytes holding the payload (a mapped block or segment, or a read buffer). */
  buffer: Uint8Array = new Uint8Array(0);
  /** Byte offset of the payload in `buffer`. */
  offset = 0;
  /** Payload length in bytes. */
  length = 0;

  /** An exact Uint8Array view of the payload, zero-copy (allocates the view object). */
  get payload(): Uint8Array {
    return this.buffer.subarray(this.offset, this.offset + this.length);
  }

  /** A copy of the payload, yours to keep. */
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
