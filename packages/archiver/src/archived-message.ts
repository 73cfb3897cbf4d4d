/**
 * {@link ArchivedMessage}: one message of an archive as a reading iteration gives it, zero-copy,
 * in one object reused for every message.
 *
 * @module
 */
import type { Direction } from './archive-stream.js';

/**
 * One archived message, zero-copy. The object is reused for every message an iteration gives:
 * read it (or `copy()` its bytes) before asking for the next. It is also an `@annal/replay`
 * `BytesRecord` (`stream`, `index`, `timestamp`, `type`, `value`, `buffer`, `offset`,
 * `length`), so {@link Recording.source} plugs into `replay()` and `merge()`.
 */
export class ArchivedMessage {
  /** Its queue index. */
  index = 0;
  /** The name of its stream. */
  stream = '';
  /** The id of its stream within its session. */
  streamId = 0;
  /** Its session (1, 2, …). */
  session = 0;
  /** `'in'`: the service received it; `'out'`: it sent it. */
  direction: Direction = 'in';
  /** A text message (a WebSocket text frame, FIX); false for binary. */
  text = false;
  /** When it was recorded: whole Unix seconds (with {@link nanos}, the exact time). */
  seconds = 0;
  /** When it was recorded: nanoseconds within the second {@link seconds} (0 to 999,999,999). */
  nanos = 0;
  /** The same time as Unix ms (fractional, to about 0.25 µs). */
  timestamp = 0;
  /** Messages the archiver dropped (ring full) just before this one, on any stream; usually 0. */
  droppedBefore = 0;
  /** Memory holding the message: `buffer[offset … offset + length)`, valid until the next. */
  buffer: Uint8Array = new Uint8Array(0);
  /** Byte offset of the message's first byte in {@link buffer}. */
  offset = 0;
  /** The message's size in bytes. */
  length = 0;

  /** Its direction, as the replay `type` (so `types: ['in']` filters a replay). */
  get type(): string {
    return this.direction;
  }

  /** An exact view of the message's bytes (one small allocation; valid until the next). */
  get value(): Uint8Array {
    return this.buffer.subarray(this.offset, this.offset + this.length);
  }

  /** A copy of the message's bytes, to keep. */
  copy(): Uint8Array {
    return this.buffer.slice(this.offset, this.offset + this.length);
  }

  /** The message decoded as UTF-8. */
  decode(): string {
    return decoder.decode(this.value);
  }
}

const decoder = new TextDecoder();
