/**
 * A reader's place in a topic, and where the record under it is. Both are plain mutable
 * objects, reused: reading allocates nothing per record.
 *
 * @module
 */
import type { ReaderSlot } from './reader-table.js';
import type { ReadWindow } from './segment.js';

/** A reader's place in a topic. */
export interface Cursor {
  /** Index of the next record to read. */
  index: number;
  /** Position in the topic's segment list, and byte position in that segment. */
  segmentIndex: number;
  position: number;
  /** The persisted slot of a named reader; undefined for an anonymous or one-off read. */
  readonly slot: ReaderSlot | undefined;
  /** Records consumed since the index was last stored (at-least-once). */
  sinceStore: number;
  /** The `fd` backend's read buffer for this cursor (undefined with `mmap`). */
  window: ReadWindow | undefined;
}

/** Where a record's payload is: valid until the next append, read or sync on the topic. */
export interface RecordLocation {
  index: number;
  /** Byte position of the record's frame in its segment. */
  position: number;
  /** The payload is `bytes[start, start + length)`. */
  bytes: Uint8Array;
  start: number;
  length: number;
}
