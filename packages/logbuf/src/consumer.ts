/**
 * The consumer side shared by both rings: read in claim order, pass over skip frames, zero what was
 * consumed so the next lap sees 0, publish the head once per operation or batch. In an MPSC
 * ring it also unblocks claims whose producer died (Aeron's unblock; nexus-logbuf has none).
 *
 * @module
 */
import { CorruptError, InvalidArgumentError } from './errors.js';
import {
  HEAD_OFFSET,
  RECORD_FLAGS,
  RECORD_HEADER_BYTES,
  addUnblockedCount,
  compareExchangeLengthWord,
  computeFrameLength,
  getCheckWord,
  getHeadCheck,
  isSkipFrame,
  isSkipCheck,
  isRecordCheck,
  loadHead,
  loadLengthWord,
  peekLengthWord,
  loadTail,
  packSkipWord,
  payloadOffset,
  storeHead,
  unpackLength,
  unpackRecordLength,
  zeroFrame,
} from './layout.js';
import { ReadClaim, deactivateReadClaim, wrapReadClaim } from './read-claim.js';
import { describeValue } from './arguments.js';
import { EMPTY } from './status.js';
import type { RingViews } from './storage.js';

/** Called by `poll`/`pollBytes` with each record; the record is released when it returns. */
export type RecordHandler = (record: ReadClaim) => void;

/** Unblock timeout that marks an SPSC consumer: it never unblocks, and never sees a claim. */
export const SPSC_UNBLOCK_TIMEOUT_MS = -1;

/** The clock used to time stuck claims; `performance.now` exists in Node and browsers. */
const now = (): number => performance.now();

/**
 * Consumer state of one ring object. Single consumer: only one thread may read a ring.
 * @internal
 */
export class Consumer {
  readonly claim: ReadClaim;
  readonly #views: RingViews;
  readonly #words: Int32Array;
  readonly #float64s: Float64Array;
  readonly #mask: number;
  readonly #capacity: number;
  readonly #maxPayloadBytes: number;
  /** False until the head and its check copy were compared, at the first read (consumer thread). */
  #headChecked = false;
  /**
   * Milliseconds a claim may stay uncommitted before it is unblocked; Infinity never unblocks;
   * {@link SPSC_UNBLOCK_TIMEOUT_MS} for an SPSC ring, where a claimed word is corrupt.
   */
  readonly #unblockTimeoutMs: number;
  /** Local head (int32, mod 2^32): ahead of the published head inside a batch. */
  #head: number;
  /** The head value last stored to the shared word. */
  #publishedHead: number;
  /** Frame length of the record the claim points at, 0 when none. */
  #currentFrameLength = 0;
  #polling = false;
  /** Head position at which a stuck claim (or zero gap) was first seen, and when. */
  #stuckHead = 0;
  #stuckSinceMs = -1;

  constructor(views: RingViews, unblockTimeoutMs: number) {
    this.#views = views;
    this.#words = views.words;
    this.#float64s = views.float64s;
    this.#mask = views.mask;
    this.#capacity = views.capacity;
    this.#maxPayloadBytes = views.maxPayloadBytes;
    this.#unblockTimeoutMs = unblockTimeoutMs;
    // Attach may happen after records were consumed by an earlier consumer object.
    this.#head = loadHead(views.words);
    this.#publishedHead = this.#head;
    this.claim = new ReadClaim(views, this);
  }

  /** Local head as an int32 (mod 2^32). */
  get head(): number {
    return this.#head;
  }

  /**
   * Returns the next committed record, or EMPTY. Passes over and zeroes skip frames on the way.
   */
  tryRead(): ReadClaim | typeof EMPTY {
    if (this.claim.active) throw claimStillActive();
    if (!this.#headChecked) this.#checkHead();
    const found = this.#advanceToRecord();
    if (found < 0) {
      this.#publish();
      return EMPTY;
    }
    return this.claim;
  }

  /** Releases the record `tryRead` returned (ReadClaim#release). */
  releaseClaim(): void {
    if (this.#polling) {
      throw new InvalidArgumentError(
        'release() inside a poll handler: poll releases records itself',
        {
          field: 'claim',
        },
      );
    }
    if (!this.claim.active) {
      throw new InvalidArgumentError(
        'release() on a record that is not active: it was released already',
        {
          field: 'claim',
        },
      );
    }
    deactivateReadClaim(this.claim);
    this.#consumeCurrent();
    this.#publish();
  }

  /**
   * Hands up to `limit` records to `handler`, releasing each after it returns; publishes the
   * head once at the end (also when the handler throws: the record that threw counts as read).
   */
  poll(handler: RecordHandler, limit: number): number {
    return this.#poll(handler, limit, Infinity);
  }

  /** Like {@link Consumer.poll}, stopping once `maxBytes` of payload were handed over. */
  pollBytes(handler: RecordHandler, maxBytes: number): number {
    return this.#poll(handler, Infinity, maxBytes);
  }

  #poll(handler: RecordHandler, limit: number, maxBytes: number): number {
    // Checked before anything is consumed: a bad argument loses no record.
    if (typeof handler !== 'function') throw rejectHandler(handler);
    if (!isCount(limit) || !isCount(maxBytes)) throw rejectLimit(limit, maxBytes);
    if (this.claim.active) throw claimStillActive();
    if (!this.#headChecked) this.#checkHead();
    const claim = this.claim;
    let count = 0;
    let bytes = 0;
    this.#polling = true;
    try {
      while (count < limit && bytes < maxBytes && this.#advanceToRecord() >= 0) {
        count++;
        bytes += claim.length;
        handler(claim);
        deactivateReadClaim(claim);
        this.#consumeCurrent();
      }
    } finally {
      this.#polling = false;
      // A handler threw: its record counts as read, so one bad record is not handed over again.
      if (claim.active) {
        deactivateReadClaim(claim);
        this.#consumeCurrent();
      }
      this.#publish();
    }
    return count;
  }

  /**
   * Moves the local head over skip frames until it points at a committed record, and wraps the claim
   * around it. Returns the record's frame length, or -1 when there is none yet.
   */
  #advanceToRecord(): number {
    const words = this.#words;
    for (;;) {
      const offset = this.#head & this.#mask;
      // Acquire: the payload and check word stored before the producer's publish of this word
      // are visible after it. The cheap load first; "nothing here" only from the atomic one.
      let word = peekLengthWord(words, offset);
      if (word <= 0) word = loadLengthWord(words, offset);
      if (word > 0) {
        const length = unpackRecordLength(word);
        const frameLength = computeFrameLength(length);
        // A record word without R, a length the check word disagrees with, or a frame past the
        // end of the data area was not written by a producer: refuse it rather than hand over
        // the wrong bytes (one compare each; the check word is on the line just loaded).
        if (
          (word & RECORD_FLAGS) !== RECORD_FLAGS ||
          !isRecordCheck(getCheckWord(words, offset), length) ||
          length > this.#maxPayloadBytes ||
          frameLength > this.#capacity - offset
        ) {
          throw corruptFrame(offset, word, getCheckWord(words, offset));
        }
        this.#currentFrameLength = frameLength;
        wrapReadClaim(this.claim, payloadOffset(offset), length);
        return frameLength;
      }
      if (word !== 0 && isSkipFrame(word)) {
        const frameLength = unpackLength(word);
        // A skip frame shorter than a header, misaligned, past the end or with a check word
        // that does not fit can only come from something else writing the buffer; skipping 0
        // bytes would spin here forever.
        if (
          frameLength < RECORD_HEADER_BYTES ||
          (frameLength & 7) !== 0 ||
          frameLength > this.#capacity - offset ||
          !isSkipCheck(getCheckWord(words, offset), frameLength)
        ) {
          throw corruptFrame(offset, word, getCheckWord(words, offset));
        }
        this.#currentFrameLength = frameLength;
        this.#consumeCurrent();
        continue;
      }
      // 0 (nothing claimed, or an MPSC producer between its tail CAS and its claimed mark) or a
      // claimed-but-uncommitted MPSC frame, which an SPSC ring never has.
      if (this.#unblockTimeoutMs === SPSC_UNBLOCK_TIMEOUT_MS) {
        if (word !== 0) throw corruptFrame(offset, word, getCheckWord(words, offset));
        return -1;
      }
      if (this.#unblockTimeoutMs === Infinity || !this.#tryUnblock(offset, word)) return -1;
    }
  }

  /**
   * Compares the head with its check copy, once, from the consumer thread (the only writer of
   * both, so the pair is consistent here, unlike in a producer thread that attaches meanwhile).
   */
  #checkHead(): void {
    const words = this.#words;
    const head = loadHead(words);
    if (getHeadCheck(words) !== ~head || (head & 7) !== 0) {
      throw new CorruptError(
        `the ring's head position does not match its check copy: head=${head >>> 0}, check=0x${(getHeadCheck(words) >>> 0).toString(16)}`,
        { field: 'head', offset: HEAD_OFFSET },
      );
    }
    this.#head = head;
    this.#publishedHead = head;
    this.#headChecked = true;
  }

  /** Zeroes the current frame and moves the local head past it (published later). */
  #consumeCurrent(): void {
    const offset = this.#head & this.#mask;
    const frameLength = this.#currentFrameLength;
    // Plain writes: the producer reuses these bytes only after it loads the head we publish after
    // this (Atomics.store), which orders the zeroing before it. The whole frame is zeroed, not
    // only its length word: on the next lap a record header may land anywhere in it, and must
    // read 0 ("not written") until its producer publishes it.
    zeroFrame(this.#float64s, offset, frameLength);
    this.#head = (this.#head + frameLength) | 0;
    this.#currentFrameLength = 0;
  }

  #publish(): void {
    if (this.#head !== this.#publishedHead) {
      this.#publishedHead = this.#head;
      // publish: the zeroed frames before the head are free for producers from here on.
      storeHead(this.#words, this.#head);
    }
  }

  /**
   * MPSC only: after the head has pointed at the same stuck frame for longer than the unblock
   * timeout, turn it into a skip frame with a CAS, so a late commit fails detectably instead of
   * corrupting anything. Returns true when it padded something (the caller loops and skips it).
   */
  #tryUnblock(offset: number, word: number): boolean {
    const head = this.#head;
    const time = now();
    if (this.#stuckSinceMs < 0 || this.#stuckHead !== head) {
      this.#stuckHead = head;
      this.#stuckSinceMs = time;
      return false;
    }
    if (time - this.#stuckSinceMs < this.#unblockTimeoutMs) return false;
    const words = this.#words;
    let replacement: number;
    if (word === 0) {
      // Either the ring is empty, or a producer moved the tail and never marked its frame.
      const tail = loadTail(words);
      if (tail === head) {
        this.#stuckSinceMs = time; // truly empty: look again after another timeout
        return false;
      }
      // The gap runs to the next non-zero word, the tail or the end of the data area, whichever
      // comes first: everything unconsumed and unwritten is zero, so that is the dead claim.
      const toTail = (tail - head) | 0;
      const toEnd = this.#capacity - offset;
      const limit = toTail < toEnd ? toTail : toEnd;
      let gap = RECORD_HEADER_BYTES;
      while (gap < limit && loadLengthWord(words, offset + gap) === 0) gap += RECORD_HEADER_BYTES;
      replacement = packSkipWord(gap);
    } else {
      const frameLength = unpackLength(word);
      // The frame is about to be zeroed: its length must be one a producer could have claimed.
      if (
        frameLength < RECORD_HEADER_BYTES ||
        (frameLength & 7) !== 0 ||
        frameLength > this.#capacity - offset
      ) {
        throw corruptFrame(offset, word, getCheckWord(words, offset));
      }
      replacement = packSkipWord(frameLength);
    }
    this.#stuckSinceMs = -1;
    // Fails if the producer marked or committed the frame meanwhile: then read it normally.
    if (compareExchangeLengthWord(words, offset, word, replacement) !== word) return true;
    addUnblockedCount(words);
    // Skip it here, without checking a check word: the gap has none, and a late producer may
    // still write one of its own into it.
    this.#currentFrameLength = unpackLength(replacement);
    this.#consumeCurrent();
    return true;
  }

  /** Views of the ring (for observers). */
  get views(): RingViews {
    return this.#views;
  }
}

function claimStillActive(): InvalidArgumentError {
  return new InvalidArgumentError(
    'the previous record is still active: release() it before reading the next one',
    { field: 'claim' },
  );
}

function corruptFrame(offset: number, word: number, check: number): CorruptError {
  return new CorruptError(
    `invalid frame at data offset ${offset}: length word 0x${(word >>> 0).toString(16)}, check word 0x${(check >>> 0).toString(16)} (not written by a producer of this ring)`,
    { field: 'lengthWord', offset },
  );
}

function rejectHandler(handler: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    `handler must be a function: handler=${describeValue(handler)} (nothing was consumed)`,
    { field: 'handler' },
  );
}

/** A limit of records or bytes: a number ≥ 0 (Infinity included; NaN and null are not). */
function isCount(value: unknown): boolean {
  return typeof value === 'number' && value >= 0;
}

function rejectLimit(limit: unknown, maxBytes: unknown): InvalidArgumentError {
  const field = isCount(limit) ? 'maxBytes' : 'limit';
  return new InvalidArgumentError(
    `${field} must be a number ≥ 0: ${field}=${describeValue(field === 'limit' ? limit : maxBytes)} (nothing was consumed)`,
    { field },
  );
}
