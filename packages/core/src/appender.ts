/**
 * The appender: writes records at the end of the current cycle file, rolls to the next cycle,
 * keeps the index, and recovers the true end after a crash.
 *
 * @module
 */
import {
  ClosedError,
  CorruptError,
  InvalidArgumentError,
  SyncScheduler,
  futexWake,
  membarrierRegister,
  type FileLock,
  type SyncPolicy,
} from '@annal/native';

import { AppendClaim } from './append-claim.js';
import { AppendLock } from './append-lock.js';
import { SharedMembership, acquireExclusive } from './appender-membership.js';

import { payloadChecksumWords } from './checksum.js';
import type { Block, CycleFile } from './cycle-file.js';
import type { CycleFiles } from './cycle-files.js';
import { cycleFull, rejectLength, unsealedEnd } from './append-errors.js';
import { checkedIndexPage, type ScanResult } from './frame-scan.js';
import { findCheckedEnd, zeroPastEnd } from './recovery.js';
import {
  COMMIT_COUNTER_INDEX,
  END_OF_CYCLE_WORD,
  FRAME_HEADER_BYTES,
  bumpCommitCounter,
  computeFrameLength,
  clearSealed,
  computeIndexPageFrameLength,
  computeRecordTag,
  computeSkipTag,
  loadLengthWord,
  getRecordCount,
  getSealed,
  loadSealed,
  loadWaiterCount,
  getWritePosition,
  packRecordWord,
  packSkipWord,
  resetAppendLock,
  setAppendEnd,
  setChecksumWord,
  storeFirstLevelEntry,
  storeIndexPageEntry,
  storeLengthWord,
  publishLengthWordFenceless,
  markFencelessPublish,
  storeRecordCount,
  storeSealed,
  storeWritePosition,
} from './layout.js';
import { cycleAt, cycleStartMs } from './roll-cycle.js';

export { APPENDER_LOCK_FILE } from './appender-membership.js';
export { AppendClaim } from './append-claim.js';

/** Data positions are stored in 8-byte units in a u32 (line 1), so a file holds at most this. */
const MAX_SHARED_DATA_BYTES = 2 ** 35;

/** What an {@link Appender} needs from its queue. */
export interface AppenderContext {
  readonly files: CycleFiles;
  /** `'truncate'`: a corrupt frame met while recovering the end is dropped with all after it. */
  readonly onCorrupt: 'stop' | 'skip' | 'truncate';
  /** The clock: a function, or the coarse clock's Float64Array (read inline, element 0). */
  readonly clock: (() => number) | Float64Array;
  readonly sync: SyncPolicy;
  /** Append alongside other shared appenders (append lock word) instead of exclusively. */
  readonly shared: boolean;
  /** Shared: how long to wait for an append lock held by a live appender (ms). */
  readonly lockTimeoutMs: number;
}

/**
 * Appends records to a queue, in one of two modes (chosen when it is opened; see
 * docs/decisions/2026-11-22-core-shared-appenders.md):
 *
 * - **exclusive** (the default): the only appender of the queue directory, across threads and
 *   processes, through an OFD lock on `appender.lock` held for its lifetime (released by the
 *   kernel if the process dies, so a crashed appender never blocks the next one; no PID is
 *   involved). Per record it writes the payload into the mapped block, then publishes the frame
 *   with one `Atomics.store` of the length word.
 * - **shared**: any number of shared appenders (up to 1024) in any threads and processes append
 *   to one queue at once, in one total order. Each record is written while holding the append
 *   lock word in the cycle file's header (a CAS to take it, a store to release it), so a claim
 *   (`tryClaim` … `commit`) holds it too: keep claims short. An appender that dies holding it
 *   (even by SIGKILL) is detected through its slot's OFD lock and its unfinished record dropped;
 *   a live holder is waited for, up to `lockTimeoutMs`.
 *
 * Either way: per record no syscall, no allocation, no native call (except CRC32C of payloads of
 * 128 bytes or more when checksums are on).
 *
 * Threading: the thread that opened it.
 */
export class Appender implements Disposable {
  readonly #files: CycleFiles;
  readonly #clock: () => number;
  /** The coarse clock's view when no clock function was given (read without a call). */
  readonly #clockView: Float64Array | undefined;
  /** Exclusive mode: the lock on the whole of `appender.lock`. */
  readonly #lock: FileLock | undefined;
  /** Shared mode: this appender's slot among the queue's shared appenders. */
  readonly #membership: SharedMembership | undefined;
  readonly #shared: boolean;
  /** Shared mode: its side of the append lock words. */
  #appendLock!: AppendLock;
  readonly #claim: AppendClaim;
  readonly #scheduler: SyncScheduler | undefined;
  readonly #syncEach: boolean;
  readonly #onCorrupt: 'stop' | 'skip' | 'truncate';
  /**
   * Publishes with plain stores (x86-64, where a store is a release store, and only where
   * membarrier lets sleeping readers make up for the fence it leaves out; see layout.ts).
   */
  readonly #fenceless = process.arch === 'x64' && membarrierRegister();
  #closed = false;

  // current cycle
  #file!: CycleFile;
  #header!: Int32Array;
  #cycle = 0;
  #cycleEndMs = 0;
  #indexBase = 0;
  #sequencesPerCycle = 0;
  /** Sequences below this may be appended (shared: one fewer, the record count is a u32). */
  #sequenceLimit = 0;
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
    this.#shared = context.shared;
    this.#claim = new AppendClaim(this);
    const policy = context.sync;
    this.#syncEach = policy === 'each';
    this.#onCorrupt = context.onCorrupt;
    // After close() the queue unmaps its files: a sync the timer starts later has nothing to do
    // (close() made everything durable with a blocking msync first).
    this.#scheduler =
      policy === 'none' || policy === 'each'
        ? undefined
        : new SyncScheduler({
            policy,
            sync: () => (this.#closed ? Promise.resolve() : this.#file.syncAsync()),
          });
    if (this.#shared) {
      this.#lock = undefined;
      this.#membership = SharedMembership.join(
        context.files.directory,
        context.lockTimeoutMs,
        (alone, membership) => {
          this.#appendLock = new AppendLock(membership, context.lockTimeoutMs);
          this.#startShared(alone);
        },
      );
      return;
    }
    this.#membership = undefined;
    this.#lock = acquireExclusive(context.files.directory);
    try {
      this.#start();
    } catch (error) {
      this.#lock.release();
      throw error;
    }
  }

  /**
   * Queue index the next record will get (if no roll happens first). Shared appenders: the index
   * after this appender's last record or claim; others may append first.
   */
  get nextIndex(): number {
    return this.#indexBase + this.#sequence;
  }

  /** True for a shared appender (see the class description). */
  get shared(): boolean {
    return this.#shared;
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
    try {
      bytes.set(payload, payloadAt);
    } catch (error) {
      // E.g. a detached payload: the frame becomes padding (and a shared appender's lock is freed).
      this.#dropFrame(offset, computeFrameLength(length));
      throw error;
    }
    this.#publish(offset, length);
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
    // The payload the caller wrote in place is published like an appended one.
    this.#publish(offset, this.#claim.length);
    return this.#committed(offset, this.#claimFrameLength);
  }

  /** @internal AppendClaim#abort */
  abortClaim(): void {
    this.#dropFrame(this.#claimOffset, this.#claimFrameLength);
  }

  /** Turns a reserved frame into padding (its payload may hold anything: readers jump over it). */
  #dropFrame(offset: number, frameLength: number): void {
    this.#publishSkip(offset, packSkipWord(frameLength));
    this.#position += frameLength;
    if (this.#shared) this.#releaseShared();
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
    // Between shared appenders line 1 is only written under the append lock.
    if (!this.#shared) this.#publishAdvisory();
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
    this.#lock?.release();
    this.#membership?.leave();
    if (failure !== undefined) throw failure;
  }

  /** Calls {@link Appender.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * Writes the check word of a skip or end-of-cycle frame at block `offset` (the appender's
   * position), then publishes its length word.
   */
  #publishSkip(offset: number, lengthWord: number): void {
    const position = this.#blockStart + offset;
    setChecksumWord(this.#words, offset, computeSkipTag(lengthWord, position, this.#sequence));
    // publish: readers load the length word, then check the tag written above.
    storeLengthWord(this.#words, offset, lengthWord);
    // Under 'each' a record is durable when append returns, and so must be every frame a reader
    // steps over to reach it (block-end padding, index pages): else a power loss could leave a
    // free word before acknowledged records. Rare (one per block or index page).
    if (this.#syncEach) this.#block.mapping.msyncSync(offset, FRAME_HEADER_BYTES);
  }

  /**
   * Writes the check word of the record of `length` payload bytes at block `offset` (its
   * payload's CRC32C seeded with its sequence; checksums off, a tag of its length word and
   * sequence), then stores its length word: the store that makes it visible to readers.
   */
  #publish(offset: number, length: number): void {
    const words = this.#words;
    const payloadAt = offset + FRAME_HEADER_BYTES;
    const sequence = this.#sequence;
    // Branching here rather than in a shared helper keeps this inlined (measured: a call to
    // recordCheckWord cost about 9 ns per 64-byte append; this costs about 3 over no check word).
    const check = this.#checksums
      ? payloadChecksumWords(words, this.#bytes, payloadAt, length, sequence)
      : computeRecordTag(packRecordWord(length), sequence);
    setChecksumWord(words, offset, check);
    // publish: the payload and check word written above are visible to any reader that loads it.
    if (this.#fenceless) publishLengthWordFenceless(words, offset, packRecordWord(length));
    else storeLengthWord(words, offset, packRecordWord(length));
  }

  /** Checks, rolls if the clock passed the cycle's end, and returns the block offset of a new frame. */
  #reserve(length: number): number {
    if (this.#closed || this.#claim.active) this.#rejectReserve();
    if (!(length >= 0 && length <= this.#maxPayloadLength && (length | 0) === length)) {
      throw rejectLength(length, this.#maxPayloadLength);
    }
    if (this.#shared) return this.#reserveShared(length);
    if (this.#clockPassedCycleEnd()) this.#roll();
    return this.#placeFrame(length);
  }

  #clockPassedCycleEnd(): boolean {
    const clockView = this.#clockView;
    return (clockView === undefined ? this.#clock() : (clockView[0] as number)) >= this.#cycleEndMs;
  }

  /**
   * Makes room for the index page and the frame, and returns the block offset where a frame of
   * `length` payload bytes goes.
   */
  #placeFrame(length: number): number {
    const sequence = this.#sequence;
    if (sequence >= this.#sequenceLimit) throw cycleFull(this.#file.path, sequence);
    if ((sequence & this.#indexMask) === 0) this.#prepareIndexEntry(sequence);
    const frameLength = computeFrameLength(length);
    if (this.#position + frameLength > this.#blockEnd) this.#nextBlock();
    return this.#position - this.#blockStart;
  }

  // ---- shared mode -----------------------------------------------------------------------
  //
  // The append lock word of the current cycle file is held from #reserveShared until the frame
  // is published (#committed) or dropped (abortClaim), so frames are written one at a time, in
  // the order the lock was taken. While holding it an appender reads the end (write position and
  // record count, line 1), writes its frame there (and any index page, block padding or
  // end-of-cycle frame), stores the new end, and releases: the release store publishes it all to
  // the next holder. Readers need nothing of this: they see frames published as always.

  /** #reserve for a shared appender: returns holding the append lock (released on a throw). */
  #reserveShared(length: number): number {
    this.#acquireShared();
    // Rolling seals this cycle and releases its lock: then start over in the next one.
    while (this.#clockPassedCycleEnd()) {
      this.#rollShared();
      this.#acquireShared();
    }
    try {
      return this.#placeFrame(length);
    } catch (error) {
      // Whatever was written (an index page, padding) is complete: publish the end it reached.
      this.#releaseShared();
      throw error;
    }
  }

  /** Stores the end reached and releases the append lock. */
  #releaseShared(): void {
    setAppendEnd(this.#header, this.#position, this.#sequence);
    this.#appendLock.release(this.#header);
  }

  /**
   * Takes the append lock of the newest unsealed cycle file and loads the end of its data. A
   * sealed file sends it on to the next cycle (created by whoever sealed it, right after sealing).
   */
  #acquireShared(): void {
    for (;;) {
      const header = this.#header;
      const lock = this.#appendLock;
      if (!lock.tryTake(header)) {
        // A sealed file with a successor needs no lock to leave (its lock word may even name an
        // appender that died in it).
        if (loadSealed(header) !== 0 && this.#moveToSuccessor()) continue;
        if (!lock.wait(header, this.#file.path)) this.#recoverSharedEnd();
      }
      if (getSealed(header) === 0) {
        try {
          this.#loadSharedEnd();
        } catch (error) {
          lock.release(header);
          throw error;
        }
        return;
      }
      this.#followSealed();
    }
  }

  /** Attaches to the next existing cycle after the current one; false when there is none yet. */
  #moveToSuccessor(): boolean {
    const next = this.#successorCycle();
    if (next === undefined) return false;
    this.#attachShared(next);
    return true;
  }

  /** The first cycle after the current one that has a file (a readdir: rolls only). */
  #successorCycle(): number | undefined {
    return this.#files.listCycles().find((cycle) => cycle > this.#cycle);
  }

  /** The cycle to roll to at `now`: the clock's, or the next one if the clock is behind. */
  #rollTarget(now: number): number {
    const shape = this.#files.shape;
    return Math.max(this.#cycle + 1, cycleAt(now, shape.epochMs, shape.cycleLengthMs));
  }

  /**
   * Reads the end from line 1 (we hold the lock) and maps the block it is in. Line 1 is not
   * checksummed, so the end is checked before it is used: it must hold a free word in the block
   * mapped already (one load), or, in another block, lie inside the allocated file. Otherwise
   * (damage) the end is found again by a checked scan, as after a dead holder: never is a block
   * allocated or written on the word of an unchecked position.
   */
  #loadSharedEnd(): void {
    const header = this.#header;
    const position = getWritePosition(header);
    this.#sequence = getRecordCount(header);
    this.#position = position;
    if (!(position >= this.#blockStart && position <= this.#blockEnd)) {
      // Another block (rare: a syscall): mapped only once it lies inside the allocated file.
      const inFile =
        position % 8 === 0 && position <= this.#file.allocatedBlocks() * this.#blockSize;
      if (inFile) this.#mapBlockAt(position);
    }
    const inBlock = position >= this.#blockStart && position <= this.#blockEnd;
    if (
      inBlock &&
      (position === this.#blockEnd ||
        loadLengthWord(this.#words, position - this.#blockStart) === 0)
    ) {
      return;
    }
    this.#rescanSharedEnd();
    // The checked frames end the cycle although the sealed flag said otherwise: damage.
    if (getSealed(header) !== 0) throw unsealedEnd(this.#file.path);
  }

  /**
   * Makes the block holding `position` current unless it already is. A position on a block
   * boundary belongs to the block it ends: #reserveShared moves on from there (allocating the
   * next block, which may fail with ERR_ANNAL_FULL and be retried later).
   */
  #mapBlockAt(position: number): void {
    if (position >= this.#blockStart && position <= this.#blockEnd) return;
    const number = Math.floor(Math.max(position - 1, 0) / this.#blockSize);
    this.#useBlock(number);
    // Another appender started this block; fault in the rest for this process too.
    this.#file.prefault(number, position - this.#blockStart);
  }

  /**
   * After taking over from a dead holder: it may have published a frame (a record, an index
   * page, padding, the end of the cycle) without storing the new end, or stored the position and
   * not the count, and left a partial payload past it. Finds the true end from the last index
   * entry (as recovery after a crash does), zeroes past it, and stores it.
   */
  #recoverSharedEnd(): void {
    try {
      this.#rescanSharedEnd();
    } catch (error) {
      this.#appendLock.release(this.#header);
      throw error;
    }
  }

  /** Holding the lock: finds the end by a checked scan and stores it (throws holding it). */
  #rescanSharedEnd(): void {
    const header = this.#header;
    // The stored end may be torn (position stored, count not): scan from the index instead.
    const end = this.#findEnd(this.#file);
    this.#position = end.position;
    this.#sequence = end.sequence;
    this.#mapBlockAt(end.position);
    if (end.sealed) storeSealed(header);
    else this.#zeroAt(end.position);
    this.#findIndexPage(end);
    setAppendEnd(header, this.#position, this.#sequence);
  }

  /**
   * Holding the lock of a sealed file: moves to the next cycle file. Whoever sealed it created
   * that file under this lock; if it died first (or an exclusive appender sealed it and died),
   * the successor is created here, under the same lock, so only one is ever created.
   */
  #followSealed(): void {
    let next = this.#successorCycle();
    if (next === undefined) {
      const now = this.#clock();
      next = this.#rollTarget(now);
      try {
        this.#files.getOrCreate(next, now);
      } catch (error) {
        this.#appendLock.release(this.#header);
        throw error;
      }
    }
    this.#appendLock.release(this.#header);
    this.#attachShared(next);
  }

  /** Holding the lock: the clock passed the cycle's end. Seals, creates the next file, releases. */
  #rollShared(): void {
    const now = this.#clock();
    const next = this.#rollTarget(now);
    const file = this.#file;
    try {
      // Sealed first, then the successor created, both under this file's lock: an appender that
      // finds the file sealed either finds the successor or (if we died in between) creates it
      // under the same lock, so the chain of cycles never forks and no cycle stays unsealed.
      this.#seal();
      this.#files.getOrCreate(next, now);
    } finally {
      this.#appendLock.release(this.#header);
    }
    this.#attachShared(next);
    if (this.#scheduler !== undefined || this.#syncEach) file.sync();
  }

  /** Makes `cycle` current without positioning: the end is read under its lock. */
  #attachShared(cycle: number): void {
    const file = this.#files.getOrCreate(cycle, this.#clock());
    this.#useFile(file, cycle);
    this.#blockStart = 0;
    this.#blockEnd = -1;
    this.#indexPageNumber = -1;
    this.#indexPageWords = undefined;
  }

  /**
   * Starts a shared appender, called while it holds the join lock. Alone (no other shared
   * appender lives), it recovers the end from the files as an exclusive appender does, and
   * clears whatever a dead appender left in the lock word. Otherwise the live appenders keep the
   * end in line 1: it attaches to the newest cycle and reads the end under the lock.
   */
  #startShared(alone: boolean): void {
    if (alone) {
      this.#start();
      setAppendEnd(this.#header, this.#position, this.#sequence);
      resetAppendLock(this.#header);
      return;
    }
    const files = this.#files;
    const now = this.#clock();
    const shape = files.shape;
    const newest = files.listCycles().at(-1) ?? cycleAt(now, shape.epochMs, shape.cycleLengthMs);
    // A dead appender's value in the lock word is taken over by the first to wait on it.
    this.#attachShared(newest);
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
    if (this.#shared) this.#releaseShared();
    // Ordered after the publish (both sequentially consistent): a reader that registered as a
    // waiter either sees this record in its re-check, or is counted here and woken.
    if (loadWaiterCount(this.#header) !== 0) {
      bumpCommitCounter(this.#header);
      futexWake(this.#header, COMMIT_COUNTER_INDEX);
    }
    if (this.#scheduler !== undefined) this.#scheduler.written();
    else if (this.#syncEach) this.#block.mapping.msyncSync(offset, frameLength);
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
    this.#useFile(file, cycle);
    this.#position = end.position;
    this.#sequence = end.sequence;
    this.#useBlock(Math.floor(end.position / this.#blockSize));
    // The rest of the block we start in was not pre-faulted by anyone yet.
    if (!this.#files.readOnly) file.prefault(this.#block.number, end.position - this.#blockStart);
    this.#zeroAt(this.#position);
    // A sealed flag that the checked frames contradict (no end-of-cycle frame) is damage.
    if (loadSealed(file.header) !== 0) clearSealed(file.header);
    this.#findIndexPage(end);
  }

  /** Takes `file`'s shape; the caller positions the appender in it. */
  #useFile(file: CycleFile, cycle: number): void {
    const configuration = file.configuration;
    const shape = this.#files.shape;
    this.#file = file;
    this.#header = file.header;
    // Before our first fenceless publish in the file, so that every waiter that could miss it
    // knows to fence (the mark is a sequentially consistent store).
    if (this.#fenceless) markFencelessPublish(file.header);
    this.#cycle = cycle;
    this.#cycleEndMs = cycleStartMs(cycle + 1, shape.epochMs, shape.cycleLengthMs);
    this.#sequencesPerCycle = 2 ** configuration.sequenceBits;
    this.#sequenceLimit = this.#shared
      ? Math.min(this.#sequencesPerCycle, 2 ** 32 - 1)
      : this.#sequencesPerCycle;
    this.#indexBase = cycle * this.#sequencesPerCycle;
    this.#blockSize = configuration.blockSize;
    this.#headerBytes = configuration.headerBytes;
    this.#checksums = configuration.checksums;
    this.#maxPayloadLength = configuration.maxPayloadLength;
    this.#indexCount = configuration.indexCount;
    this.#indexSpacing = configuration.indexSpacing;
    this.#indexMask = configuration.indexSpacing - 1;
  }

  /** The true end of `file`, from checked frames only (recovery.ts). */
  #findEnd(file: CycleFile): ScanResult {
    return findCheckedEnd(file, this.#onCorrupt);
  }

  /** Zeroes what a dead appender may have left past the end (recovery.ts). */
  #zeroAt(position: number): void {
    if (!this.#files.readOnly) zeroPastEnd(this.#file, position);
  }

  /**
   * After finding the end by the scan `end`: adopts the index page of the current range. Its
   * first-level entry may be 0 or damaged while the page exists (a crash between the page and
   * its entry, or a flipped bit): then the page the scan walked over is the one, and its entry
   * is rewritten. A range whose page is nowhere stays unindexed (readers scan from an earlier
   * entry); a page is only ever created where its range starts.
   */
  #findIndexPage(end: ScanResult): void {
    this.#indexPageNumber = -1;
    this.#indexPageWords = undefined;
    const pageNumber = Math.floor(this.#sequence / (this.#indexCount * this.#indexSpacing));
    if (this.#adoptIndexPage(pageNumber)) return;
    if (end.indexPage?.number === pageNumber && !this.#files.readOnly) {
      storeFirstLevelEntry(this.#header, pageNumber, this.#headerBytes + end.indexPage.position);
      if (this.#adoptIndexPage(pageNumber)) return;
    }
    if (this.#sequence % (this.#indexCount * this.#indexSpacing) !== 0) {
      this.#indexPageNumber = pageNumber;
    }
  }

  /**
   * Makes index page `pageNumber` current if it exists already and its first-level entry checks
   * out (false when not).
   */
  #adoptIndexPage(pageNumber: number): boolean {
    const position = checkedIndexPage(this.#file, pageNumber);
    if (position < 0) return false;
    const block = this.#file.block(Math.floor(position / this.#blockSize));
    if (block === undefined) return false;
    this.#indexPageNumber = pageNumber;
    this.#indexPageWords = block.words;
    this.#indexPageOffset = position - block.start;
    return true;
  }

  /** Before publishing an indexed record: make sure the index page for its range exists. */
  #prepareIndexEntry(sequence: number): void {
    const pageNumber = Math.floor(sequence / (this.#indexCount * this.#indexSpacing));
    if (pageNumber === this.#indexPageNumber) return;
    // A shared appender may have created it (or, after a crash, an earlier appender).
    if (this.#adoptIndexPage(pageNumber)) return;
    if (sequence % (this.#indexCount * this.#indexSpacing) !== 0) {
      // Mid-range without a page that checks out (see #findIndexPage): leave the range
      // unindexed rather than write a page where readers would not accept it.
      this.#indexPageNumber = pageNumber;
      this.#indexPageWords = undefined;
      return;
    }
    const frameLength = computeIndexPageFrameLength(this.#indexCount);
    if (this.#position + frameLength > this.#blockEnd) this.#nextBlock();
    const offset = this.#position - this.#blockStart;
    // Its entries are zero until written (the block is zeroed past the end); readers skip it.
    this.#publishSkip(offset, packSkipWord(frameLength));
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
    if (this.#shared && this.#blockEnd + this.#blockSize >= MAX_SHARED_DATA_BYTES) {
      throw cycleFull(this.#file.path, this.#sequence);
    }
    const rest = this.#blockEnd - this.#position;
    if (rest > 0) {
      this.#publishSkip(this.#position - this.#blockStart, packSkipWord(rest));
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
    // Its tag binds the cycle's record count: a reader that reaches it after another number of
    // records (a record lost to a damaged length word) reports it.
    this.#publishSkip(this.#position - this.#blockStart, END_OF_CYCLE_WORD);
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
    this.#attach(this.#rollTarget(now), now);
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
