/**
 * Single-producer, single-consumer ring of variable-length records.
 *
 * @module
 */
import { rejectBytes } from './arguments.js';
import { Consumer, SPSC_UNBLOCK_TIMEOUT_MS, type RecordHandler } from './consumer.js';
import { InvalidArgumentError, TooLargeError } from './errors.js';
import {
  RING_KIND_SPSC,
  addBackPressureCount,
  computeBufferLength,
  computeFrameLength,
  loadHead,
  loadTail,
  setTail,
} from './layout.js';
import { RingObserver } from './observers.js';
import type { ReadClaim } from './read-claim.js';
import { BACK_PRESSURED, type EMPTY } from './status.js';
import { allocateRing, attachRing, checkCapacity, type RingViews } from './storage.js';
import { WriteClaim, padWriteClaim, publishDeferredClaims, wrapWriteClaim } from './write-claim.js';

/**
 * A single-producer, single-consumer ring of variable-length byte records over a
 * SharedArrayBuffer.
 *
 * Threading: exactly one thread produces (`tryClaim`, `trySend`) and exactly one consumes
 * (`tryRead`, `poll`, `pollBytes`), each through its own `SpscRing` object attached to the same
 * buffer (they may be the same thread). Roles may not change while records flow, and a role
 * must not be played by two objects at once. Observers may be called from any thread.
 *
 * Durability: none; the ring is memory. Records survive as long as some thread holds the buffer.
 *
 * Records are 8-byte aligned frames: an 8-byte header whose length word is the commit marker
 * (0 = not written yet), then the payload. Zero-length records are allowed (the committed flag
 * makes their word non-zero). The producer never blocks and never makes a syscall: a full ring
 * answers BACK_PRESSURED.
 *
 * @example
 * ```ts
 * const sab = SpscRing.allocate(1 << 20);
 * worker.postMessage(sab);                  // the worker calls SpscRing.attach(sab) and polls
 * const ring = SpscRing.attach(sab);
 * if (ring.trySend(payload) === BACK_PRESSURED) dropOrRetry();
 * ```
 */
export class SpscRing {
  /** The shared buffer; post it to the other thread, which attaches to it. */
  readonly buffer: SharedArrayBuffer;
  /** Bytes in the data area (a power of two). */
  readonly capacity: number;
  /** Largest payload a record may have: `capacity / 2 - 8` bytes. */
  readonly maxPayloadBytes: number;
  /** Ring kind: `'spsc'`. */
  readonly kind = 'spsc' as const;

  readonly #views: RingViews;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #mask: number;
  readonly #claim: WriteClaim;
  readonly #consumer: Consumer;
  readonly #observer: RingObserver;
  /** Producer-local tail (int32, mod 2^32); the shared word is only for observers. */
  #tail: number;
  /** The head last loaded; reloaded only when the ring looks full (Rigtorp's cached index). */
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
   * Creates and initialises the SharedArrayBuffer of an empty SPSC ring.
   *
   * @param capacity - bytes of the data area: a power of two from 64 to 2^30
   * @returns a buffer to pass to {@link SpscRing.attach} in each thread
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `capacity` is not such a power of two
   * @example
   * ```ts
   * const buffer = SpscRing.allocate(1 << 20); // 1 MiB of records
   * new Worker('./consumer.js', { workerData: buffer }); // attaches its own SpscRing
   * const producer = SpscRing.attach(buffer);
   * producer.trySend(new TextEncoder().encode('tick'));
   * ```
   */
  static allocate(capacity: number): SharedArrayBuffer {
    return allocateRing(RING_KIND_SPSC, capacity);
  }

  /**
   * Attaches to a buffer made by {@link SpscRing.allocate}, in any thread.
   *
   * @param buffer - the SharedArrayBuffer
   * @returns a ring object for one producer or one consumer
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `buffer` is not a SharedArrayBuffer
   * @throws ERR_ANNAL_CORRUPT when its magic, version, kind (e.g. an MPSC ring) or capacity is wrong
   */
  static attach(buffer: SharedArrayBuffer): SpscRing {
    return new SpscRing(attachRing(buffer, RING_KIND_SPSC));
  }

  private constructor(views: RingViews) {
    this.#views = views;
    this.buffer = views.buffer;
    this.capacity = views.capacity;
    this.maxPayloadBytes = views.maxPayloadBytes;
    this.#words = views.words;
    this.#bytes = views.bytes;
    this.#mask = views.mask;
    this.#tail = loadTail(views.words);
    this.#headCache = loadHead(views.words);
    this.#claim = new WriteClaim(views, false);
    this.#consumer = new Consumer(views, SPSC_UNBLOCK_TIMEOUT_MS);
    this.#observer = new RingObserver(views);
  }

  /**
   * Claims space for a record of `length` payload bytes. Fill the claim, then `commit()` it (or
   * `abort()`, which leaves padding the consumer skips). Producer thread only.
   *
   * @param length - payload bytes, 0 to {@link SpscRing.maxPayloadBytes}
   * @returns the ring's reusable {@link WriteClaim}, or BACK_PRESSURED when the consumer has not
   *   freed enough space yet (nothing was written; retry later)
   * @throws ERR_ANNAL_TOO_LARGE when `length` exceeds the maximum payload length
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `length` is not a non-negative integer, or the
   *   previous claim is still active
   */
  tryClaim(length: number): WriteClaim | typeof BACK_PRESSURED {
    // load once: the tail is ours; the cached head is reloaded only when the ring looks full.
    const claim = this.#claim;
    if (
      claim.active ||
      typeof length !== 'number' ||
      !(length >= 0 && length <= this.maxPayloadBytes && (length | 0) === length)
    ) {
      throw rejectClaim(claim, length, this.maxPayloadBytes);
    }
    const capacity = this.capacity;
    const tail = this.#tail;
    const frameLength = computeFrameLength(length);
    const offset = tail & this.#mask;
    const toEnd = capacity - offset;
    const required = frameLength <= toEnd ? frameLength : toEnd + frameLength;
    // decide
    if (((tail - this.#headCache) | 0) > capacity - required) {
      this.#headCache = loadHead(this.#words); // acquire: the consumer zeroed what it freed
      if (((tail - this.#headCache) | 0) > capacity - required) {
        // The consumer cannot free space it cannot see: publish deferred commits first.
        publishDeferredClaims(claim);
        addBackPressureCount(this.#words);
        return BACK_PRESSURED;
      }
    }
    // write
    let recordAt = offset;
    if (required !== frameLength) {
      // publish: padding to the end of the data area; the consumer skips it and wraps to 0.
      padWriteClaim(claim, offset, toEnd);
      recordAt = 0;
    }
    this.#tail = (tail + required) | 0;
    // Plain store: only observers read the tail of an SPSC ring, and they may be stale.
    setTail(this.#words, this.#tail);
    wrapWriteClaim(claim, recordAt, length, frameLength, 0);
    return claim;
  }

  /**
   * Copies `payload` into a new record and commits it. Producer thread only.
   *
   * @param payload - the record's bytes (may be empty)
   * @returns the payload length, or BACK_PRESSURED when the ring is full (nothing was written)
   * @throws ERR_ANNAL_TOO_LARGE when the payload exceeds the maximum payload length
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `payload` is not a Uint8Array (nothing is written),
   *   or a claim is still active
   */
  trySend(payload: Uint8Array): number {
    if (!(payload instanceof Uint8Array)) throw rejectBytes(payload, 'payload');
    const claim = this.tryClaim(payload.length);
    if (claim === BACK_PRESSURED) return BACK_PRESSURED;
    copyBytes.call(this.#bytes, payload, claim.offset);
    claim.commit();
    return payload.length;
  }

  /**
   * Publishes records committed with `WriteClaim#commitDeferred()` that are not visible yet (one
   * store of the first one's length word; nothing when none wait). Producer thread only.
   *
   * @returns true when something was published
   */
  flush(): boolean {
    const claim = this.#claim;
    if (!claim.hasDeferred) return false;
    publishDeferredClaims(claim);
    return true;
  }

  /**
   * Returns the next record, to be released with `release()` before the next read. Consumer
   * thread only.
   *
   * @returns the ring's reusable {@link ReadClaim}, or EMPTY when no committed record is next
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the previous record was not released
   * @throws ERR_ANNAL_CORRUPT when the next frame, or the head position, was not written by this
   *   ring (a stray write into the buffer); nothing is consumed
   */
  tryRead(): ReadClaim | typeof EMPTY {
    return this.#consumer.tryRead();
  }

  /**
   * Hands up to `limit` records to `handler` in order, releasing each one after the handler
   * returns, and publishes the consumer position once at the end (not once per record). If the
   * handler throws, the records handed over so far (including the one that threw) count as read,
   * the position is published, and the error propagates. Consumer thread only.
   *
   * @param handler - called with the reusable {@link ReadClaim}; must not keep or release it
   * @param limit - the most records to hand over; default unlimited
   * @returns the number of records handed over (0 when empty)
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `handler` is not a function or `limit` not a number
   *   ≥ 0 (checked before anything is consumed), or a record from `tryRead` was not released
   * @throws ERR_ANNAL_CORRUPT when a frame was not written by a producer of this ring (see the
   *   README's Caveats); the records before it were handed over
   */
  poll(handler: RecordHandler, limit = Infinity): number {
    return this.#consumer.poll(handler, limit);
  }

  /**
   * Like {@link SpscRing.poll}, but stops once `maxBytes` of payload have been handed over (so
   * it may exceed `maxBytes` by at most one record). Consumer thread only.
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
   * Position of the end of the last claim (claimed, not necessarily committed), as a free-running
   * byte count. Stale: read with a plain load of a word the producer writes without a fence.
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
   * Bytes between consumer and producer (records, padding and uncommitted claims). Stale as
   * soon as it returns; from the producer it may also lag the last claim slightly.
   *
   * @returns a byte count from 0 to `capacity`
   */
  bytesAvailable(): number {
    return this.#observer.bytesAvailable();
  }

  /**
   * Committed records ready to read, counted by scanning length words (O(records)). Exact from
   * the consumer thread at the moment of the call; a lower bound from other threads.
   *
   * @returns a record count
   */
  recordsAvailable(): number {
    return this.#observer.recordsAvailable();
  }

  /**
   * Claims refused with BACK_PRESSURED since allocation (mod 2^32). Exact when it returns.
   *
   * @returns a count
   */
  backPressureCount(): number {
    return this.#observer.backPressureCount();
  }

  /** The views, for {@link Sender} and {@link Receiver}. @internal */
  get views(): RingViews {
    return this.#views;
  }
}

/**
 * Builds the error for a claim `tryClaim` refuses (kept out of the hot path's body). @internal
 */
export function rejectClaim(
  claim: WriteClaim,
  length: number,
  maxPayloadBytes: number,
): InvalidArgumentError | TooLargeError {
  if (claim.active) {
    return new InvalidArgumentError(
      'the previous claim is still active: commit() or abort() it before claiming again',
      { field: 'claim' },
    );
  }
  if (typeof length === 'number' && Number.isInteger(length) && length > maxPayloadBytes) {
    return new TooLargeError(
      `record is longer than the ring allows: length=${length}, maxPayloadBytes=${maxPayloadBytes}`,
      { field: 'length' },
    );
  }
  return new InvalidArgumentError(
    `length must be a non-negative integer: length=${String(length)}`,
    { field: 'length' },
  );
}

/**
 * `Uint8Array.prototype.set`, called as `copyBytes.call(target, source, offset)` for the
 * per-record copy: why directly, and why declared in each module that calls it, is
 * docs/decisions/2026-12-05-direct-typed-array-set.md.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(target, …)
const copyBytes = Uint8Array.prototype.set;
