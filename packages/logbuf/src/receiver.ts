/**
 * The receiving side over a ring: may wait.
 *
 * @module
 */
import { checkOptionKeys, describeValue } from './arguments.js';
import { AbortedError, ClosedError, InvalidArgumentError, InvalidOptionError } from './errors.js';
import {
  PUBLISH_IS_PLAIN,
  loadReceiverSleeping,
  loadSenderClosed,
  notifyReceiver,
  storeReceiverClosed,
  storeReceiverSleeping,
  waitAsyncReceiverSleeping,
  waitReceiverSleeping,
} from './layout.js';
import type { MpscRing } from './mpsc-ring.js';
import type { ReadClaim } from './read-claim.js';
import type { SpscRing } from './spsc-ring.js';
import { CLOSED, EMPTY, TIMED_OUT } from './status.js';

/** Options of a {@link Receiver}. */
export interface ReceiverOptions {
  /**
   * Empty polls before the receiver flags that it sleeps and waits. Waking a sleeping thread
   * costs tens of microseconds here, so a brief spin catches records that follow closely.
   * Default 1000 (a few microseconds).
   */
  readonly spinCount?: number;
}

const RECEIVER_OPTION_KEYS: readonly string[] = ['spinCount'];

/** Options of {@link Receiver.follow}. */
export interface FollowOptions {
  /** Aborts the iteration: the loop throws ERR_ANNAL_ABORTED. */
  readonly signal?: AbortSignal | undefined;
}

const FOLLOW_OPTION_KEYS: readonly string[] = ['signal'];

/** Default of {@link ReceiverOptions.spinCount}. */
export const DEFAULT_SPIN_COUNT = 1000;

/** Longest single wait when nothing bounds it, so a receiver rechecks its AbortSignal now and then. */
const MAX_WAIT_SLICE_MS = 1000;

/**
 * The receiving side over a ring: it reads like the ring's consumer and, when
 * the ring is empty, spins briefly, flags that it sleeps, and waits (`Atomics.wait` in workers,
 * `Atomics.waitAsync` on a main thread) until a sender's commit or close wakes it.
 *
 * Threading: the ring's consumer thread only, one Receiver per ring.
 *
 * Durability: none (memory).
 *
 * @example
 * ```ts
 * const receiver = new Receiver(SpscRing.attach(sab));
 * for await (const record of receiver.follow()) archive(record.copy());
 * // the loop ends after the sender closed and everything it sent was read
 * ```
 */
export class Receiver {
  /** The ring records come from. */
  readonly ring: SpscRing | MpscRing;
  /** Empty polls before sleeping. */
  readonly spinCount: number;
  readonly #words: Int32Array;
  /** Longest single wait, so an MPSC consumer wakes to unblock stuck claims. */
  readonly #waitSliceMs: number;
  /**
   * True over an SPSC ring whose commits are plain stores (PUBLISH_IS_PLAIN): only then can a
   * sender's flag check miss a receiver going to sleep (MPSC senders publish by CAS).
   */
  readonly #settles: boolean;
  /** How long the next wait lasts, set by #prepareToSleep. */
  #waitMs = 0;
  #closed = false;

  /**
   * @param ring - an attached {@link SpscRing} or {@link MpscRing} (the consumer's object)
   * @param options - see {@link ReceiverOptions}
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `ring` is not a logbuf ring
   * @throws ERR_ANNAL_INVALID_OPTION when `spinCount` is not a non-negative integer, or `options`
   *   has a key that is not an option (a misspelling)
   */
  constructor(ring: SpscRing | MpscRing, options: ReceiverOptions = {}) {
    const views = (ring as { views?: { words?: unknown } } | null)?.views;
    if (views === undefined || !(views.words instanceof Int32Array)) {
      throw new InvalidArgumentError('ring must be an SpscRing or MpscRing', { field: 'ring' });
    }
    checkOptionKeys(options, RECEIVER_OPTION_KEYS, 'Receiver');
    // null is refused like any other non-number: only a missing option takes the default.
    const given: unknown = options?.spinCount;
    const spinCount = given === undefined ? DEFAULT_SPIN_COUNT : given;
    if (typeof spinCount !== 'number' || !Number.isInteger(spinCount) || spinCount < 0) {
      throw new InvalidOptionError(
        `spinCount must be a non-negative integer: spinCount=${describeValue(spinCount)}`,
        { field: 'spinCount' },
      );
    }
    this.ring = ring;
    this.spinCount = spinCount;
    this.#words = ring.views.words;
    const unblockTimeoutMs = ring.kind === 'mpsc' ? ring.unblockTimeoutMs : Infinity;
    this.#waitSliceMs = Math.max(1, Math.min(MAX_WAIT_SLICE_MS, unblockTimeoutMs));
    this.#settles = PUBLISH_IS_PLAIN && ring.kind === 'spsc';
  }

  /**
   * True once the sending side closed (loaded now). Records may still be left to read.
   *
   * @returns whether the sending side closed
   */
  get senderClosed(): boolean {
    return loadSenderClosed(this.#words) !== 0;
  }

  /**
   * Reads without waiting.
   *
   * @returns the ring's reusable record (release it before the next read), EMPTY, or CLOSED when
   *   the sender closed and everything was read
   * @throws ERR_ANNAL_CLOSED when this receiver was closed
   */
  tryRecv(): ReadClaim | typeof EMPTY | typeof CLOSED {
    if (this.#closed) throw receiverClosed();
    const record = this.ring.tryRead();
    if (record !== EMPTY) return record;
    if (loadSenderClosed(this.#words) === 0) return EMPTY;
    // The flag was stored after the sender's last commit: read once more to see all of them.
    const last = this.ring.tryRead();
    return last === EMPTY ? CLOSED : last;
  }

  /**
   * Waits for the next record, blocking the thread (workers; on a browser's main thread
   * `Atomics.wait` throws — use {@link Receiver.recv}). An AbortSignal cannot interrupt a
   * blocked thread: it is checked before waiting and at least once a second while waiting.
   *
   * @param timeoutMs - the longest wait in milliseconds; default Infinity
   * @param signal - aborts the wait (see above)
   * @returns the ring's reusable record (release it before the next receive), CLOSED when the
   *   sender closed and everything was read, or TIMED_OUT
   * @throws ERR_ANNAL_CLOSED when this receiver was closed
   * @throws ERR_ANNAL_ABORTED when `signal` was aborted
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `timeoutMs` is not a number ≥ 0 or `signal` not an
   *   AbortSignal (checked before anything is read)
   */
  recvSync(
    timeoutMs = Infinity,
    signal?: AbortSignal,
  ): ReadClaim | typeof CLOSED | typeof TIMED_OUT {
    checkWait(timeoutMs, signal);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      checkSignal(signal);
      const result = this.#prepareToSleep(deadline);
      if (result !== undefined) return result;
      if (this.#settles) {
        waitReceiverSleeping(this.#words, this.#settleMs());
        const settled = this.#lookAgain();
        if (settled !== undefined) return settled;
      }
      waitReceiverSleeping(this.#words, this.#waitMs);
      storeReceiverSleeping(this.#words, 0);
    }
  }

  /**
   * Waits for the next record without blocking the thread (`Atomics.waitAsync`; a timer where
   * that is missing). The signal interrupts the wait at once.
   *
   * @param timeoutMs - the longest wait in milliseconds; default Infinity
   * @param signal - aborts the wait; the promise rejects with ERR_ANNAL_ABORTED
   * @returns the ring's reusable record, CLOSED when the sender closed and everything was read,
   *   or TIMED_OUT
   * @throws ERR_ANNAL_CLOSED when this receiver was closed
   * @throws ERR_ANNAL_ABORTED when `signal` was aborted
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `timeoutMs` is not a number ≥ 0 or `signal` not an
   *   AbortSignal (checked before anything is read)
   */
  async recv(
    timeoutMs = Infinity,
    signal?: AbortSignal,
  ): Promise<ReadClaim | typeof CLOSED | typeof TIMED_OUT> {
    checkWait(timeoutMs, signal);
    const deadline = performance.now() + timeoutMs;
    const words = this.#words;
    const onAbort = (): void => notifyReceiver(words);
    signal?.addEventListener('abort', onAbort);
    try {
      for (;;) {
        checkSignal(signal);
        const result = this.#prepareToSleep(deadline);
        if (result !== undefined) return result;
        if (this.#settles) {
          await waitAsyncReceiverSleeping(words, this.#settleMs());
          const settled = this.#lookAgain();
          if (settled !== undefined) return settled;
        }
        await waitAsyncReceiverSleeping(words, this.#waitMs);
        storeReceiverSleeping(words, 0);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Follows the ring: an async iterator over records as they arrive. Each record stays valid
   * until the loop asks for the next one (it is released then, or when the loop ends early). The
   * loop ends after the sender closed and everything it sent was read.
   *
   * @param options - `signal` aborts the iteration; the loop then throws ERR_ANNAL_ABORTED
   * @returns an async iterable of the reusable record
   * @throws ERR_ANNAL_CLOSED when this receiver was closed
   * @throws ERR_ANNAL_ABORTED when `signal` was aborted
   * @throws ERR_ANNAL_INVALID_OPTION when `options` is not an object or has an unknown key
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `signal` is not an AbortSignal
   *   (both at the first step of the loop, before anything is read)
   */
  async *follow(options: FollowOptions = {}): AsyncGenerator<ReadClaim, void, undefined> {
    checkOptionKeys(options, FOLLOW_OPTION_KEYS, 'Receiver#follow');
    const signal = options?.signal;
    checkWait(Infinity, signal);
    for (;;) {
      const record = await this.recv(Infinity, signal);
      if (record === CLOSED) return;
      if (record === TIMED_OUT) continue;
      try {
        yield record;
      } finally {
        if (record.active) record.release();
      }
    }
  }

  /** Same as {@link Receiver.follow} without a signal. */
  [Symbol.asyncIterator](): AsyncGenerator<ReadClaim, void, undefined> {
    return this.follow();
  }

  /**
   * Closes the receiving side: senders get CLOSED from then on. Records still
   * in the ring are not read. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    storeReceiverClosed(this.#words);
  }

  /** Calls {@link Receiver.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Spins, then flags that the receiver sleeps and re-checks (the Dekker handshake with
   * `wakeReceiver`). Returns a result to hand back, or undefined to wait `#waitMs` with the
   * flag set.
   */
  #prepareToSleep(deadline: number): ReadClaim | typeof CLOSED | typeof TIMED_OUT | undefined {
    for (let spin = 0; spin <= this.spinCount; spin++) {
      const record = this.tryRecv();
      if (record !== EMPTY) return record;
    }
    const remaining = deadline - performance.now();
    if (!(remaining > 0)) return TIMED_OUT;
    // Flag first, then look again: a sender's commit is either seen by this read, or its load of
    // the flag (after its publish) sees 1 and it wakes us. Both are sequentially consistent where
    // publishes are; where a publish is a plain store, #lookAgain covers the one case it misses.
    storeReceiverSleeping(this.#words, 1);
    const record = this.tryRecv();
    if (record !== EMPTY) {
      storeReceiverSleeping(this.#words, 0);
      return record;
    }
    this.#waitMs = remaining < this.#waitSliceMs ? remaining : this.#waitSliceMs;
    return undefined;
  }

  /**
   * The first, short wait after flagging (over an SPSC ring whose commits are plain stores):
   * a sender's check of the flag may have passed its own publish, so that neither saw the other,
   * and that record is then visible within microseconds. Takes its time off the wait after it.
   */
  #settleMs(): number {
    const settle = this.#waitMs < SETTLE_WAIT_MS ? this.#waitMs : SETTLE_WAIT_MS;
    this.#waitMs -= settle;
    return settle;
  }

  /**
   * After the settle wait: a record (or the end) the flag check missed, read with the flag
   * cleared; undefined to go on waiting (still flagged, or woken: the flag is 0 and the wait
   * after this returns at once).
   */
  #lookAgain(): ReadClaim | typeof CLOSED | undefined {
    if (loadReceiverSleeping(this.#words) === 0) return undefined;
    const record = this.tryRecv();
    if (record === EMPTY) return undefined;
    storeReceiverSleeping(this.#words, 0);
    return record;
  }
}

/**
 * How long a receiver sleeps before it looks once more (see Receiver#settleMs), in ms. A store
 * leaves a core's store buffer within microseconds; 100 µs is far beyond that, and costs an
 * idle receiver one early wake-up each time it goes to sleep.
 */
const SETTLE_WAIT_MS = 0.1;

/** Throws before waiting (and before reading anything) when a wait's arguments are wrong. */
function checkWait(timeoutMs: unknown, signal: unknown): void {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
    throw new InvalidArgumentError(
      `timeoutMs must be a number of milliseconds ≥ 0 (or Infinity): timeoutMs=${describeValue(timeoutMs)}`,
      { field: 'timeoutMs' },
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError(
      `signal must be an AbortSignal: signal=${describeValue(signal)}`,
      {
        field: 'signal',
      },
    );
  }
}

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new AbortedError('the receive was aborted', { field: 'signal', cause: signal.reason });
  }
}

function receiverClosed(): ClosedError {
  return new ClosedError('the receiver was closed', { field: 'receiver' });
}
