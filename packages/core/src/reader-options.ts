/**
 * The options and callback types of a queue's readers.
 *
 * @module
 */
import type { QueueRecord } from './record.js';

/** Called with each record by `poll`; the record object is reused. */
export type RecordHandler = (record: QueueRecord) => void;

/** Options of {@link Reader.waitNext}. */
export interface WaitNextOptions {
  /** Give up after this many milliseconds (resolves false): a number ≥ 0. Default: never. */
  readonly timeoutMs?: number | undefined;
  /** Abort the wait (rejects with ERR_ANNAL_ABORTED). */
  readonly signal?: AbortSignal | undefined;
}

/** Options of {@link Reader.waitNextSync}. */
export interface WaitNextSyncOptions {
  /** Give up after this many milliseconds (returns false): a number ≥ 0. Default: never. */
  readonly timeoutMs?: number | undefined;
}

/** Options of {@link Reader.follow}. */
export interface FollowOptions {
  /** Stops following when it aborts (the iteration then ends quietly). */
  readonly signal?: AbortSignal | undefined;
}

/** Options of `queue.reader()`. */
export interface ReaderOptions {
  /**
   * Name of a restartable reader: its position is kept in the queue's `readers.annalr`, and a
   * reader opened later with the same name continues where it stopped. At most 40 UTF-8 bytes. One
   * reader per name at a time (an OFD lock; a second gets ERR_ANNAL_LOCKED).
   */
  readonly name?: string;
}
