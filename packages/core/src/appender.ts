/**
 * The appender: writes records at the end of the current cycle file, in exclusive or shared
 * mode. This module holds its API and the per-record path (reserve, copy, publish, commit),
 * which reads the {@link AppendPosition} directly.
 *
 * What moves that position lives apart: blocks, cycle files, recovery of the end and the seal
 * (append-position.ts), index pages (append-index-page.ts), the shared appenders' turns at the
 * append lock (shared-append.ts). So do the claim (append-claim.ts), durability
 * (append-durability.ts), the append lock word (append-lock.ts), membership of shared appenders
 * (appender-membership.ts), cold errors (append-errors.ts), frame checks and scans
 * (frame-checks.ts, frame-scan.ts, recovery.ts).
 *
 * About 550 lines on purpose: a third of it is the documentation of the public API;
 * the code left is the per-record path and the small public methods around it.
 *
 * @module
 */
import { futexWake, membarrierRegister, type FileLock, type SyncScheduler } from '@annal/native';

import { MAX_PENDING_FRAMES, PendingFrames, checkBatch } from './append-batch.js';
import { AppendClaim } from './append-claim.js';
import { AppendDurability } from './append-durability.js';
import {
  claimActive,
  closedAppender,
  jsonOf,
  refuseUnlessBytes,
  rejectLength,
  rejectPayload,
  rejectText,
} from './append-errors.js';
import { storeIndexEntry } from './append-index-page.js';
import { AppendLock } from './append-lock.js';
import { AppendPosition } from './append-position.js';
import type { AppenderContext } from './appender-context.js';
import { SharedMembership, acquireExclusive } from './appender-membership.js';
import { payloadChecksumWords } from './checksum.js';
import {
  COMMIT_COUNTER_INDEX,
  FRAME_HEADER_BYTES,
  bumpCommitCounter,
  computeFrameLength,
  computeRecordTag,
  loadWaiterCount,
  packRecordWord,
  packSkipWord,
  publishLengthWordFenceless,
  setChecksumWord,
  storeLengthWord,
} from './layout.js';
import { SharedAppend } from './shared-append.js';

export { APPENDER_LOCK_FILE } from './appender-membership.js';
export { AppendClaim } from './append-claim.js';
export type { AppenderContext } from './appender-context.js';

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
 *   (`claim` … `commit`) holds it too: keep claims short. An appender that dies holding it
 *   (even by SIGKILL) is detected through its slot's OFD lock and its unfinished record dropped;
 *   a live holder is waited for, up to `lockTimeoutMs`.
 *
 * Either way: per record no syscall, no allocation, no native call (except CRC32C of payloads of
 * 128 bytes or more when checksums are on).
 *
 * Threading: the thread that opened it.
 */
export class Appender implements Disposable {
  /** Where it writes next, and the cycle file it writes in (append-position.ts). */
  readonly #at: AppendPosition;
  /** Exclusive mode: the lock on the whole of `appender.lock`. */
  readonly #lock: FileLock | undefined;
  /** Shared mode: this appender's slot among the queue's shared appenders. */
  readonly #membership: SharedMembership | undefined;
  readonly #shared: boolean;
  /** Shared mode: its turns at the append lock words (shared-append.ts). */
  #sharedAppend!: SharedAppend;
  readonly #claim: AppendClaim;
  readonly #scheduler: SyncScheduler | undefined;
  readonly #syncEach: boolean;
  /**
   * `'each'`: appendSync msyncs each record before it returns; false while {@link append} runs
   * it, whose record the group commit syncs instead.
   */
  #syncInline: boolean;
  readonly #durability: AppendDurability;
  #closed = false;

  // the pending claim
  #claimOffset = 0;
  readonly #pending = new PendingFrames();
  #claimFrameLength = 0;

  /** @internal Use `queue.appender()`. */
  constructor(context: AppenderContext) {
    this.#shared = context.shared;
    this.#claim = new AppendClaim(this);
    // After close() the queue unmaps its files: a sync the timer starts later has nothing to do
    // (close() made everything durable with a blocking msync first).
    this.#durability = new AppendDurability(context.sync, () =>
      this.#closed ? Promise.resolve() : this.#at.file.sync(),
    );
    this.#scheduler = this.#durability.scheduler;
    this.#syncEach = this.#durability.each;
    this.#syncInline = this.#syncEach;
    const at = new AppendPosition(
      context.files,
      context.clock,
      context.onCorrupt,
      context.shared,
      this.#syncEach,
      process.arch === 'x64' && membarrierRegister(),
    );
    this.#at = at;
    if (this.#shared) {
      this.#lock = undefined;
      this.#membership = SharedMembership.join(
        context.files.directory,
        context.lockTimeoutMs,
        (alone, membership) => {
          const lock = new AppendLock(membership, context.lockTimeoutMs);
          this.#sharedAppend = new SharedAppend(at, lock, this.#durability);
          this.#sharedAppend.start(alone);
        },
      );
      return;
    }
    this.#membership = undefined;
    this.#lock = acquireExclusive(context.files.directory);
    try {
      at.start();
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
    return this.#at.indexBase + this.#at.sequence;
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
    return this.#at.cycle;
  }

  /** Largest payload, in bytes, the current cycle file accepts. */
  get maxPayloadBytes(): number {
    return this.#at.maxPayloadBytes;
  }

  /**
   * Appends a copy of `payload` as one record and returns once it is written: in the page cache,
   * so it survives a crash of the process. Under `sync: 'each'` it also blocks in an msync of the
   * record, so it survives power loss when this returns. The hot path: no allocation, no syscall
   * (except that msync), no native call.
   *
   * @param payload - the record's bytes: a Uint8Array (a Buffer is one); may be empty. Strings go
   *   through {@link Appender.appendString}.
   * @returns the record's queue index
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `payload` is not a Uint8Array, or while a claim is
   *   active; ERR_ANNAL_TOO_LARGE when it exceeds `maxPayloadBytes` or the cycle is full;
   *   ERR_ANNAL_FULL when the disk is full at block allocation (nothing earlier is lost);
   *   ERR_ANNAL_CLOSED after close
   */
  appendSync(payload: Uint8Array): number {
    if (!(payload instanceof Uint8Array)) refuseUnlessBytes(payload);
    // Loaded once and handed down: the per-record methods read the position's fields directly.
    const at = this.#at;
    const length = payload.length;
    const offset = this.#reserve(at, length);
    try {
      copyBytes.call(at.bytes, payload, offset + FRAME_HEADER_BYTES);
    } catch (error) {
      // A payload whose buffer was detached meanwhile: the frame becomes a skip frame (and a
      // shared appender's lock is freed).
      this.#dropFrame(offset, computeFrameLength(length));
      throw rejectPayload(payload, error);
    }
    if (this.#pending.count !== 0) this.#publishPending(at);
    this.#publish(at, offset, length);
    return this.#committed(at, offset, computeFrameLength(length));
  }

  /**
   * Appends a copy of `payload` as one record; resolves with its index once it is as durable as
   * the queue's `sync` policy promises. Under `'each'` that is after an msync that runs off the
   * JavaScript thread and is shared by every `append` of the same turn of the event loop (group
   * commit); under every other policy it resolves at once (the record is written, and survives a
   * crash of the process; {@link Appender.sync} makes it survive power loss).
   *
   * Allocates a Promise per call: for the hot path use {@link Appender.appendSync}.
   *
   * @returns (a Promise of) the record's queue index
   * @throws (rejects) as {@link Appender.appendSync}; ERR_ANNAL_IO when the msync fails
   */
  append(payload: Uint8Array): Promise<number> {
    return this.#appendDurably(payload, this.#appendOne);
  }

  /**
   * Appends a copy of each payload, in order, as consecutive records, and returns the index of
   * the last one. Faster than as many `appendSync` calls when checksums are on: the records are
   * written first and published together, so their CRC32C costs one addon call per run of up to
   * 256 records instead of one per record (the addon call, not the CRC, is most of the cost of a
   * short record's checksum).
   *
   * Not atomic: a reader may see the first records of a batch before the rest, and a crash of the
   * process may keep a prefix of it (the records are published in order, so never a gap). Every
   * payload is checked before anything is written; an error that only the write can meet (disk
   * full, cycle full) leaves the records before it appended. A shared appender appends a batch
   * record by record (each takes the append lock), with the same result.
   *
   * Under `sync: 'each'` it blocks in one msync for the batch.
   *
   * @param payloads - an array of Uint8Arrays (Buffers are ones); each may be empty
   * @returns the index of the last record, or -1 for an empty array
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`payloads`, `payloads[i]`) when it is not an array of
   *   Uint8Arrays, or while a claim is active; ERR_ANNAL_TOO_LARGE (`payloads[i]`) when one
   *   exceeds `maxPayloadBytes` (nothing is appended), or when the cycle is full; ERR_ANNAL_FULL
   *   when the disk is full at block allocation; ERR_ANNAL_CLOSED after close
   */
  appendBatchSync(payloads: readonly Uint8Array[]): number {
    const at = this.#at;
    if (this.#closed || this.#claim.active) this.#rejectReserve();
    checkBatch(payloads, at.maxPayloadBytes);
    let last = -1;
    if (this.#shared) {
      for (const payload of payloads) last = this.appendSync(payload);
      return last;
    }
    const pending = this.#pending;
    try {
      for (const payload of payloads) {
        const length = payload.length;
        const offset = this.#reserve(at, length);
        try {
          copyBytes.call(at.bytes, payload, offset + FRAME_HEADER_BYTES);
        } catch (error) {
          this.#publishPending(at);
          this.#dropFrame(offset, computeFrameLength(length));
          throw rejectPayload(payload, error);
        }
        last = this.#defer(at, offset, length, computeFrameLength(length));
        if (pending.count === MAX_PENDING_FRAMES) this.#publishPending(at);
      }
    } finally {
      this.#publishPending(at);
    }
    return last;
  }

  /**
   * {@link Appender.appendBatchSync}, resolving with the last record's index once the batch is as
   * durable as the queue's `sync` policy promises (under `'each'`, after one group msync that
   * runs off the JavaScript thread).
   *
   * @throws (rejects) as {@link Appender.appendBatchSync}; ERR_ANNAL_IO when the msync fails
   */
  appendBatch(payloads: readonly Uint8Array[]): Promise<number> {
    return this.#appendDurably(payloads, this.#appendMany);
  }

  /**
   * Claims space for a record of `length` bytes in the mapped file, to be written in place and
   * committed (zero-copy). Never returns a status: the queue grows on disk.
   *
   * @param length - the payload's length in bytes: an integer from 0 to `maxPayloadBytes`
   * @returns the appender's reusable {@link AppendClaim}
   * @throws as {@link Appender.appendSync}
   */
  claim(length: number): AppendClaim {
    if (typeof length !== 'number') throw rejectLength(length, this.#at.maxPayloadBytes);
    const at = this.#at;
    const offset = this.#reserve(at, length);
    this.#claimOffset = offset;
    this.#claimFrameLength = computeFrameLength(length);
    this.#claim.activate(at.bytes, offset + FRAME_HEADER_BYTES, length);
    return this.#claim;
  }

  /**
   * Appends the UTF-8 encoding of `text` (allocates; off the hot path).
   *
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `text` is not a string; else as
   *   {@link Appender.appendSync}
   */
  appendString(text: string): number {
    if (typeof text !== 'string') throw rejectText(text);
    return this.appendSync(textEncoder.encode(text));
  }

  /**
   * Appends `JSON.stringify(value)` as UTF-8 (allocates; off the hot path).
   *
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `value` has no JSON form (undefined, a function, a
   *   symbol) or cannot be serialised (a cycle, a BigInt); else as {@link Appender.appendSync}
   */
  appendJson(value: unknown): number {
    return this.appendSync(textEncoder.encode(jsonOf(value)));
  }

  /** @internal AppendClaim#commit */
  commitClaim(): number {
    const offset = this.#claimOffset;
    if (this.#pending.count !== 0) this.#publishPending(this.#at);
    // The payload the caller wrote in place is published like an appended one.
    this.#publish(this.#at, offset, this.#claim.length);
    return this.#committed(this.#at, offset, this.#claimFrameLength);
  }

  /** @internal AppendClaim#commitDeferred */
  commitClaimDeferred(): number {
    if (this.#shared) return this.commitClaim();
    const at = this.#at;
    const index = this.#defer(at, this.#claimOffset, this.#claim.length, this.#claimFrameLength);
    if (this.#pending.count === MAX_PENDING_FRAMES) this.#publishPending(at);
    return index;
  }

  /**
   * Publishes the records committed with `AppendClaim#commitDeferred()` that wait (their
   * checksums in one addon call), and wakes readers waiting for them.
   *
   * @returns true when some records were waiting
   * @throws ERR_ANNAL_CLOSED after close
   */
  flush(): boolean {
    this.#checkOpen();
    if (this.#pending.count === 0) return false;
    this.#publishPending(this.#at);
    return true;
  }

  /** @internal AppendClaim#abort */
  abortClaim(): void {
    if (this.#pending.count !== 0) this.#publishPending(this.#at);
    this.#dropFrame(this.#claimOffset, this.#claimFrameLength);
  }

  /** Turns a reserved frame into padding (its payload may hold anything: readers jump over it). */
  #dropFrame(offset: number, frameLength: number): void {
    this.#at.publishSkip(offset, packSkipWord(frameLength));
    this.#at.position += frameLength;
    if (this.#shared) this.#sharedAppend.release();
  }

  /**
   * Makes everything appended so far survive power loss: an msync that runs off the JavaScript
   * thread. Under `{ everyMs }` it waits for the scheduled one; under the other policies it
   * starts one now (sharing it with concurrent callers).
   *
   * @throws (rejects) ERR_ANNAL_CLOSED after close; ERR_ANNAL_IO when the msync fails
   */
  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(closedAppender());
    this.#publishPending(this.#at);
    return this.#durability.sync();
  }

  /**
   * Like {@link Appender.sync}, but blocks the thread in the msync: when it returns, everything
   * appended so far survives power loss.
   *
   * @throws ERR_ANNAL_CLOSED after close; ERR_ANNAL_IO when the msync fails
   */
  syncSync(): void {
    this.#checkOpen();
    this.#publishPending(this.#at);
    this.#at.file.syncSync();
    this.#durability.syncRolledAwaySync();
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
    this.#publishPending(this.#at);
    // Between shared appenders line 1 is only written under the append lock.
    if (!this.#shared) this.#at.publishAdvisory();
    let failure = this.#durability.failure;
    if (this.#durability.syncsAtClose) {
      try {
        this.#at.file.syncSync();
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    this.#closed = true;
    // Its final sync finds #closed and does nothing; a failure was taken above.
    this.#durability.stop();
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
   * Writes the check word of the record of `length` payload bytes at block `offset` (its
   * payload's CRC32C seeded with its sequence; checksums off, a tag of its length word and
   * sequence), then stores its length word: the store that makes it visible to readers.
   */
  #publish(at: AppendPosition, offset: number, length: number): void {
    const words = at.words;
    const payloadAt = offset + FRAME_HEADER_BYTES;
    const sequence = at.sequence;
    // Branching here rather than calling a shared helper keeps this inlined into appendSync
    // (docs/decisions/2026-12-04-core-append-hot-path.md).
    const check = at.checksums
      ? payloadChecksumWords(words, at.bytes, payloadAt, length, sequence)
      : computeRecordTag(packRecordWord(length), sequence);
    setChecksumWord(words, offset, check);
    // publish: the payload and check word written above are visible to any reader that loads it.
    if (at.fenceless) publishLengthWordFenceless(words, offset, packRecordWord(length));
    else storeLengthWord(words, offset, packRecordWord(length));
  }

  /** Checks, rolls if the clock passed the cycle's end, and returns the block offset of a new frame. */
  #reserve(at: AppendPosition, length: number): number {
    if (this.#closed || this.#claim.active) this.#rejectReserve();
    if (!(length >= 0 && length <= at.maxPayloadBytes && (length | 0) === length)) {
      throw rejectLength(length, at.maxPayloadBytes);
    }
    if (this.#shared) return this.#sharedAppend.reserve(length);
    const rollDue = at.clockPassedCycleEnd();
    // Deferred frames wait only inside one block and index page (append-batch.ts).
    if (this.#pending.count !== 0 && this.#pending.mustPublishBefore(at, length, rollDue)) {
      this.#publishPending(at);
    }
    if (rollDue) this.#roll();
    return at.placeFrame(length);
  }

  /** Bookkeeping after a publish: index entry, end, waiters, sync. Returns the queue index. */
  #committed(at: AppendPosition, offset: number, frameLength: number): number {
    const sequence = at.sequence;
    if ((sequence & at.indexMask) === 0) storeIndexEntry(at, sequence, offset);
    at.position += frameLength;
    at.sequence = sequence + 1;
    if (this.#shared) this.#sharedAppend.release();
    // Ordered after the publish (both sequentially consistent): a reader that registered as a
    // waiter either sees this record in its re-check, or is counted here and woken.
    if (loadWaiterCount(at.header) !== 0) {
      bumpCommitCounter(at.header);
      futexWake(at.header, COMMIT_COUNTER_INDEX);
    }
    if (this.#scheduler !== undefined) this.#scheduler.written();
    else if (this.#syncInline) at.block.mapping.msyncSync(offset, frameLength);
    return at.indexBase + sequence;
  }

  readonly #appendOne = (payload: Uint8Array): number => this.appendSync(payload);
  readonly #appendMany = (payloads: readonly Uint8Array[]): number =>
    this.appendBatchSync(payloads);

  /**
   * The promise twin of a synchronous append: at once unless the policy is `'each'`, else after
   * the group msync (the records are not msync'd one by one meanwhile).
   */
  #appendDurably<T>(what: T, write: (what: T) => number): Promise<number> {
    let index: number;
    try {
      if (!this.#syncEach) return Promise.resolve(write(what));
      this.#syncInline = false;
      try {
        index = write(what);
      } finally {
        this.#syncInline = true;
      }
      const scheduler = this.#durability.groupCommit();
      return scheduler.synced(scheduler.written()).then(() => index);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Takes the index of the frame written at block `offset` and leaves it to be published. */
  #defer(at: AppendPosition, offset: number, length: number, frameLength: number): number {
    const sequence = at.sequence;
    this.#pending.add(offset, length, sequence);
    at.position += frameLength;
    at.sequence = sequence + 1;
    return at.indexBase + sequence;
  }

  /** Publishes the deferred frames, then does a single append's bookkeeping once for all. */
  #publishPending(at: AppendPosition): void {
    const pending = this.#pending;
    if (pending.count === 0) return;
    const firstOffset = pending.firstOffset;
    pending.publish(at);
    if (loadWaiterCount(at.header) !== 0) {
      bumpCommitCounter(at.header);
      futexWake(at.header, COMMIT_COUNTER_INDEX);
    }
    if (this.#scheduler !== undefined) this.#scheduler.written();
    else if (this.#syncInline) {
      at.block.mapping.msyncSync(firstOffset, at.position - at.blockStart - firstOffset);
    }
  }

  #rejectReserve(): never {
    throw this.#closed ? closedAppender() : claimActive();
  }

  /** Seals the current cycle and starts the one the clock is in. */
  #roll(): void {
    const at = this.#at;
    at.seal();
    const file = at.file;
    this.#durability.rolledAway(file);
    const now = at.clock();
    at.attach(at.rollTarget(now), now);
  }

  #checkOpen(): void {
    if (this.#closed) throw closedAppender();
  }
}

const textEncoder = new TextEncoder();

/**
 * `Uint8Array.prototype.set`, called as `copyBytes.call(target, source, offset)` for the
 * per-record copy: why directly, and why declared in each module that calls it, is
 * docs/decisions/2026-12-05-direct-typed-array-set.md.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(target, …)
const copyBytes = Uint8Array.prototype.set;
