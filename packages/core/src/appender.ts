/**
 * The appender: writes records at the end of the current cycle file, rolls to the next cycle,
 * keeps the index, and recovers the true end after a crash.
 *
 * @module
 */
import { join } from 'node:path';

import {
  ClosedError,
  CorruptError,
  FileLock,
  InvalidArgumentError,
  SyncScheduler,
  TooLargeError,
  futexWake,
  type SyncPolicy,
} from '@annal/native';

import { payloadChecksum } from './checksum.js';
import type { Block, CycleFile } from './cycle-file.js';
import type { CycleFiles } from './cycle-files.js';
import { lastIndexedStart, scanFrames, type ScanResult } from './frame-scan.js';
import { truncateAt } from './truncate.js';
import {
  COMMIT_COUNTER_INDEX,
  END_OF_CYCLE_WORD,
  FRAME_HEADER_BYTES,
  bumpCommitCounter,
  computeFrameLength,
  computeIndexPageFrameLength,
  loadFirstLevelEntry,
  loadWaiterCount,
  packRecordWord,
  packSkipWord,
  setChecksumWord,
  storeFirstLevelEntry,
  storeIndexPageEntry,
  storeLengthWord,
  storeRecordCount,
  storeSealed,
  storeWritePosition,
} from './layout.js';
import { cycleAt, cycleStartMs } from './roll-cycle.js';

/** File name of the lock an appender holds for its lifetime. */
export const APPENDER_LOCK_FILE = 'appender.lock';

/** What an {@link Appender} needs from its queue. */
export interface AppenderContext {
  readonly files: CycleFiles;
  /** `'truncate'`: a corrupt frame met while recovering the end is dropped with all after it. */
  readonly onCorrupt: 'stop' | 'skip' | 'truncate';
  /** The clock: a function, or the coarse clock's Float64Array (read inline, element 0). */
  readonly clock: (() => number) | Float64Array;
  readonly sync: SyncPolicy;
}

/**
 * Space claimed at the end of the queue for one record: fill `buffer[offset .. offset + length)`
 * and `commit()` (or `abort()`). One object per appender, reused by every claim.
 */
export class AppendClaim {
  /** Uint8Array over the mapped block holding the claim (changes between claims). */
  buffer: Uint8Array = new Uint8Array(0);
  /** Byte offset of the payload in {@link AppendClaim.buffer}. */
  offset = 0;
  /** Payload length in bytes. */
  length = 0;
  readonly #appender: Appender;
  #active = false;

  /** @internal */
  constructor(appender: Appender) {
    this.#appender = appender;
  }

  /** True between `tryClaim` and `commit`/`abort`. */
  get active(): boolean {
    return this.#active;
  }

  /** @internal */
  activate(buffer: Uint8Array, offset: number, length: number): void {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    this.#active = true;
  }

  /**
   * Publishes the record (checksumming it first when the queue has checksums).
   *
   * @returns the record's queue index
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the claim is not active
   */
  commit(): number {
    if (!this.#active) throw inactiveClaim('commit');
    this.#active = false;
    return this.#appender.commitClaim();
  }

  /** Turns the claimed space into padding that readers skip. Does nothing when not active. */
  abort(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#appender.abortClaim();
  }

  /** Aborts the claim if it is still active (`using claim = appender.tryClaim(n)`). */
  [Symbol.dispose](): void {
    this.abort();
  }
}

/**
 * Appends records to a queue. One appender per queue directory at a time, across threads and
 * processes: it holds an OFD lock on `appender.lock` for its lifetime (released by the kernel
 * if the process dies, so a crashed appender never blocks the next one; no PID is involved).
 *
 * Per record it writes the payload into the mapped block, then publishes the frame with one
 * `Atomics.store` of the length word: no syscall, no allocation, no native call (except CRC32C of
 * payloads of 128 bytes or more when checksums are on).
 *
 * Threading: the thread that opened it.
 */
export class Appender implements Disposable {
  readonly #files: CycleFiles;
  readonly #clock: () => number;
  /** The coarse clock's view when no clock function was given (read without a call). */
  readonly #clockView: Float64Array | undefined;
  readonly #lock: FileLock;
  readonly #claim: AppendClaim;
  readonly #scheduler: SyncScheduler | undefined;
  readonly #syncEach: boolean;
  readonly #truncateCorrupt: boolean;
  #closed = false;

  // current cycle
  #file!: CycleFile;
  #header!: Int32Array;
  #cycle = 0;
  #cycleEndMs = 0;
  #indexBase = 0;
  #sequencesPerCycle = 0;
  #blockSize = 0;
  #headerBytes = 0;
  #checksums = false;
  #maxPayloadLength = 0;
  #indexCount = 0;
  #indexSpacing = 0;
  /** indexSpacing − 1: `(sequence & mask) === 0` marks indexed records (a power of two; `&`
   * keeps the low 32 bits exactly, and a modulo by a variable is an integer division). */
  #indexMask = 0;

  // current block
  #block!: Block;
  #words!: Int32Array;
  #bytes!: Uint8Array;
  #blockStart = 0;
  #blockEnd = 0;

  // end of the data
  #position = 0;
  #sequence = 0;

  // current index page (-1: none)
  #indexPageNumber = -1;
  #indexPageWords: Int32Array | undefined;
  #indexPageOffset = 0;

  // the pending claim
  #claimOffset = 0;
  #claimFrameLength = 0;

  /** @internal Use `queue.appender()`. */
  constructor(context: AppenderContext) {
    this.#files = context.files;
    const clock = context.clock;
    this.#clockView = clock instanceof Float64Array ? clock : undefined;
    this.#clock = clock instanceof Float64Array ? () => clock[0] as number : clock;
    this.#lock = FileLock.acquireOrThrow(join(context.files.directory, APPENDER_LOCK_FILE));
    this.#claim = new AppendClaim(this);
    const policy = context.sync;
    this.#syncEach = policy === 'each';
    this.#truncateCorrupt = context.onCorrupt === 'truncate';
    // After close() the queue unmaps its files: a sync the timer starts later has nothing to do
    // (close() made everything durable with a blocking msync first).
    this.#scheduler =
      policy === 'none' || policy === 'each'
        ? undefined
        : new SyncScheduler({
            policy,
            sync: () => (this.#closed ? Promise.resolve() : this.#file.syncAsync()),
          });
    try {
      this.#start();
    } catch (error) {
      this.#lock.release();
      throw error;
    }
  }

  /** Queue index the next record will get (if no roll happens first). */
  get nextIndex(): number {
    return this.#indexBase + this.#sequence;
  }

  /** True after {@link Appender.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The cycle being appended to. */
  get cycle(): number {
    return this.#cycle;
  }

  /** Largest payload the current cycle file accepts. */
  get maxPayloadLength(): number {
    return this.#maxPayloadLength;
  }

  /**
   * Appends a copy of `payload` as one record.
   *
   * @returns the record's queue index
   * @throws ERR_ANNAL_TOO_LARGE when the payload exceeds `maxPayloadLength` or the cycle is full
   * @throws ERR_ANNAL_FULL when the disk is full at block allocation (nothing earlier is lost)
   * @throws ERR_ANNAL_CLOSED after close; ERR_ANNAL_INVALID_ARGUMENT while a claim is active
   */
  append(payload: Uint8Array): number {
    const length = payload.length;
    const offset = this.#reserve(length);
    const bytes = this.#bytes;
    const payloadAt = offset + FRAME_HEADER_BYTES;
    bytes.set(payload, payloadAt);
    if (this.#checksums) {
      setChecksumWord(this.#words, offset, payloadChecksum(bytes, payloadAt, length));
    }
    // publish: the payload and checksum written above are visible to any reader that loads this word.
    storeLengthWord(this.#words, offset, packRecordWord(length));
    return this.#committed(offset, computeFrameLength(length));
  }

  /**
   * Claims space for a record of `length` bytes in the mapped file, to be written in place and
   * committed (zero-copy). Never returns back-pressure: the queue grows on disk.
   *
   * @returns the appender's reusable {@link AppendClaim}
   * @throws as {@link Appender.append}
   */
  tryClaim(length: number): AppendClaim {
    const offset = this.#reserve(length);
    this.#claimOffset = offset;
    this.#claimFrameLength = computeFrameLength(length);
    this.#claim.activate(this.#bytes, offset + FRAME_HEADER_BYTES, length);
    return this.#claim;
  }

  /** Appends the UTF-8 encoding of `text` (allocates; off the hot path). */
  appendString(text: string): number {
    return this.append(textEncoder.encode(text));
  }

  /** Appends `JSON.stringify(value)` as UTF-8 (allocates; off the hot path). */
  appendJson(value: unknown): number {
    return this.appendString(JSON.stringify(value));
  }

  /** @internal AppendClaim#commit */
  commitClaim(): number {
    const offset = this.#claimOffset;
    const claim = this.#claim;
    if (this.#checksums) {
      setChecksumWord(
        this.#words,
        offset,
        payloadChecksum(claim.buffer, claim.offset, claim.length),
      );
    }
    // publish: the payload the caller wrote in place is visible to readers that load this word.
    storeLengthWord(this.#words, offset, packRecordWord(claim.length));
    return this.#committed(offset, this.#claimFrameLength);
  }

  /** @internal AppendClaim#abort */
  abortClaim(): void {
    // The payload may hold anything; a skip frame makes readers jump over it.
    storeLengthWord(this.#words, this.#claimOffset, packSkipWord(this.#claimFrameLength));
    this.#position += this.#claimFrameLength;
  }

  /**
   * msync everything appended so far (blocking). With the `'none'` policy this is how to make
   * a point durable against power loss.
   */
  sync(): void {
    this.#checkOpen();
    this.#file.sync();
  }

  /**
   * Resolves when everything appended before the call is durable (msync done), under the
   * `{ everyMs }` and `'manual'` policies (manual: syncs now); otherwise syncs now.
   */
  async synced(): Promise<void> {
    this.#checkOpen();
    const scheduler = this.#scheduler;
    if (scheduler === undefined) return this.#file.syncAsync();
    const generation = scheduler.written();
    if (scheduler.policy === 'manual') return scheduler.syncNow();
    return scheduler.synced(generation);
  }

  /**
   * Releases the appender lock; the queue files stay open for the queue's readers. Under the
   * `'manual'`, `{ everyMs }` and `'each'` policies it first msyncs what was appended (blocking),
   * so nothing is left for a background sync after the queue unmaps its files.
   *
   * @throws ERR_ANNAL_IO when that last msync, or an earlier background one, failed (the lock is
   *   released and the appender closed all the same)
   */
  close(): void {
    if (this.#closed) return;
    if (this.#claim.active) this.#claim.abort();
    this.#publishAdvisory();
    let failure: Error | undefined = this.#scheduler?.failure;
    if (this.#scheduler !== undefined || this.#syncEach) {
      try {
        this.#file.sync();
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    this.#closed = true;
    // Its final sync finds #closed and does nothing; a failure was taken above.
    this.#scheduler?.close().catch(() => undefined);
    this.#lock.release();
    if (failure !== undefined) throw failure;
  }

  /** Calls {@link Appender.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- internals -------------------------------------------------------------------------

  /** Checks, rolls if the clock passed the cycle's end, and returns the block offset of a new frame. */
  #reserve(length: number): number {
    if (this.#closed || this.#claim.active) this.#rejectReserve();
    if (!(length >= 0 && length <= this.#maxPayloadLength && (length | 0) === length)) {
      throw rejectLength(length, this.#maxPayloadLength);
    }
    const clockView = this.#clockView;
    if ((clockView === undefined ? this.#clock() : (clockView[0] as number)) >= this.#cycleEndMs) {
      this.#roll();
    }
    const sequence = this.#sequence;
    if (sequence >= this.#sequencesPerCycle) throw cycleFull(this.#file.path, sequence);
    if ((sequence & this.#indexMask) === 0) this.#prepareIndexEntry(sequence);
    const frameLength = computeFrameLength(length);
    if (this.#position + frameLength > this.#blockEnd) this.#nextBlock();
    return this.#position - this.#blockStart;
  }

  /** Bookkeeping after a publish: index entry, end, waiters, sync. Returns the queue index. */
  #committed(offset: number, frameLength: number): number {
    const sequence = this.#sequence;
    if ((sequence & this.#indexMask) === 0 && this.#indexPageWords !== undefined) {
      storeIndexPageEntry(
        this.#indexPageWords,
        this.#indexPageOffset,
        (sequence / this.#indexSpacing) % this.#indexCount,
        this.#headerBytes + this.#blockStart + offset,
      );
    }
    this.#position += frameLength;
    this.#sequence = sequence + 1;
    // Ordered after the publish (both sequentially consistent): a reader that registered as a
    // waiter either sees this record in its re-check, or is counted here and woken.
    if (loadWaiterCount(this.#header) !== 0) {
      bumpCommitCounter(this.#header);
      futexWake(this.#header, COMMIT_COUNTER_INDEX);
    }
    if (this.#scheduler !== undefined) this.#scheduler.written();
    else if (this.#syncEach) this.#block.mapping.sync(offset, frameLength);
    return this.#indexBase + sequence;
  }

  #rejectReserve(): never {
    if (this.#closed) throw new ClosedError('the appender is closed', { field: 'appender' });
    throw new InvalidArgumentError(
      'a claim is still active: commit() or abort() it before appending again',
      { field: 'claim' },
    );
  }

  /** Opens the cycle to append to, sealing an older unsealed one first. */
  #start(): void {
    const files = this.#files;
    const now = this.#clock();
    const shape = files.shape;
    const clockCycle = cycleAt(now, shape.epochMs, shape.cycleLengthMs);
    const cycles = files.listCycles();
    const highest = cycles.at(-1);
    if (highest !== undefined && highest < clockCycle) {
      // The previous appender stopped (or died) before rolling: recover its end and seal it,
      // so readers go on to the new cycle instead of waiting for more records there.
      const previous = files.get(highest);
      if (previous !== undefined && !this.#findEnd(previous).sealed) {
        this.#attach(highest, now);
        this.#seal();
      }
    }
    this.#attach(highest === undefined ? clockCycle : Math.max(clockCycle, highest), now);
  }

  /** Makes `cycle` current: finds its true end by scanning from the last index entry. */
  #attach(cycle: number, now: number): void {
    let file = this.#files.getOrCreate(cycle, now);
    let end = this.#findEnd(file);
    while (end.sealed) {
      // Someone rolled past this cycle already (a clock that went back): append after it.
      cycle++;
      file = this.#files.getOrCreate(cycle, now);
      end = this.#findEnd(file);
    }
    const configuration = file.configuration;
    const shape = this.#files.shape;
    this.#file = file;
    this.#header = file.header;
    this.#cycle = cycle;
    this.#cycleEndMs = cycleStartMs(cycle + 1, shape.epochMs, shape.cycleLengthMs);
    this.#sequencesPerCycle = 2 ** configuration.sequenceBits;
    this.#indexBase = cycle * this.#sequencesPerCycle;
    this.#blockSize = configuration.blockSize;
    this.#headerBytes = configuration.headerBytes;
    this.#checksums = configuration.checksums;
    this.#maxPayloadLength = configuration.maxPayloadLength;
    this.#indexCount = configuration.indexCount;
    this.#indexSpacing = configuration.indexSpacing;
    this.#indexMask = configuration.indexSpacing - 1;
    this.#position = end.position;
    this.#sequence = end.sequence;
    this.#useBlock(Math.floor(end.position / this.#blockSize));
    // The rest of the block we start in was not pre-faulted by anyone yet.
    if (!this.#files.readOnly) file.prefault(this.#block.number, end.position - this.#blockStart);
    this.#zeroPastEnd();
    this.#findIndexPage();
  }

  /**
   * The true end of `file`: scanned from the last index entry. A corrupt frame on the way throws
   * (`onCorrupt: 'stop'`/`'skip'`), or with `'truncate'` becomes the end: it and everything
   * after it are zeroed, and index entries pointing there are cleared.
   */
  #findEnd(file: CycleFile): ScanResult {
    const end = scanFrames(file, lastIndexedStart(file), Infinity, this.#truncateCorrupt);
    if (end.corrupt !== undefined) truncateAt(file, end.position);
    return end;
  }

  /**
   * Zeroes what a dead appender may have written past the true end (a payload whose length word
   * it never stored), so a later, shorter frame never leaves stale bytes where a reader expects
   * a length word. A frame is at most a quarter block, so that bound suffices.
   */
  #zeroPastEnd(): void {
    if (this.#files.readOnly) return;
    const offset = this.#position - this.#blockStart;
    const end = Math.min(this.#blockSize, offset + computeFrameLength(this.#maxPayloadLength) + 8);
    this.#bytes.fill(0, offset, end);
  }

  #findIndexPage(): void {
    const perPage = this.#indexCount * this.#indexSpacing;
    const pageNumber = Math.floor(this.#sequence / perPage);
    const fileOffset = loadFirstLevelEntry(this.#header, pageNumber);
    this.#indexPageNumber = -1;
    this.#indexPageWords = undefined;
    if (fileOffset === 0) return;
    const position = fileOffset - this.#headerBytes;
    const block = this.#file.block(Math.floor(position / this.#blockSize));
    if (block === undefined) return;
    this.#indexPageNumber = pageNumber;
    this.#indexPageWords = block.words;
    this.#indexPageOffset = position - block.start;
  }

  /** Before publishing an indexed record: make sure the index page for its range exists. */
  #prepareIndexEntry(sequence: number): void {
    const pageNumber = Math.floor(sequence / (this.#indexCount * this.#indexSpacing));
    if (pageNumber === this.#indexPageNumber) return;
    const frameLength = computeIndexPageFrameLength(this.#indexCount);
    if (this.#position + frameLength > this.#blockEnd) this.#nextBlock();
    const offset = this.#position - this.#blockStart;
    // publish: readers skip the page like padding; its entries are zero until written.
    storeLengthWord(this.#words, offset, packSkipWord(frameLength));
    storeFirstLevelEntry(this.#header, pageNumber, this.#headerBytes + this.#position);
    this.#indexPageNumber = pageNumber;
    this.#indexPageWords = this.#words;
    this.#indexPageOffset = offset;
    this.#position += frameLength;
    // Advisory end, once per index spacing: cheap, and lets tools estimate the size.
    this.#publishAdvisory();
  }

  /** Pads the rest of the block (if any) and moves to the next one, allocating ahead. */
  #nextBlock(): void {
    const rest = this.#blockEnd - this.#position;
    if (rest > 0) {
      storeLengthWord(this.#words, this.#position - this.#blockStart, packSkipWord(rest));
      this.#position = this.#blockEnd;
    }
    this.#useBlock(this.#block.number + 1);
  }

  /**
   * Maps block `number` (allocating it first), and allocates and pre-faults the one after.
   *
   * @throws ERR_ANNAL_FULL when block `number` cannot be allocated; the appender stays where it
   *   was, so a later append retries (and succeeds once space is free)
   */
  #useBlock(number: number): void {
    const file = this.#file;
    if (!this.#files.readOnly) {
      file.allocateBlocks(number + 1);
      try {
        file.allocateBlocks(number + 2);
      } catch {
        // Allocating ahead is an optimisation: if the disk is full now, the same error comes back,
        // typed, when this block fills and the next one is really needed.
      }
    }
    const block = file.block(number);
    if (block === undefined) {
      // Allocated a moment ago, yet shorter now: something else truncated the file.
      throw new CorruptError(`${file.path} ends before block ${number}, which was just allocated`, {
        path: file.path,
        field: 'length',
      });
    }
    this.#block = block;
    this.#words = block.words;
    this.#bytes = block.bytes;
    this.#blockStart = block.start;
    this.#blockEnd = block.start + this.#blockSize;
    file.prefault(number + 1);
  }

  /** Seals the current cycle with an end-of-cycle frame. */
  #seal(): void {
    if (this.#position === this.#blockEnd) this.#nextBlock();
    storeLengthWord(this.#words, this.#position - this.#blockStart, END_OF_CYCLE_WORD);
    storeSealed(this.#header);
    this.#publishAdvisory();
    // Wake tailers so they move on to the next cycle.
    bumpCommitCounter(this.#header);
    futexWake(this.#header, COMMIT_COUNTER_INDEX);
  }

  /** Seals the current cycle and starts the one the clock is in. */
  #roll(): void {
    this.#seal();
    const file = this.#file;
    if (this.#scheduler !== undefined || this.#syncEach) file.sync();
    const now = this.#clock();
    const shape = this.#files.shape;
    this.#attach(Math.max(this.#cycle + 1, cycleAt(now, shape.epochMs, shape.cycleLengthMs)), now);
  }

  #publishAdvisory(): void {
    storeWritePosition(this.#header, this.#position);
    storeRecordCount(this.#header, this.#sequence);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('the appender is closed', { field: 'appender' });
  }
}

const textEncoder = new TextEncoder();

function rejectLength(length: number, max: number): Error {
  if (Number.isInteger(length) && length > max) {
    return new TooLargeError(
      `record is longer than the queue allows: length=${length}, maxPayloadLength=${max}`,
      { field: 'length' },
    );
  }
  return new InvalidArgumentError(
    `length must be a non-negative integer: length=${String(length)}`,
    {
      field: 'length',
    },
  );
}

function cycleFull(path: string, sequence: number): TooLargeError {
  return new TooLargeError(
    `${path} holds ${sequence} records, the most its index shape allows: use a shorter roll cycle or a larger indexCount/indexSpacing`,
    { path, field: 'sequence' },
  );
}

function inactiveClaim(operation: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${operation}() on a claim that is not active: it was committed or aborted already`,
    { field: 'claim' },
  );
}
