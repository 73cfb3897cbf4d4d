/**
 * Multi-producer, single-consumer ring of variable-length records: producers in any number of
 * threads claim by CAS on the shared tail; the consumer unblocks claims whose producer died.
 *
 * @module
 */
import { checkOptionKeys, describeValue, rejectBytes } from './arguments.js';
import { Consumer, type RecordHandler } from './consumer.js';
import { InvalidOptionError } from './errors.js';
import {
  RING_KIND_MPSC,
  addBackPressureCount,
  addLateCommitCount,
  compareExchangeLengthWord,
  compareExchangeTail,
  computeBufferLength,
  computeFrameLength,
  loadHead,
  loadTail,
  packClaimedWord,
  packSkipCheck,
  packSkipWord,
  setCheckWord,
} from './layout.js';
import { RingObserver } from './observers.js';
import type { ReadClaim } from './read-claim.js';
import { rejectClaim } from './spsc-ring.js';
import { BACK_PRESSURED, type EMPTY } from './status.js';
import { allocateRing, attachRing, checkCapacity, type RingViews } from './storage.js';
import { WriteClaim, wrapWriteClaim } from './write-claim.js';

/** Options of {@link MpscRing.attach}. */
export interface MpscRingOptions {
  /**
   * Milliseconds a claim may stay uncommitted at the consumer's position before the consumer
   * turns it into padding (its producer is presumed dead). Only the consumer's value matters.
   * Make it far longer than any producer can legitimately pause between claim and commit (GC,
   * debugger): a producer that commits after it has been unblocked loses that record
   * (`commit()` returns false). `Infinity` never unblocks (nexus-logbuf's behaviour).
   * Default 5000.
   */
  readonly unblockTimeoutMs?: number;
}

const MPSC_RING_OPTION_KEYS: readonly string[] = ['unblockTimeoutMs'];

/** Default of {@link MpscRingOptions.unblockTimeoutMs}. */
export const DEFAULT_UNBLOCK_TIMEOUT_MS = 5000;

/**
 * A multi-producer, single-consumer ring of variable-length byte records over a
 * SharedArrayBuffer.
 *
 * Threading: any number of threads produce (`tryClaim`, `trySend`), each through its own
 * `MpscRing` object attached to the buffer; exactly one thread consumes (`tryRead`, `poll`,
 * `pollBytes`). A producer object must not be shared between threads. Observers may be
 * called from any thread.
 *
 * Durability: none; the ring is memory.
 *
 * Records are read in claim order, so a producer that pauses between claim and commit holds up
 * the consumer (head-of-line blocking) — for at most `unblockTimeoutMs`, after which the consumer
 * turns the stuck claim into padding, counts it in `unblockedCount()` and moves on. The late
 * producer's `commit()` then returns false and counts in `lateCommitCount()`.
 *
 * @example
 * ```ts
 * const sab = MpscRing.allocate(1 << 20);
 * for (const worker of producers) worker.postMessage(sab); // each calls MpscRing.attach(sab)
 * const ring = MpscRing.attach(sab, { unblockTimeoutMs: 1000 });
 * ring.poll((record) => archive(record.buffer, record.offset, record.length), 1024);
 * ```
 */
export class MpscRing {
  /** The shared buffer; post it to the other threads, which attach to it. */
  readonly buffer: SharedArrayBuffer;
  /** Bytes in the data area (a power of two). */
  readonly capacity: number;
  /** Largest payload a record may have: `capacity / 2 - 8` bytes. */
  readonly maxPayloadBytes: number;
  /** Ring kind: `'mpsc'`. */
  readonly kind = 'mpsc' as const;
  /** This object's unblock timeout (used when it consumes). */
  readonly unblockTimeoutMs: number;

  readonly #views: RingViews;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #mask: number;
  readonly #claim: WriteClaim;
  readonly #consumer: Consumer;
  readonly #observer: RingObserver;
  /** The head last loaded by this producer; reloaded only when the ring looks full. */
  #headCache: number;

  /**
   * Bytes of SharedArrayBuffer a ring with `capacity` bytes of data needs (header included).
   *
   * @param capacity - bytes of the data area: a power of two from 64 to 2^30
   * @returns the buffer length in bytes
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `capacity` is not such a power of two
   */
  static bytesFor(capacity: number): number {
    checkCapacity(capacity);
    return computeBufferLength(capacity);
  }

  /**
   * Creates and initialises the SharedArrayBuffer of an empty MPSC ring.
   *
   * @param capacity - bytes of the data area: a power of two from 64 to 2^30
   * @returns a buffer to pass to {@link MpscRing.attach} in each thread
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `capacity` is not such a power of two
   * @example
   * ```ts
   * const buffer = MpscRing.allocate(1 << 20);
   * // each producer thread: MpscRing.attach(buffer).trySend(bytes)
   * // the consumer thread:  MpscRing.attach(buffer).poll((record) => store(record.copy()))
   * ```
   */
  static allocate(capacity: number): SharedArrayBuffer {
    return allocateRing(RING_KIND_MPSC, capacity);
  }

  /**
   * Attaches to a buffer made by {@link MpscRing.allocate}, in any thread.
   *
   * @param buffer - the SharedArrayBuffer
   * @param options - see {@link MpscRingOptions}
   * @returns a ring object for one producer or the consumer
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `buffer` is not a SharedArrayBuffer
   * @throws ERR_ANNAL_CORRUPT when its magic, version, kind (e.g. an SPSC ring) or capacity is wrong
   * @throws ERR_ANNAL_INVALID_OPTION when `unblockTimeoutMs` is not a non-negative number, or
   *   `options` has a key that is not an option (a misspelling)
   */
  static attach(buffer: SharedArrayBuffer, options: MpscRingOptions = {}): MpscRing {
    checkOptionKeys(options, MPSC_RING_OPTION_KEYS, 'MpscRing.attach');
    // null is refused like any other non-number: only a missing option takes the default.
    const given: unknown = options?.unblockTimeoutMs;
    const unblockTimeoutMs = given === undefined ? DEFAULT_UNBLOCK_TIMEOUT_MS : given;
    if (typeof unblockTimeoutMs !== 'number' || !(unblockTimeoutMs >= 0)) {
      throw new InvalidOptionError(
        `unblockTimeoutMs must be a non-negative number of milliseconds: unblockTimeoutMs=${describeValue(unblockTimeoutMs)}`,
        { field: 'unblockTimeoutMs' },
      );
    }
    return new MpscRing(attachRing(buffer, RING_KIND_MPSC), unblockTimeoutMs);
  }

  private constructor(views: RingViews, unblockTimeoutMs: number) {
    this.#views = views;
    this.buffer = views.buffer;
    this.capacity = views.capacity;
    this.maxPayloadBytes = views.maxPayloadBytes;
    this.unblockTimeoutMs = unblockTimeoutMs;
    this.#words = views.words;
    this.#bytes = views.bytes;
    this.#mask = views.mask;
    this.#headCache = loadHead(views.words);
    this.#claim = new WriteClaim(views, true);
    this.#consumer = new Consumer(views, unblockTimeoutMs);
    this.#observer = new RingObserver(views);
  }

  /**
   * Claims space for a record of `length` payload bytes by CAS on the shared tail, then marks
   * the frame as claimed (with its length) so the consumer can unblock it if this thread dies.
   * Fill the claim, then `commit()` or `abort()` it. Never blocks: the CAS loop retries only
   * when another producer won the race.
   *
   * @param length - payload bytes, 0 to {@link MpscRing.maxPayloadBytes}
   * @returns this object's reusable {@link WriteClaim}, or BACK_PRESSURED when the ring is full
   * @throws ERR_ANNAL_TOO_LARGE when `length` exceeds the maximum payload length
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `length` is not a non-negative integer, or the
   *   previous claim of this object is still active
   */
  tryClaim(length: number): WriteClaim | typeof BACK_PRESSURED {
    const claim = this.#claim;
    if (
      claim.active ||
      typeof length !== 'number' ||
      !(length >= 0 && length <= this.maxPayloadBytes && (length | 0) === length)
    ) {
      throw rejectClaim(claim, length, this.maxPayloadBytes);
    }
    const words = this.#words;
    const capacity = this.capacity;
    const frameLength = computeFrameLength(length);
    const claimedWord = packClaimedWord(frameLength);
    for (;;) {
      // load once per attempt: the shared tail.
      const tail = loadTail(words);
      const offset = tail & this.#mask;
      const toEnd = capacity - offset;
      const required = frameLength <= toEnd ? frameLength : toEnd + frameLength;
      // decide
      if (((tail - this.#headCache) | 0) > capacity - required) {
        this.#headCache = loadHead(words); // acquire: the consumer zeroed what it freed
        if (((tail - this.#headCache) | 0) > capacity - required) {
          addBackPressureCount(words);
          return BACK_PRESSURED;
        }
      }
      if (compareExchangeTail(words, tail, (tail + required) | 0) !== tail) continue; // lost the race
      // write: the space [tail, tail + required) is ours, and all zero.
      let recordAt = offset;
      if (required !== frameLength) {
        // Padding to the end; CAS so that a consumer that already unblocked this gap wins. The
        // check word goes first (plain), published by the CAS.
        setCheckWord(words, offset, packSkipCheck(toEnd));
        compareExchangeLengthWord(words, offset, 0, packSkipWord(toEnd));
        recordAt = 0;
      }
      // Mark the frame as claimed with its length: a consumer can now unblock exactly this frame
      // if we die. Fails only if the consumer already padded over our (zero) frame after its
      // unblock timeout: that space is lost to us, so count it and claim again.
      if (compareExchangeLengthWord(words, recordAt, 0, claimedWord) !== 0) {
        addLateCommitCount(words);
        continue;
      }
      wrapWriteClaim(claim, recordAt, length, frameLength, claimedWord);
      return claim;
    }
  }

  /**
   * Does nothing: over an MPSC ring `commitDeferred()` publishes at once (a producer's CAS on its
   * own length word cannot wait for a later record). Here so code can flush either ring kind.
   *
   * @returns false
   */
  flush(): boolean {
    return false;
  }

  /**
   * Copies `payload` into a new record and commits it.
   *
   * @param payload - the record's bytes (may be empty)
   * @returns the payload length; BACK_PRESSURED when the ring is full; or BACK_PRESSURED too when
   *   the record was lost because the consumer had unblocked the claim (see `lateCommitCount()`)
   * @throws ERR_ANNAL_TOO_LARGE when the payload exceeds the maximum payload length
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `payload` is not a Uint8Array (nothing is written),
   *   or a claim of this object is still active
   */
  trySend(payload: Uint8Array): number {
    if (!(payload instanceof Uint8Array)) throw rejectBytes(payload, 'payload');
    const claim = this.tryClaim(payload.length);
    if (claim === BACK_PRESSURED) return BACK_PRESSURED;
    copyBytes.call(this.#bytes, payload, claim.offset);
    return claim.commit() ? payload.length : BACK_PRESSURED;
  }

  /**
   * Returns the next record in claim order, to be released with `release()` before the next
   * read. Unblocks a claim stuck longer than `unblockTimeoutMs`. Consumer thread only.
   *
   * @returns the reusable {@link ReadClaim}, or EMPTY when no committed record is next
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the previous record was not released
   * @throws ERR_ANNAL_CORRUPT when the next frame, or the head position, was not written by this
   *   ring (a stray write into the buffer); nothing is consumed
   */
  tryRead(): ReadClaim | typeof EMPTY {
    return this.#consumer.tryRead();
  }

  /**
   * Hands up to `limit` records to `handler`, releasing each after the handler returns, and
   * publishes the consumer position once at the end. See {@link SpscRing.poll}.
   *
   * @param handler - called with the reusable {@link ReadClaim}; must not keep or release it
   * @param limit - the most records to hand over; default unlimited
   * @returns the number of records handed over
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `handler` is not a function or `limit` not a number
   *   ≥ 0 (checked before anything is consumed), or a record from `tryRead` was not released
   * @throws ERR_ANNAL_CORRUPT when a frame was not written by a producer of this ring (see the
   *   README's Caveats); the records before it were handed over
   */
  poll(handler: RecordHandler, limit = Infinity): number {
    return this.#consumer.poll(handler, limit);
  }

  /**
   * Like {@link MpscRing.poll}, but stops once `maxBytes` of payload have been handed over.
   *
   * @param handler - called with the reusable {@link ReadClaim}
   * @param maxBytes - payload bytes after which to stop
   * @returns the number of records handed over
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `handler` is not a function or `maxBytes` not a
   *   number ≥ 0 (checked before anything is consumed), or a record from `tryRead` was not released
   * @throws ERR_ANNAL_CORRUPT when a frame was not written by a producer of this ring
   */
  pollBytes(handler: RecordHandler, maxBytes: number): number {
    return this.#consumer.pollBytes(handler, maxBytes);
  }

  /**
   * Position of the end of the last claim of any producer. Exact when loaded; stale after.
   *
   * @returns bytes ever claimed, exact below 2^53 if observed at least once per 2^31 bytes
   */
  producerPosition(): number {
    return this.#observer.producerPosition();
  }

  /**
   * Position of the consumer: bytes consumed and zeroed. Stale by up to one `poll` batch.
   *
   * @returns bytes ever consumed, exact below 2^53 if observed at least once per 2^31 bytes
   */
  consumerPosition(): number {
    return this.#observer.consumerPosition();
  }

  /**
   * Bytes between consumer and producers (records, padding and uncommitted claims). Stale as
   * soon as it returns.
   *
   * @returns a byte count from 0 to `capacity`
   */
  bytesAvailable(): number {
    return this.#observer.bytesAvailable();
  }

  /**
   * Committed records ready to read before the first uncommitted claim (O(records) scan). Exact
   * from the consumer thread at the moment of the call; a lower bound from other threads.
   *
   * @returns a record count
   */
  recordsAvailable(): number {
    return this.#observer.recordsAvailable();
  }

  /**
   * Claims refused with BACK_PRESSURED since allocation, by all producers (mod 2^32).
   *
   * @returns a count
   */
  backPressureCount(): number {
    return this.#observer.backPressureCount();
  }

  /**
   * Stuck claims the consumer turned into padding since allocation (mod 2^32).
   *
   * @returns a count
   */
  unblockedCount(): number {
    return this.#observer.unblockedCount();
  }

  /**
   * Claims whose producer found them unblocked when it marked or committed them (mod 2^32): each
   * a record lost or a claim retried because a producer paused longer than the unblock timeout.
   *
   * @returns a count
   */
  lateCommitCount(): number {
    return this.#observer.lateCommitCount();
  }

  /** The views, for {@link Sender} and {@link Receiver}. @internal */
  get views(): RingViews {
    return this.#views;
  }
}

/**
 * `Uint8Array.prototype.set`, called as `copyBytes.call(target, source, offset)` for the
 * per-record copy: why directly, and why declared in each module that calls it, is
 * docs/decisions/2026-12-05-direct-typed-array-set.md.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(target, …)
const copyBytes = Uint8Array.prototype.set;
