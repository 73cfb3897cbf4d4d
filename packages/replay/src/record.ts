/**
 * What a replay hands to a handler: one record of one stream, with its index and time.
 *
 * @module
 */

/**
 * One record as a replay delivers it. Sources reuse one object per stream for every record they
 * return (reading allocates nothing), so read its fields during the handler call; keep a copy
 * (`value.slice()`, `{ ...record }`) of anything you need later.
 *
 * @typeParam V - what the record holds: `Uint8Array` for bytes, an `Event` for a wal event log,
 *   anything for {@link fromArray}
 */
export interface ReplayRecord<V = unknown> {
  /** The name of the source it came from (a merge keeps each source's name). */
  readonly stream: string;
  /**
   * Its index in that source: a queue index, a topic or event-log index, an array index.
   * Indexes only grow within a stream.
   */
  readonly index: number;
  /** When it happened, Unix ms, as recorded; `NaN` when its source has no clock. */
  readonly timestamp: number;
  /** Its type where the source has types (event logs, arrays given a `type`), else `''`. */
  readonly type: string;
  /** The record itself. For bytes, a view that is valid only during the handler call. */
  readonly value: V;
}

/**
 * A record of bytes, zero-copy: `buffer[offset … offset + length)` are the payload, in the
 * source's own memory (a core queue's mapped file). `value` makes an exact view of them (one small
 * allocation); a handler on a hot path reads `buffer`, `offset` and `length` instead.
 */
export interface BytesRecord extends ReplayRecord<Uint8Array> {
  /** The memory holding the payload (valid during the handler call). */
  readonly buffer: Uint8Array;
  /** Where the payload starts in {@link BytesRecord.buffer}. */
  readonly offset: number;
  /** Payload bytes. */
  readonly length: number;
}

/** The reusable object behind a {@link BytesRecord}. */
export class MutableBytesRecord implements BytesRecord {
  stream: string;
  index = 0;
  timestamp = Number.NaN;
  type = '';
  buffer: Uint8Array = new Uint8Array(0);
  offset = 0;
  length = 0;

  constructor(stream: string) {
    this.stream = stream;
  }

  get value(): Uint8Array {
    return this.buffer.subarray(this.offset, this.offset + this.length);
  }

  /** Points the record at `buffer[offset … offset + length)`, record `index` of its source. */
  fill(index: number, buffer: Uint8Array, offset: number, length: number): void {
    this.index = index;
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
  }
}

/** The reusable object behind a record holding a value. */
export class MutableValueRecord<V> implements ReplayRecord<V> {
  stream: string;
  index = 0;
  timestamp = Number.NaN;
  type = '';
  value: V;

  constructor(stream: string, initial: V) {
    this.stream = stream;
    this.value = initial;
  }
}
