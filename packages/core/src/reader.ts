/**
 * The reader (Chronicle's tailer): reads records in order across cycle files, zero-copy, from
 * any thread or process, and can wait for the next one. This module holds its API and the
 * per-record path (`next`), which reads the {@link ReadPosition} directly.
 *
 * What moves that position lives apart: skip frames, block and cycle ends, attaching to a file,
 * a named reader's stored index (read-position.ts), and backward reading (backward-run.ts). So do
 * waiting (reader-wait.ts), names (named-reader-slot.ts), options (reader-options.ts), frame
 * checks and scans (frame-checks.ts, frame-scan.ts, index-lookup.ts).
 *
 * Slightly over 400 lines on purpose: a third of it is the documentation of the public API;
 * the code left is the per-record path and the small public methods around it.
 *
 * @module
 */
import type { FileLock } from '@annal/native';
import { ClosedError, CorruptError, InvalidArgumentError, type AnnalError } from '@annal/native';
import type { PositionTable } from '@annal/native/internal';

import {
  checkCount,
  checkFollowOptions,
  checkKnownKeys,
  checkOptionsObject,
  checkWaitOptions,
  notAFunction,
} from './argument-checks.js';
import { BackwardRun } from './backward-run.js';
import { payloadChecksumWords } from './checksum.js';
import type { CycleFiles } from './cycle-files.js';
import { describeValue } from './describe-value.js';
import {
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  computeFrameLength,
  computeRecordTag,
  getChecksumWord,
  loadLengthWord,
  peekLengthWord,
  packRecordWord,
} from './layout.js';
import { claimName } from './named-reader-slot.js';
import { ReadPosition } from './read-position.js';
import type {
  FollowOptions,
  ReaderOptions,
  RecordHandler,
  WaitNextOptions,
  WaitNextSyncOptions,
} from './reader-options.js';
import { waitForRecord, waitForRecordSync, type WaitSubject } from './reader-wait.js';
import { QueueRecord } from './record.js';

export { READER_LOCK_DIRECTORY } from './named-reader-slot.js';
export type {
  FollowOptions,
  ReaderOptions,
  RecordHandler,
  WaitNextOptions,
  WaitNextSyncOptions,
} from './reader-options.js';

/**
 * Reads a queue forward, record by record. `next()` returns the same {@link QueueRecord} object
 * every time, pointing into the mapped file (zero-copy), or undefined when there is nothing
 * more yet.
 *
 * Threading: one thread. Any number of readers may read a queue at once, in any thread or
 * process (each opens the queue itself).
 */
export class Reader implements Disposable {
  /** Where it reads, and the cycle file it reads in (read-position.ts). */
  readonly #at: ReadPosition;
  readonly #record = new QueueRecord();
  /** What waitNext and waitNextSync ask of this reader (reader-wait.ts). */
  readonly #waitSubject: WaitSubject = {
    checkOpen: () => {
      this.#checkOpen();
    },
    hasRecord: () => this.#skipToRecord(),
    waitHeader: () => {
      const file = this.#at.file ?? this.#at.reattach();
      return file === undefined || this.#at.files.readOnly ? undefined : file.header;
    },
  };
  #closed = false;
  /** The reader's name, or undefined for an anonymous reader. */
  readonly name: string | undefined;
  /** Named readers: the positions-table slot holding the position (-1 for anonymous readers). */
  readonly #slot: number = -1;
  readonly #positions: PositionTable | undefined;
  readonly #lock: FileLock | undefined;
  /** Tells the queue this reader closed, so that it keeps no closed reader. */
  readonly #onClose: ((reader: Reader) => void) | undefined;
  #skippedRecords = 0;

  // backward reading (backward-run.ts)
  #backward = false;
  readonly #back = new BackwardRun();

  /** @internal Use `queue.reader()`. */
  constructor(
    files: CycleFiles,
    options: ReaderOptions = {},
    onCorrupt: 'stop' | 'skip' | 'truncate' = 'stop',
    onClose?: (reader: Reader) => void,
  ) {
    this.#onClose = onClose;
    const checked = checkOptionsObject(options);
    checkKnownKeys(checked, ['name'], 'queue.reader');
    this.#at = new ReadPosition(files, this.#record, onCorrupt === 'skip', () => {
      this.#back.count = 0;
    });
    this.name = options.name;
    if (options.name === undefined) {
      try {
        this.toStart();
      } catch (error) {
        // A damaged first file must not keep the reader from the intact ones (seek, toEnd):
        // it stays before the start, and next() reports the damage when it gets there.
        if (!(error instanceof CorruptError)) throw error;
        this.#at.detach();
      }
      return;
    }
    const named = claimName(files, options.name);
    this.#lock = named.lock;
    try {
      this.#positions = named.positions;
      this.#slot = named.slot;
      if (named.created) this.toStart();
      else this.#at.positionAt(named.position);
    } catch (error) {
      named.lock.release();
      throw error;
    }
  }

  /** Queue index of the record `next()` would return (if there is one). */
  get index(): number {
    return this.#at.indexBase + this.#at.sequence;
  }

  /** Records this reader skipped because their checksum failed (`onCorrupt: 'skip'`). */
  get skippedRecords(): number {
    return this.#skippedRecords;
  }

  /**
   * Cycle files this reader passed over because they are damaged (a header that fails its
   * checks, or names another cycle; `onCorrupt: 'skip'`). Their records are not counted in
   * {@link skippedRecords}: how many there were is unknown.
   */
  get skippedFiles(): number {
    return this.#at.skippedCycles.size;
  }

  /** True after {@link Reader.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Cycle the reader is in (-1 before the queue has any file). */
  get cycle(): number {
    return this.#at.file?.cycle ?? -1;
  }

  /**
   * Moves to the first record of the queue.
   *
   * @returns this reader
   */
  toStart(): this {
    this.#checkOpen();
    this.#at.toStart();
    return this;
  }

  /**
   * Moves past the last record committed so far (so `next()` returns only new records). Finds
   * the end by scanning from the last index entry, never from a cached write position.
   *
   * @returns this reader
   */
  toEnd(): this {
    this.#checkOpen();
    this.#at.toEnd();
    return this;
  }

  /**
   * Moves to the record with queue index `index`: an index lookup, then hops by length words
   * bounded by the index spacing, checking the record it lands on; at a skip frame, an index
   * page, a block end or a landing that fails its check, a scan that checks every frame instead.
   * Records between the index entry and the target are not always checked: a record damaged
   * there is reported when it is read, not necessarily by a seek past it.
   *
   * @returns true when that record exists (the next `next()` returns it); false when it does not
   *   (the reader does not move)
   * @throws ERR_ANNAL_INVALID_ARGUMENT for an index that is not a non-negative safe integer;
   *   ERR_ANNAL_CORRUPT when the record itself fails its check, or a frame the scan met on the
   *   way does
   */
  seek(index: number): boolean {
    this.#checkOpen();
    return this.#at.seek(index);
  }

  /**
   * The next record, or undefined when none is committed yet. Skips padding and index pages,
   * and moves to the next cycle file at an end-of-cycle mark.
   *
   * @returns the reader's reused {@link QueueRecord} (valid until the next call)
   * @throws ERR_ANNAL_CORRUPT naming file and offset when a frame is invalid or (with checksums)
   *   its payload does not match its checksum; the reader stays before that record
   */
  next(): QueueRecord | undefined {
    if (this.#backward) return this.#previous();
    // Fast path: a valid record at the position in the current block. Everything else (block
    // and cycle ends, skip frames, corrupt words, a closed or unattached reader) goes the slow way.
    const at = this.#at;
    const position = at.position;
    if (position < at.blockEnd) {
      const offset = position - at.blockStart;
      const word = peekLengthWord(at.words, offset);
      if (word > 0) {
        const length = word & LENGTH_MASK;
        const frameLength = computeFrameLength(length);
        if (length <= at.maxPayloadBytes && offset + frameLength <= at.blockBytes) {
          return this.#take(offset, length, frameLength);
        }
      }
    }
    if (!this.#skipToRecord()) return undefined;
    const offset = at.position - at.blockStart;
    const length = loadLengthWord(at.words, offset) & LENGTH_MASK;
    return this.#take(offset, length, computeFrameLength(length));
  }

  /** Hands out the (validated) record at block `offset` and moves past it. */
  #take(offset: number, length: number, frameLength: number): QueueRecord | undefined {
    const at = this.#at;
    const payloadAt = offset + FRAME_HEADER_BYTES;
    const words = at.words;
    // The check word: the payload's CRC32C seeded with the sequence, or (checksums off) a tag of
    // the length word and sequence, so a frame that is not this record (a length word that
    // moved the reader, or a damaged one) is never returned. Reading forward, checksums are
    // checked for a run of records ahead in one call where there is one (read-ahead-check.ts).
    if (at.checksums && !this.#backward && at.checkedAhead()) {
      return this.#hand(payloadAt, length, frameLength);
    }
    const expected = at.checksums
      ? payloadChecksumWords(words, at.bytes, payloadAt, length, at.sequence)
      : computeRecordTag(packRecordWord(length), at.sequence);
    if (getChecksumWord(words, offset) !== expected && !at.acceptMismatch(offset, expected)) {
      // onCorrupt 'skip': the length word is valid (it passed validation), so the frame can be
      // stepped over; the record keeps its sequence, so later indices stay right.
      this.#skippedRecords++;
      at.position += frameLength;
      at.sequence++;
      return this.#backward ? undefined : this.next();
    }
    return this.#hand(payloadAt, length, frameLength);
  }

  /** Fills the record with the checked frame at the position and moves past it. */
  #hand(payloadAt: number, length: number, frameLength: number): QueueRecord {
    const at = this.#at;
    const record = this.#record;
    const sequence = at.sequence;
    record.index = at.indexBase + sequence;
    record.sequence = sequence;
    record.buffer = at.bytes;
    record.offset = payloadAt;
    record.length = length;
    at.position += frameLength;
    at.sequence = sequence + 1;
    // A named reader restarts at the record it returned last: it may not have been handled yet.
    if (this.#slot >= 0) this.#positions?.store(this.#slot, record.index);
    return record;
  }

  /**
   * Sets the reading direction. `'backward'`: `next()` returns the record before the reader's
   * position and moves before it, crossing into earlier cycles; it finds records through the
   * index, scanning forward at most `indexSpacing` records once per `indexSpacing` records read.
   * The position is shared: after a backward `next()` returned record r, a forward `next()`
   * returns r again.
   *
   * @returns this reader
   */
  direction(direction: 'forward' | 'backward'): this {
    this.#checkOpen();
    if (direction !== 'forward' && direction !== 'backward') {
      throw new InvalidArgumentError(
        `direction must be 'forward' or 'backward': direction=${describeValue(direction)}`,
        { field: 'direction' },
      );
    }
    this.#backward = direction === 'backward';
    this.#back.count = 0;
    return this;
  }

  /** Backward `next()`: the record before the position, or undefined at the very start. */
  #previous(): QueueRecord | undefined {
    this.#checkOpen();
    const at = this.#at;
    const back = this.#back;
    if (back.count === 0 && !back.collect(at)) return undefined;
    back.count--;
    const sequence = back.base + back.count;
    const position = back.positions[back.count] as number;
    at.enterBlock(position);
    const offset = position - at.blockStart;
    const length = loadLengthWord(at.words, offset) & LENGTH_MASK;
    at.position = position;
    at.sequence = sequence;
    const record = this.#take(offset, length, computeFrameLength(length));
    // #take moved past the record; backward, the reader stays before it.
    at.position = position;
    at.sequence = sequence;
    // undefined: the record was skipped (bad checksum, onCorrupt 'skip'): go on to the one before.
    return record ?? this.#previous();
  }

  /**
   * The next record without moving past it, or undefined.
   *
   * @returns the reused record (the same object `next()` returns)
   */
  peek(): QueueRecord | undefined {
    const at = this.#at;
    const position = at.position;
    const sequence = at.sequence;
    const backCount = this.#back.count;
    const record = this.next();
    if (record !== undefined) {
      at.position = position;
      at.sequence = sequence;
      this.#back.count = backCount;
    }
    return record;
  }

  /**
   * Hands up to `limit` records to `handler`, one at a time. The record object is reused: read
   * it inside the call. An error thrown by the handler propagates; the reader is then past the
   * record it was handed.
   *
   * @param handler - called with each record
   * @param limit - most records to hand over: a positive integer or Infinity (the default)
   * @returns how many were handed over (0 when none is available)
   * @throws ERR_ANNAL_INVALID_ARGUMENT for a handler that is not a function or a bad limit
   */
  poll(handler: RecordHandler, limit = Infinity): number {
    if (typeof handler !== 'function') throw notAFunction('handler', handler);
    if (limit !== Infinity) checkCount(limit, 'limit');
    let count = 0;
    while (count < limit) {
      const record = this.next();
      if (record === undefined) break;
      handler(record);
      count++;
    }
    return count;
  }

  /**
   * Resolves true as soon as `next()` has a record, false after `timeoutMs`. Sleeps on a futex
   * word in the cycle file's header that appenders bump (and wake) only when a reader waits, so
   * it works across processes; a reader of a read-only queue cannot register and looks every
   * millisecond instead.
   *
   * @throws ERR_ANNAL_ABORTED when `signal` aborts
   */
  async waitNext(options: WaitNextOptions = {}): Promise<boolean> {
    const { timeoutMs, signal } = checkWaitOptions(options, true);
    return waitForRecord(this.#waitSubject, timeoutMs, signal);
  }

  /**
   * Like {@link Reader.waitNext}, but blocks the thread in the futex wait instead of returning a
   * Promise: for a worker thread that does nothing but read, it saves the event-loop round trip
   * after each wake-up. Never call it on a main thread that has other work to do.
   *
   * @param options - `timeoutMs`: give up after this many milliseconds (default: never)
   * @returns true as soon as `next()` has a record, false after `timeoutMs`
   * @throws ERR_ANNAL_INVALID_ARGUMENT for a bad `timeoutMs`; ERR_ANNAL_CLOSED after close
   */
  waitNextSync(options: WaitNextSyncOptions = {}): boolean {
    const { timeoutMs } = checkWaitOptions(options, false);
    return waitForRecordSync(this.#waitSubject, timeoutMs);
  }

  /**
   * Follows the queue: yields each record as it is committed, until `signal` aborts (then it
   * returns quietly). The record object is reused: read it before the next iteration.
   *
   * @param options - `signal`: stops following when it aborts
   * @throws ERR_ANNAL_INVALID_ARGUMENT (at once) when `signal` is not an AbortSignal; the
   *   iteration rejects with ERR_ANNAL_CLOSED after close
   */
  follow(options: FollowOptions = {}): AsyncGenerator<QueueRecord, void, undefined> {
    const signal = checkFollowOptions(options);
    return this.#follow(signal);
  }

  async *#follow(signal: AbortSignal | undefined): AsyncGenerator<QueueRecord, void, undefined> {
    if (signal?.aborted === true) return;
    for (;;) {
      let record = this.next();
      while (record !== undefined) {
        yield record;
        record = this.next();
      }
      try {
        await this.waitNext(signal === undefined ? {} : { signal });
      } catch (error) {
        if ((error as AnnalError).code === 'ERR_ANNAL_ABORTED') return;
        throw error;
      }
    }
  }

  /**
   * Stops reading; the queue's files stay open for others. A named reader stores its position
   * (after the last record it returned) and releases its name.
   */
  close(): void {
    if (this.#closed) return;
    if (this.#slot >= 0 && this.#at.file !== undefined)
      this.#positions?.store(this.#slot, this.index);
    this.#closed = true;
    this.#at.detach();
    this.#lock?.release();
    this.#onClose?.(this);
  }

  /** Calls {@link Reader.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * Moves over skip frames, block ends and end-of-cycle marks until the position holds a
   * committed record (true) or nothing yet (false).
   */
  #skipToRecord(): boolean {
    if (this.#closed) throw new ClosedError('the reader is closed', { field: 'reader' });
    return this.#at.skipToRecord();
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('the reader is closed', { field: 'reader' });
  }
}
