/**
 * The sending side over a ring: never blocks.
 *
 * @module
 */
import { describeValue, rejectBytes } from './arguments.js';
import { ClosedError, InvalidArgumentError } from './errors.js';
import { loadReceiverClosed, notifyReceiver, storeSenderClosed } from './layout.js';
import type { MpscRing } from './mpsc-ring.js';
import type { SpscRing } from './spsc-ring.js';
import { BACK_PRESSURED, CLOSED } from './status.js';
import type { WriteClaim } from './write-claim.js';

/** Default of `maxSpins` in {@link Sender.sendSync}. */
export const DEFAULT_SEND_SPINS = 1024;

/**
 * The sending side over a ring: `trySend`/`tryClaim` never block and make no
 * syscall (a notify happens only when the receiver has flagged that it sleeps). Holds the ring;
 * does not extend it.
 *
 * Threading: the ring's producer thread only. Over an {@link MpscRing}, each producer thread
 * makes its own Sender on its own ring object.
 *
 * Durability: none (memory).
 *
 * @example
 * ```ts
 * const sender = new Sender(SpscRing.attach(sab));
 * if (sender.trySend(payload) === CLOSED) stopProducing();
 * sender.close(); // the receiver reads what is left, then gets CLOSED
 * ```
 */
export class Sender {
  /** The ring records go into. */
  readonly ring: SpscRing | MpscRing;
  readonly #words: Int32Array;
  #closed = false;

  /**
   * @param ring - an attached {@link SpscRing} or {@link MpscRing}
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `ring` is not a logbuf ring
   */
  constructor(ring: SpscRing | MpscRing) {
    const views = (ring as { views?: { words?: unknown } } | null)?.views;
    if (views === undefined || !(views.words instanceof Int32Array)) {
      throw new InvalidArgumentError('ring must be an SpscRing or MpscRing', { field: 'ring' });
    }
    this.ring = ring;
    this.#words = ring.views.words;
  }

  /**
   * True once the receiver closed (loaded now; may turn true right after).
   *
   * @returns whether sends will return CLOSED
   */
  get receiverClosed(): boolean {
    return loadReceiverClosed(this.#words) !== 0;
  }

  /**
   * Claims space for a record (see `SpscRing#tryClaim`); commit the claim to send it.
   *
   * @param length - payload bytes
   * @returns the ring's reusable claim, BACK_PRESSURED when full, or CLOSED when the receiver closed
   * @throws ERR_ANNAL_CLOSED when this sender was closed
   * @throws ERR_ANNAL_TOO_LARGE when `length` exceeds the ring's maximum payload length
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `length` is invalid or the previous claim is active
   */
  tryClaim(length: number): WriteClaim | typeof BACK_PRESSURED | typeof CLOSED {
    if (this.#closed) throw senderClosed();
    if (loadReceiverClosed(this.#words) !== 0) return CLOSED;
    return this.ring.tryClaim(length);
  }

  /**
   * Copies `payload` into a record and commits it.
   *
   * @param payload - the record's bytes (may be empty)
   * @returns the payload length, BACK_PRESSURED when full, or CLOSED when the receiver closed
   * @throws ERR_ANNAL_CLOSED when this sender was closed
   * @throws ERR_ANNAL_TOO_LARGE when the payload exceeds the ring's maximum payload length
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `payload` is not a Uint8Array (nothing is written)
   */
  trySend(payload: Uint8Array): number {
    if (!(payload instanceof Uint8Array)) throw rejectBytes(payload, 'payload');
    if (this.#closed) throw senderClosed();
    if (loadReceiverClosed(this.#words) !== 0) return CLOSED;
    return this.ring.trySend(payload);
  }

  /**
   * For callers that prefer to wait a little: retries `trySend` up to `maxSpins` times while the
   * ring is full. Still never sleeps or makes a syscall, so it is bounded CPU, not a block.
   *
   * @param payload - the record's bytes
   * @param maxSpins - attempts before giving up; default {@link DEFAULT_SEND_SPINS}
   * @returns the payload length, BACK_PRESSURED after `maxSpins` full attempts, or CLOSED
   * @throws ERR_ANNAL_CLOSED when this sender was closed
   * @throws ERR_ANNAL_TOO_LARGE when the payload exceeds the ring's maximum payload length
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `payload` is not a Uint8Array or `maxSpins` is not an
   *   integer ≥ 1 (nothing is written)
   */
  sendSync(payload: Uint8Array, maxSpins = DEFAULT_SEND_SPINS): number {
    if (typeof maxSpins !== 'number' || !(maxSpins >= 1 && Math.floor(maxSpins) === maxSpins)) {
      throw new InvalidArgumentError(
        `maxSpins must be an integer ≥ 1: maxSpins=${describeValue(maxSpins)}`,
        { field: 'maxSpins' },
      );
    }
    let result = this.trySend(payload);
    for (let spin = 1; result === BACK_PRESSURED && spin < maxSpins; spin++) {
      result = this.trySend(payload);
    }
    return result;
  }

  /**
   * Publishes records committed with `WriteClaim#commitDeferred()` (see `SpscRing#flush`).
   *
   * @returns true when something was published
   */
  flush(): boolean {
    return this.ring.flush();
  }

  /**
   * Closes the sending side: the receiver gets what was committed before (deferred commits
   * included: close publishes them), then CLOSED. Over an MPSC ring this closes it for every
   * producer, so call it once all are done. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Deferred commits become visible before the flag, so the receiver reads them too.
    this.ring.flush();
    // Sequentially consistent after every commit of this thread: a receiver that sees the flag
    // and then reads finds all of them.
    storeSenderClosed(this.#words);
    notifyReceiver(this.#words);
  }

  /** Calls {@link Sender.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function senderClosed(): ClosedError {
  return new ClosedError('the sender was closed', { field: 'sender' });
}
