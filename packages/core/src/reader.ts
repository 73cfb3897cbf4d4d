/**
 * The reader (Chronicle's tailer): reads records in order across cycle files, zero-copy, from
 * any thread or process, and can wait for the next one.
 *
 * Longer than 400 lines on purpose: everything here moves one private position (file, block,
 * data position, sequence, and the run of positions read backward) that `next()` reads on the
 * hot path; splitting the methods that move it (seek, toStart/toEnd, backward reading, the
 * named position) into other modules would put that state behind a second object or expose it.
 * What does not touch it lives apart: waiting (reader-wait.ts), names (named-reader-slot.ts),
 * options (reader-options.ts), frame checks and scans (frame-checks.ts, frame-scan.ts,
 * index-lookup.ts).
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
import { payloadChecksumWords } from './checksum.js';
import type { CycleFile } from './cycle-file.js';
import type { CycleFiles } from './cycle-files.js';
import {
  END_OF_CYCLE_FRAME,
  checkFreeWord,
  checkSkipFrame,
  corruptRecord,
  frameLengthOf,
} from './frame-checks.js';
import { collectRecordPositions, scanFrames } from './frame-scan.js';
import { indexedStart, lastIndexedStart } from './index-lookup.js';
import {
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  computeFrameLength,
  computeRecordTag,
  getChecksumWord,
  packRecordWord,
  loadLengthWord,
} from './layout.js';
import { describeValue } from './describe-value.js';
import { IndexCodec } from './queue-index.js';
import { claimName } from './named-reader-slot.js';
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
  readonly #files: CycleFiles;
  readonly #record = new QueueRecord();
  /** What waitNext and waitNextSync ask of this reader (reader-wait.ts). */
  readonly #waitSubject: WaitSubject = {
    checkOpen: () => {
      this.#checkOpen();
    },
    hasRecord: () => this.#skipToRecord(),
    waitHeader: () => {
      const file = this.#file ?? this.#reattach();
      return file === undefined || this.#files.readOnly ? undefined : file.header;
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

  #file: CycleFile | undefined;
  #codec!: IndexCodec;
  #indexBase = 0;
  #blockBytes = 0;
  #maxPayloadBytes = 0;
  #checksums = false;

  #words: Int32Array = new Int32Array(0);
  #bytes: Uint8Array = new Uint8Array(0);
  #blockStart = 0;
  #blockEnd = 0;

  #position = 0;
  #sequence = 0;
  /**
   * The position of the current file whose free word was last checked against the header
   * (-1: none): a reader polling at the live end checks it once, not at every look.
   */
  #checkedFreePosition = -1;
  /** The cycle at whose end-of-cycle frame the directory was listed (-1: none yet). */
  #listedAfterCycle = -1;
  /** `onCorrupt: 'skip'`: records whose checksum fails are skipped and counted. */
  readonly #skipBadChecksums: boolean;
  #skippedRecords = 0;
  /** Cycles whose file was passed over as damaged (each counted once, however often met). */
  readonly #skippedCycles = new Set<number>();

  // backward reading: positions of a run of records, collected by one forward scan
  #backward = false;
  /** Data positions of records `#backBase …` of the current file, ascending. */
  readonly #backPositions: number[] = [];
  #backBase = 0;
  #backCount = 0;

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
    this.#files = files;
    this.#skipBadChecksums = onCorrupt === 'skip';
    this.name = options.name;
    if (options.name === undefined) {
      try {
        this.toStart();
      } catch (error) {
        // A damaged first file must not keep the reader from the intact ones (seek, toEnd):
        // it stays before the start, and next() reports the damage when it gets there.
        if (!(error instanceof CorruptError)) throw error;
        this.#detach();
      }
      return;
    }
    const named = claimName(files, options.name);
    this.#lock = named.lock;
    try {
      this.#positions = named.positions;
      this.#slot = named.slot;
      if (named.created) this.toStart();
      else this.#positionAt(named.position);
    } catch (error) {
      named.lock.release();
      throw error;
    }
  }

  /** Queue index of the record `next()` would return (if there is one). */
  get index(): number {
    return this.#indexBase + this.#sequence;
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
    return this.#skippedCycles.size;
  }

  /** True after {@link Reader.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Cycle the reader is in (-1 before the queue has any file). */
  get cycle(): number {
    return this.#file?.cycle ?? -1;
  }

  /**
   * Moves to the first record of the queue.
   *
   * @returns this reader
   */
  toStart(): this {
    this.#checkOpen();
    if (!this.#attachFirstOf(this.#files.listCycles())) this.#detach();
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
    const last = this.#files.listCycles().at(-1);
    if (last === undefined) {
      this.#detach();
      return this;
    }
    const file = this.#files.get(last);
    if (file === undefined) return this.toStart();
    const end = scanFrames(file, lastIndexedStart(file), this.#scanOptions());
    this.#attach(last, end.position, end.sequence);
    return this;
  }

  /**
   * Moves to the record with queue index `index`: an index lookup, then a scan bounded by the
   * index spacing.
   *
   * @returns true when that record exists (the next `next()` returns it); false when it does not
   *   (the reader does not move)
   * @throws ERR_ANNAL_INVALID_ARGUMENT for an index that is not a non-negative safe integer;
   *   ERR_ANNAL_CORRUPT when a frame on the way, or the record itself, fails its check
   */
  seek(index: number): boolean {
    this.#checkOpen();
    const codec = this.#codec ?? new IndexCodec(this.#files.shape.sequenceBits);
    codec.check(index);
    const cycle = codec.cycleOf(index);
    const sequence = codec.sequenceOf(index);
    const file = this.#files.get(cycle);
    if (file === undefined) return false;
    const found = scanFrames(file, indexedStart(file, sequence), {
      ...this.#scanOptions(),
      stopAtSequence: sequence,
    });
    if (found.sequence !== sequence || found.sealed) return false;
    const saved = this.#save();
    this.#attach(cycle, found.position, found.sequence);
    // The record must be there, in this cycle: past a sealed cycle's last record the reader
    // would move on to the next cycle, whose first record has another index.
    if (this.#skipToRecord() && this.#file?.cycle === cycle && this.#sequence === sequence) {
      // A length word alone does not make a record: its check word must say it is this one.
      this.#checkRecordHere();
      return true;
    }
    this.#restore(saved);
    return false;
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
    const position = this.#position;
    if (position < this.#blockEnd) {
      const offset = position - this.#blockStart;
      const word = loadLengthWord(this.#words, offset);
      if (word > 0) {
        const length = word & LENGTH_MASK;
        const frameLength = computeFrameLength(length);
        if (length <= this.#maxPayloadBytes && offset + frameLength <= this.#blockBytes) {
          return this.#take(offset, length, frameLength);
        }
      }
    }
    if (!this.#skipToRecord()) return undefined;
    const offset = this.#position - this.#blockStart;
    const length = loadLengthWord(this.#words, offset) & LENGTH_MASK;
    return this.#take(offset, length, computeFrameLength(length));
  }

  /** Hands out the (validated) record at block `offset` and moves past it. */
  #take(offset: number, length: number, frameLength: number): QueueRecord | undefined {
    const payloadAt = offset + FRAME_HEADER_BYTES;
    const words = this.#words;
    // The check word: the payload's CRC32C seeded with the sequence, or (checksums off) a tag of
    // the length word and sequence, so a frame that is not this record (a length word that
    // moved the reader, or a damaged one) is never returned.
    const expected = this.#checksums
      ? payloadChecksumWords(words, this.#bytes, payloadAt, length, this.#sequence)
      : computeRecordTag(packRecordWord(length), this.#sequence);
    if (getChecksumWord(words, offset) !== expected && !this.#acceptMismatch(offset, expected)) {
      // onCorrupt 'skip': the length word is valid (it passed validation), so the frame can be
      // stepped over; the record keeps its sequence, so later indices stay right.
      this.#skippedRecords++;
      this.#position += frameLength;
      this.#sequence++;
      return this.#backward ? undefined : this.next();
    }
    const record = this.#record;
    const sequence = this.#sequence;
    record.index = this.#indexBase + sequence;
    record.sequence = sequence;
    record.buffer = this.#bytes;
    record.offset = payloadAt;
    record.length = length;
    this.#position += frameLength;
    this.#sequence = sequence + 1;
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
    this.#backCount = 0;
    return this;
  }

  /** Backward `next()`: the record before the position, or undefined at the very start. */
  #previous(): QueueRecord | undefined {
    this.#checkOpen();
    if (this.#backCount === 0 && !this.#collectBackward()) return undefined;
    this.#backCount--;
    const sequence = this.#backBase + this.#backCount;
    const position = this.#backPositions[this.#backCount] as number;
    this.#enterBlock(position);
    const offset = position - this.#blockStart;
    const length = loadLengthWord(this.#words, offset) & LENGTH_MASK;
    this.#position = position;
    this.#sequence = sequence;
    const record = this.#take(offset, length, computeFrameLength(length));
    // #take moved past the record; backward, the reader stays before it.
    this.#position = position;
    this.#sequence = sequence;
    // undefined: the record was skipped (bad checksum, onCorrupt 'skip'): go on to the one before.
    return record ?? this.#previous();
  }

  /**
   * Fills the run of record positions that ends just before the reader's position: from the
   * indexed record at or before it, forward. Moves to the previous cycle at a file's start.
   */
  #collectBackward(): boolean {
    let file = this.#file ?? this.#reattach();
    if (file === undefined) return false;
    while (this.#sequence === 0) {
      const cycle = file.cycle;
      const earlier = this.#files
        .listCycles()
        .filter((candidate) => candidate < cycle)
        .at(-1);
      if (earlier === undefined) return false;
      const previous = this.#files.get(earlier);
      if (previous === undefined) return false;
      const end = scanFrames(previous, lastIndexedStart(previous), this.#scanOptions());
      this.#attach(earlier, end.position, end.sequence);
      file = previous;
    }
    const target = this.#sequence - 1;
    const start = indexedStart(file, target);
    const positions = this.#backPositions;
    collectRecordPositions(file, start, target, positions);
    this.#backBase = start.sequence;
    this.#backCount = positions.length;
    return positions.length > 0;
  }

  /**
   * The next record without moving past it, or undefined.
   *
   * @returns the reused record (the same object `next()` returns)
   */
  peek(): QueueRecord | undefined {
    const position = this.#position;
    const sequence = this.#sequence;
    const backCount = this.#backCount;
    const record = this.next();
    if (record !== undefined) {
      this.#position = position;
      this.#sequence = sequence;
      this.#backCount = backCount;
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
    if (this.#slot >= 0 && this.#file !== undefined) this.#positions?.store(this.#slot, this.index);
    this.#closed = true;
    this.#detach();
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
    if (this.#file === undefined && this.#reattach() === undefined) return false;
    for (;;) {
      if (this.#position >= this.#blockEnd && !this.#enterBlock(this.#position)) return false;
      const offset = this.#position - this.#blockStart;
      const word = loadLengthWord(this.#words, offset);
      if (word > 0) {
        const length = word & LENGTH_MASK;
        if (
          length > this.#maxPayloadBytes ||
          offset + computeFrameLength(length) > this.#blockBytes
        ) {
          frameLengthOf(this.#currentFile(), this.#position, word); // throws the typed error
        }
        return true;
      }
      if (word === 0) {
        // The end, unless the header says the data goes on (checked once per position).
        if (
          this.#position !== this.#checkedFreePosition &&
          checkFreeWord(this.#currentFile(), this.#position, this.#sequence)
        ) {
          this.#checkedFreePosition = this.#position;
        }
        return false;
      }
      // A skip frame or the end of the cycle: obeyed only once its check word matches.
      const file = this.#currentFile();
      const frameLength = frameLengthOf(file, this.#position, word);
      checkSkipFrame(file, this.#words, offset, this.#position, word, this.#sequence);
      if (frameLength === END_OF_CYCLE_FRAME) {
        if (!this.#nextCycle()) return false;
        continue;
      }
      this.#position += frameLength;
    }
  }

  /**
   * Throws unless the record at the position carries its sequence's check word (or the reader
   * skips records that fail it). For seek, which must not say true for a frame that is not there.
   */
  #checkRecordHere(): void {
    const offset = this.#position - this.#blockStart;
    const words = this.#words;
    const length = loadLengthWord(words, offset) & LENGTH_MASK;
    const payloadAt = offset + FRAME_HEADER_BYTES;
    const expected = this.#checksums
      ? payloadChecksumWords(words, this.#bytes, payloadAt, length, this.#sequence)
      : computeRecordTag(packRecordWord(length), this.#sequence);
    if (getChecksumWord(words, offset) !== expected) this.#acceptMismatch(offset, expected);
  }

  /**
   * A record's check word did not match: false to skip it (`onCorrupt: 'skip'`, checksums on),
   * else throws. Out of line: the hot path only compares.
   *
   * @throws ERR_ANNAL_CORRUPT (field `checksum`) with the file and offset
   */
  #acceptMismatch(offset: number, expected: number): boolean {
    // Checksums off: the word is a tag of the length word and sequence, and a mismatch means
    // the length word or the place is wrong; nothing can be skipped safely.
    if (this.#skipBadChecksums && this.#checksums) return false;
    const stored = getChecksumWord(this.#words, offset);
    throw corruptRecord(this.#currentFile(), this.#position, this.#sequence, stored, expected);
  }

  /** Maps the block holding `position`; false when the file does not reach it yet. */
  #enterBlock(position: number): boolean {
    const block = this.#currentFile().block(Math.floor(position / this.#blockBytes));
    if (block === undefined) return false;
    this.#words = block.words;
    this.#bytes = block.bytes;
    this.#blockStart = block.start;
    this.#blockEnd = block.start + this.#blockBytes;
    return true;
  }

  /** At an end-of-cycle mark: move to the next existing cycle, if any yet. */
  #nextCycle(): boolean {
    const cycle = this.#currentFile().cycle;
    let next = this.#files.nextCycleAfter(cycle);
    if (next === undefined && this.#listedAfterCycle !== cycle) {
      // The metadata file's highest cycle is an unchecked hint: the first time at this end of
      // cycle, list the directory rather than believe it (a tailer waiting here then trusts it).
      this.#listedAfterCycle = cycle;
      next = this.#files.listCycles().find((candidate) => candidate > cycle);
    }
    if (next === undefined) return false;
    if (!this.#skipBadChecksums) {
      this.#attach(next, 0, 0);
      return true;
    }
    const from = next;
    return this.#attachFirstOf(this.#files.listCycles().filter((candidate) => candidate >= from));
  }

  /** Before the queue had files (or while its first file is damaged): look again. */
  #reattach(): CycleFile | undefined {
    if (!this.#attachFirstOf(this.#files.listCycles())) return undefined;
    return this.#file;
  }

  /**
   * Attaches at the start of the first of `cycles` (ascending) whose file opens. A damaged file
   * is passed over and counted under `onCorrupt: 'skip'`; otherwise its error is thrown and the
   * reader stays where it was. @returns false when none could be attached
   */
  #attachFirstOf(cycles: readonly number[]): boolean {
    for (const cycle of cycles) {
      try {
        this.#attach(cycle, 0, 0);
      } catch (error) {
        if (!(this.#skipBadChecksums && error instanceof CorruptError)) throw error;
        this.#skippedCycles.add(cycle);
        continue;
      }
      if (this.#file !== undefined) return true;
    }
    return false;
  }

  #attach(cycle: number, position: number, sequence: number): void {
    this.#backCount = 0;
    const file = this.#files.get(cycle);
    if (file === undefined) {
      this.#detach();
      return;
    }
    const configuration = file.configuration;
    this.#file = file;
    this.#codec = new IndexCodec(configuration.sequenceBits);
    this.#indexBase = cycle * this.#codec.sequencesPerCycle;
    this.#blockBytes = configuration.blockBytes;
    this.#maxPayloadBytes = configuration.maxPayloadBytes;
    this.#checksums = configuration.checksums;
    this.#record.cycle = cycle;
    this.#checkedFreePosition = -1;
    this.#position = position;
    this.#sequence = sequence;
    this.#blockStart = 0;
    this.#blockEnd = 0; // forces #enterBlock on the next read
    this.#enterBlock(position);
  }

  /**
   * Positions at queue index `index` (a named reader's stored position): at that record, or at
   * the end of its cycle when the index is the cycle's next one, or at the next cycle's start.
   */
  #positionAt(index: number): void {
    const codec = new IndexCodec(this.#files.shape.sequenceBits);
    const cycle = codec.cycleOf(index);
    const sequence = codec.sequenceOf(index);
    const file = this.#files.get(cycle);
    if (file === undefined) {
      const next = this.#files.listCycles().find((candidate) => candidate > cycle);
      if (next === undefined) this.toEnd();
      else this.#attach(next, 0, 0);
      return;
    }
    const found = scanFrames(file, indexedStart(file, sequence), {
      ...this.#scanOptions(),
      stopAtSequence: sequence,
    });
    this.#attach(cycle, found.position, found.sequence);
  }

  /** How scans treat records whose check word fails: as this reader's `onCorrupt` says. */
  #scanOptions(): { skipBadRecords: boolean } {
    return { skipBadRecords: this.#skipBadChecksums };
  }

  #detach(): void {
    this.#file = undefined;
    this.#blockStart = 0;
    this.#blockEnd = 0;
    this.#position = 0;
    this.#sequence = 0;
    this.#indexBase = 0;
  }

  #save(): { file: CycleFile | undefined; position: number; sequence: number } {
    return { file: this.#file, position: this.#position, sequence: this.#sequence };
  }

  #restore(saved: { file: CycleFile | undefined; position: number; sequence: number }): void {
    if (saved.file === undefined) this.#detach();
    else this.#attach(saved.file.cycle, saved.position, saved.sequence);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('the reader is closed', { field: 'reader' });
  }

  /** The current file; only called where one is attached. */
  #currentFile(): CycleFile {
    const file = this.#file;
    if (file === undefined)
      throw new ClosedError('the reader has no cycle file', { field: 'reader' });
    return file;
  }
}
