/**
 * The producer's claim flyweight.
 *
 * @module
 */
import { describeValue, rejectBytes } from './arguments.js';
import { InvalidArgumentError } from './errors.js';
import {
  addLateCommitCount,
  compareExchangeLengthWord,
  packSkipCheck,
  packSkipWord,
  packRecordCheck,
  packRecordWord,
  payloadOffset,
  publishLengthWord,
  setCheckWord,
  setLengthWord,
  storeLengthWord,
  wakeReceiver,
} from './layout.js';
import type { RingViews } from './storage.js';

// Set by the class's static block, which alone can reach the private fields.
let wrap: (
  claim: WriteClaim,
  recordAt: number,
  length: number,
  frameLength: number,
  claimedWord: number,
) => void;
let publishDeferred: (claim: WriteClaim) => void;
let pad: (claim: WriteClaim, offset: number, frameLength: number) => void;

/**
 * Space claimed in a ring for one record, to be filled and then committed or aborted. A ring
 * returns the same WriteClaim object from every `tryClaim`, so a claim must be committed or
 * aborted before the next `tryClaim` on the same ring object.
 *
 * Threading: used only by the thread that claimed it.
 *
 * The payload lives at `buffer[offset .. offset + length)`; writing there through the cached
 * `buffer` (or {@link WriteClaim.write}) allocates nothing. {@link WriteClaim.bytes} is a
 * convenience that creates a new `Uint8Array` view per call (see
 * docs/decisions/2026-11-22-logbuf-claim-views.md).
 *
 * @example
 * ```ts
 * const claim = ring.tryClaim(8);
 * if (claim !== BACK_PRESSURED) {
 *   claim.buffer[claim.offset] = 42; // or claim.write(payload)
 *   claim.commit();
 * }
 * ```
 */
export class WriteClaim {
  /** Uint8Array over the whole SharedArrayBuffer of the ring (the same object for every claim). */
  readonly buffer: Uint8Array;
  #offset = 0;
  /** Byte offset of the payload in {@link WriteClaim.buffer}. */
  get offset(): number {
    return this.#offset;
  }
  /** Payload length in bytes, as passed to `tryClaim`. */
  get length(): number {
    return this.#length;
  }
  /** True between a successful `tryClaim` and `commit`/`abort`. */
  get active(): boolean {
    return this.#active;
  }

  /** Payload length in bytes, as passed to `tryClaim`. */
  #length = 0;
  /** True between a successful `tryClaim` and `commit`/`abort`. */
  #active = false;

  readonly #words: Int32Array;
  readonly #shared: boolean;
  /** Data-area offset of the record's header. */
  #recordAt = 0;
  /** Bytes of the frame (header, payload, alignment). */
  #frameLength = 0;
  /** The word an MPSC producer stored at claim time, which commit/abort replace by CAS. */
  #claimedWord = 0;
  /**
   * SPSC deferred commits: data-area offset of the first record committed with
   * `commitDeferred()` and not published yet (-1 when none), and the length word it will get.
   * Its word stays 0, so the consumer stops there; every later word of the batch is written
   * plainly, and one release-store of this word publishes them all.
   */
  #deferredAt = -1;
  #deferredWord = 0;

  /**
   * @param views - the ring's views
   * @param shared - true for MPSC: commit and abort CAS the claimed word instead of storing
   * @internal
   */
  constructor(views: RingViews, shared: boolean) {
    this.buffer = views.bytes;
    this.#words = views.words;
    this.#shared = shared;
  }

  static {
    // The rings' side of a claim, kept off the object: a user holding a claim cannot re-aim it,
    // publish a batch or write padding (see wrapWriteClaim and the functions after it).
    wrap = (claim, recordAt, length, frameLength, claimedWord) => {
      // Plain write, published with the length word; an abort keeps it (padding accepts it).
      setCheckWord(claim.#words, recordAt, packRecordCheck(length));
      claim.#recordAt = recordAt;
      claim.#offset = payloadOffset(recordAt);
      claim.#length = length;
      claim.#frameLength = frameLength;
      claim.#claimedWord = claimedWord;
      claim.#active = true;
    };
    publishDeferred = (claim) => {
      if (claim.#deferredAt >= 0) claim.#publishDeferred();
    };
    pad = (claim, offset, frameLength) => {
      const words = claim.#words;
      setCheckWord(words, offset, packSkipCheck(frameLength));
      if (claim.#deferredAt >= 0) setLengthWord(words, offset, packSkipWord(frameLength));
      else storeLengthWord(words, offset, packSkipWord(frameLength));
    };
  }

  /**
   * A new Uint8Array view of exactly the payload's `length` bytes. Allocates a view object per
   * call: in a hot loop write through {@link WriteClaim.buffer} at {@link WriteClaim.offset} or
   * use {@link WriteClaim.write}.
   *
   * @returns a view valid until `commit` or `abort`
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the claim is not active (committed or aborted)
   */
  get bytes(): Uint8Array {
    if (!this.#active) throw inactiveClaim('bytes');
    return this.buffer.subarray(this.#offset, this.#offset + this.#length);
  }

  /**
   * Copies `source` into the payload at `at` (allocates nothing).
   *
   * @param source - the bytes to copy
   * @param at - byte offset inside the payload, an integer; default 0
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `source` is not a Uint8Array, `at` is not an integer
   *   ≥ 0, `source` does not fit in the payload from `at`, or the claim is not active (committed
   *   or aborted: its space may belong to the consumer or another record by now)
   */
  write(source: Uint8Array, at = 0): void {
    if (
      !(source instanceof Uint8Array) ||
      typeof at !== 'number' ||
      !(at >= 0 && (at | 0) === at && at + source.length <= this.#length) ||
      !this.#active
    ) {
      throw this.#rejectWrite(source, at);
    }
    this.buffer.set(source, this.#offset + at);
  }

  #rejectWrite(source: unknown, at: unknown): InvalidArgumentError {
    if (!(source instanceof Uint8Array)) return rejectBytes(source, 'source');
    if (!this.#active) return inactiveClaim('write()');
    if (typeof at !== 'number' || !Number.isInteger(at) || at < 0) {
      return new InvalidArgumentError(`at must be an integer ≥ 0: at=${describeValue(at)}`, {
        field: 'at',
      });
    }
    return new InvalidArgumentError(
      `source does not fit in the claim: at=${at}, source.length=${source.length}, claim.length=${this.#length}`,
      { field: 'source' },
    );
  }

  /**
   * Publishes the record: from here on the consumer may read it. Wakes a receiver that sleeps in
   * a {@link Receiver} on the same buffer (only then: a notify costs a syscall).
   *
   * @returns true when published; false (MPSC only) when the consumer had already turned this
   *   stuck claim into padding after its unblock timeout. The record is then lost, and the ring's
   *   `lateCommitCount()` counts it.
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the claim is not active (committed or aborted already)
   */
  commit(): boolean {
    if (!this.#active) throw inactiveClaim('commit()');
    this.#active = false;
    const words = this.#words;
    const word = packRecordWord(this.#length);
    if (this.#deferredAt >= 0) {
      // Part of a deferred batch: written plainly, published with the batch's first word below.
      setLengthWord(words, this.#recordAt, word);
      this.#publishDeferred();
      return true;
    }
    if (this.#shared) {
      // publish: the CAS (sequentially consistent) makes the payload written before it visible to
      // the consumer's Atomics.load of the length word; it fails if the consumer unblocked us.
      if (
        compareExchangeLengthWord(words, this.#recordAt, this.#claimedWord, word) !==
        this.#claimedWord
      ) {
        addLateCommitCount(words);
        return false;
      }
    } else {
      // publish: the payload written before this store is visible to the consumer once it loads the word.
      publishLengthWord(words, this.#recordAt, word);
    }
    wakeReceiver(words);
    return true;
  }

  /**
   * Completes the record without publishing it yet: the consumer sees it, together with every
   * record committed before it, at the next `commit()`, at `flush()` on the ring, or when a
   * `tryClaim` meets back-pressure. A producer that sends bursts publishes once per burst this
   * way: each publish hands the consumer a cache line it may pull while the next record is
   * written, and where JavaScript has only a sequentially consistent store (not x86-64 under V8,
   * where `commit()` is a plain store) a full fence per record
   * (docs/decisions/2026-11-22-logbuf-deferred-commits.md, 2026-12-05-logbuf-plain-publish.md).
   *
   * Over an {@link MpscRing} this is `commit()`: each producer's claim is published by a CAS
   * on its own length word, which cannot wait for a later record.
   *
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the claim is not active
   */
  commitDeferred(): void {
    if (this.#shared) {
      this.commit();
      return;
    }
    if (!this.#active) throw inactiveClaim('commitDeferred()');
    this.#active = false;
    const word = packRecordWord(this.#length);
    if (this.#deferredAt < 0) {
      this.#deferredAt = this.#recordAt;
      this.#deferredWord = word;
    } else {
      setLengthWord(this.#words, this.#recordAt, word);
    }
  }

  /** True while records committed with `commitDeferred()` wait to be published. */
  get hasDeferred(): boolean {
    return this.#deferredAt >= 0;
  }

  #publishDeferred(): void {
    // publish: everything written before this store (payloads, later length words, padding) is
    // visible to a consumer that loads this word, and it reads the batch in order from here.
    publishLengthWord(this.#words, this.#deferredAt, this.#deferredWord);
    this.#deferredAt = -1;
    wakeReceiver(this.#words);
  }

  /**
   * Turns the claimed space into padding: the consumer skips it. Calling it on an inactive
   * claim does nothing, so `finally { claim.abort() }` is safe after a commit.
   */
  abort(): void {
    if (!this.#active) return;
    this.#active = false;
    const padding = packSkipWord(this.#frameLength);
    if (this.#shared) {
      // Fails only if the consumer already padded this claim; either way it is padding now.
      compareExchangeLengthWord(this.#words, this.#recordAt, this.#claimedWord, padding);
    } else if (this.#deferredAt >= 0) {
      // Inside a deferred batch: published with it; nothing to wake anyone for yet.
      setLengthWord(this.#words, this.#recordAt, padding);
      return;
    } else {
      // publish: the consumer skips (and zeroes) the frame from here on.
      storeLengthWord(this.#words, this.#recordAt, padding);
    }
    wakeReceiver(this.#words);
  }

  /** Aborts the claim if it was neither committed nor aborted (`using claim = ring.tryClaim(…)`). */
  [Symbol.dispose](): void {
    this.abort();
  }
}

/**
 * Points `claim` at a freshly claimed record at data offset `recordAt`: `length` payload bytes in
 * a frame of `frameLength`; `claimedWord` is what an MPSC producer stored there at claim time.
 * For the rings only: not a method, so a user cannot reach it through a claim.
 */
export function wrapWriteClaim(
  claim: WriteClaim,
  recordAt: number,
  length: number,
  frameLength: number,
  claimedWord: number,
): void {
  wrap(claim, recordAt, length, frameLength, claimedWord);
}

/**
 * Publishes the deferred batch of `claim`, if any: one release-store of its first length word,
 * after every plain write of the batch in program order. For the rings only.
 */
export function publishDeferredClaims(claim: WriteClaim): void {
  publishDeferred(claim);
}

/**
 * Writes a padding word at data `offset` (SPSC wrap): plainly inside a deferred batch of `claim`,
 * which publishes it, else with a release-store. For the rings only.
 */
export function padWriteClaim(claim: WriteClaim, offset: number, frameLength: number): void {
  pad(claim, offset, frameLength);
}

function inactiveClaim(operation: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${operation} on a claim that is not active: it was committed or aborted already, or never claimed`,
    { field: 'claim' },
  );
}
