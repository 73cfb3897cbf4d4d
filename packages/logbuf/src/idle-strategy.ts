/**
 * What a polling consumer does when a poll found nothing (Agrona's idle strategies, for JS).
 *
 * @module
 */
import { checkOptionKeys, describeValue } from './arguments.js';
import { InvalidArgumentError, InvalidOptionError } from './errors.js';

/** Options of an {@link IdleStrategy}. */
export interface IdleStrategyOptions {
  /**
   * Microseconds to busy-wait after a poll that found nothing, touching no shared memory.
   * Default {@link DEFAULT_IDLE_PAUSE_MICROS}. 0 polls again at once (lowest latency, and the
   * consumer competes with the producer for the cache line it is writing).
   */
  readonly pauseMicros?: number;
}

const IDLE_STRATEGY_OPTION_KEYS: readonly string[] = ['pauseMicros'];

/** Default of {@link IdleStrategyOptions.pauseMicros}. */
export const DEFAULT_IDLE_PAUSE_MICROS = 10;

/**
 * Paces a busy-polling consumer loop: `idle(ring.poll(handler))` returns at once after a poll
 * that did work, and after an empty one busy-waits a short pause on the local clock before the
 * next poll.
 *
 * Why pause at all: a consumer that polls an empty ring at full speed reads the cache line the
 * producer is writing the next record into, and zeroes the one it wrote last, so every record
 * the producer writes costs it a cache miss on a line the consumer holds. A short pause whenever
 * the consumer caught up lets a few dozen records accumulate, read then as one batch; a tight
 * loop halves the producer's throughput (the runs are in
 * docs/decisions/2026-11-22-logbuf-deferred-commits.md). The pause is added latency only for a
 * record that arrives while the consumer pauses.
 *
 * The pause spins (it never sleeps or makes a syscall): for a consumer that should sleep while
 * idle, use a {@link Receiver}.
 *
 * Threading: one object per polling loop.
 *
 * @example
 * ```ts
 * const idle = new IdleStrategy();
 * for (;;) idle.idle(ring.poll(handler, 1024));
 * ```
 */
export class IdleStrategy {
  /** The pause after an empty poll, in microseconds. */
  readonly pauseMicros: number;
  readonly #pauseMs: number;

  /**
   * @param options - see {@link IdleStrategyOptions}
   * @throws ERR_ANNAL_INVALID_OPTION when `pauseMicros` is not a finite number ≥ 0, or `options`
   *   has a key that is not an option (a misspelling)
   */
  constructor(options: IdleStrategyOptions = {}) {
    checkOptionKeys(options, IDLE_STRATEGY_OPTION_KEYS, 'IdleStrategy');
    const given: unknown = options?.pauseMicros;
    const pauseMicros = given === undefined ? DEFAULT_IDLE_PAUSE_MICROS : given;
    if (typeof pauseMicros !== 'number' || !Number.isFinite(pauseMicros) || pauseMicros < 0) {
      throw new InvalidOptionError(
        `pauseMicros must be a finite number of microseconds ≥ 0: pauseMicros=${describeValue(pauseMicros)}`,
        { field: 'pauseMicros' },
      );
    }
    this.pauseMicros = pauseMicros;
    this.#pauseMs = pauseMicros / 1000;
  }

  /**
   * Call after every poll with the amount of work it did.
   *
   * @param workCount - records (or anything) the poll processed; 0 means it found nothing
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `workCount` is not a number ≥ 0 (NaN included)
   */
  idle(workCount: number): void {
    if (typeof workCount !== 'number' || !(workCount >= 0)) throw rejectWorkCount(workCount);
    if (workCount > 0 || this.#pauseMs === 0) return;
    const until = performance.now() + this.#pauseMs;
    while (performance.now() < until) {
      // spin on the local clock only: no shared memory is read while pausing
    }
  }
}

function rejectWorkCount(workCount: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    `workCount must be a number ≥ 0 (what the poll returned): workCount=${describeValue(workCount)}`,
    { field: 'workCount' },
  );
}
