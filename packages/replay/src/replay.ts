/**
 * Replays a source into a handler, deterministically: the same recording and the same handler
 * give the same calls in the same order, with the same recorded time, every run.
 *
 * A little over 400 lines on purpose: one class, {@link ReplaySession}, whose tight loop, general
 * loop, pacing and handler waits share the same private state (a split would put the hot loop's
 * fields behind accessors); its options, sources and clock are in their own files.
 *
 * @module
 */
import { AbortedError, InvalidArgumentError } from '@annal/native';
import { parseOptions } from '@annal/native/internal';

import { replayOptionsSchema, type ReplayOptions, type ReplayProgress } from './options.js';
import type { ReplayRecord } from './record.js';
import { takeSource, type Source } from './source.js';
import { VirtualClock } from './virtual-clock.js';

/** What a handler gets besides the record. The same object for every call: do not keep it. */
export interface ReplayContext {
  /** Recorded time: `now()` is the record's timestamp; timers fire as the replay passes them. */
  readonly clock: VirtualClock;
  /** How many records were delivered before this one (0 for the first). */
  readonly delivered: number;
}

/** Called once per delivered record; a returned promise is awaited before the next record. */
export type ReplayHandler<R extends ReplayRecord = ReplayRecord> = (
  record: R,
  context: ReplayContext,
) => void | Promise<void>;

/** How a replay ended. */
export interface ReplaySummary {
  /** Records handed to the handler. */
  readonly delivered: number;
  /** Records read and left out by the filters. */
  readonly skipped: number;
  /** Timestamp of the first record delivered, Unix ms (`NaN` when none or unstamped). */
  readonly firstTimestamp: number;
  /** Timestamp of the last stamped record delivered, Unix ms (`NaN` when none was stamped). */
  readonly lastTimestamp: number;
  /** Stream of the last record delivered (`''` when none). */
  readonly lastStream: string;
  /** Index in its stream of the last record delivered (-1 when none). */
  readonly lastIndex: number;
  /** The clock the handlers saw (its timers still pending, unless `until` fired them). */
  readonly clock: VirtualClock;
}

/** Records delivered between two yields to the event loop, so signals and timers get a turn. */
const SLICE = 4096;
/** What {@link ReplaySession.#deliverSync} returns besides a count. */
const SLICE_ENDED = -1;
const SLICE_STOPPED = -2;
/** What a parked promise is: the pace before a record, or a handler's result after it. */
const WAIT_PACE = 0;
const WAIT_HANDLER = 1;

// Captured at load: with `fakeGlobals` the global timers are the replay's own fakes.
const realSetTimeout = globalThis.setTimeout;
const realSetImmediate = globalThis.setImmediate;
const realNow = (): number => performance.now();

/**
 * A replay under way, for tools: pause, resume, step. {@link replay} is `startReplay(…).done`.
 */
export class ReplaySession<R extends ReplayRecord = ReplayRecord> {
  /** Settles when the replay ends: resolves with its summary, or rejects with the error. */
  readonly done: Promise<ReplaySummary>;

  readonly #source: Source<R>;
  readonly #handler: ReplayHandler<R>;
  readonly #options: ReturnType<typeof parseReplayOptions>;
  readonly #clock: VirtualClock;
  readonly #ownsClock: boolean;
  readonly #context = { clock: undefined as unknown as VirtualClock, delivered: 0 };
  #skipped = 0;
  #firstTimestamp = Number.NaN;
  #lastTimestamp = Number.NaN;
  #lastStream = '';
  #lastIndex = -1;
  #paused: boolean;
  /** Some option leaves records out: the per-record check runs only then. */
  readonly #filtered: boolean;
  /** No filter and no pacing: records go through {@link ReplaySession.#deliverFast}. */
  readonly #fast: boolean;
  #wake: (() => void) | undefined;
  /** Records `step()` still lets through before pausing again, or -1 when not stepping. */
  #steps = -1;
  /** Records to deliver before the next progress report (a countdown: `%` costs a division). */
  #untilProgress: number;
  /** Set by the signal's abort event, so the per-record check is a field read. */
  #abortSeen = false;
  readonly #onAbort = (): void => {
    this.#abortSeen = true;
  };
  #stepped: (() => void) | undefined;
  #finished = false;
  /** A promise the synchronous loop handed back, what it is, and the record it holds back. */
  #waiting: PromiseLike<void> | undefined;
  #waitingFor = WAIT_HANDLER;
  #held: R | undefined;
  /** Wall time and recorded time of the first paced record. */
  #paceWall = Number.NaN;
  #paceRecorded = Number.NaN;

  /** @internal Use {@link startReplay}. */
  constructor(source: Source<R>, handler: ReplayHandler<R>, options?: ReplayOptions<R>) {
    takeSource(source, 'replay', 'source');
    if (typeof handler !== 'function') {
      throw new InvalidArgumentError(`replay: handler must be a function, not ${typeof handler}`, {
        field: 'handler',
      });
    }
    this.#options = parseReplayOptions(options);
    this.#source = source;
    this.#handler = handler;
    this.#ownsClock = this.#options.clock === undefined;
    this.#clock =
      this.#options.clock ?? new VirtualClock({ fakeGlobals: this.#options.fakeGlobals });
    this.#context.clock = this.#clock;
    this.#paused = this.#options.paused;
    this.#untilProgress = this.#options.progressEvery;
    const signal = this.#options.signal;
    if (signal !== undefined) {
      this.#abortSeen = signal.aborted;
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
    const { fromTime, toTime, types, streams, filter } = this.#options;
    this.#filtered =
      fromTime !== undefined ||
      toTime !== undefined ||
      types !== undefined ||
      streams !== undefined ||
      filter !== undefined;
    this.#fast = !this.#filtered && this.#options.speed === 'max';
    this.done = this.#run();
  }

  /** Records delivered so far. */
  get delivered(): number {
    return this.#context.delivered;
  }

  /** True while paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Stops delivering after the record in progress; {@link ReplaySession.resume} goes on. */
  pause(): void {
    this.#paused = true;
  }

  /** Goes on after {@link ReplaySession.pause}. */
  resume(): void {
    this.#steps = -1;
    this.#paused = false;
    this.#wake?.();
  }

  /**
   * Delivers `count` more records (or what is left), then pauses; resolves when they have been
   * handled, or when the replay ends.
   */
  step(count = 1): Promise<void> {
    if (!(Number.isSafeInteger(count) && count >= 1)) {
      throw new InvalidArgumentError(`step: count must be an integer from 1: ${String(count)}`, {
        field: 'count',
      });
    }
    if (this.#finished) return Promise.resolve();
    const stepped = new Promise<void>((resolve) => {
      this.#stepped = resolve;
    });
    this.#steps = count;
    this.#paused = false;
    this.#wake?.();
    return stepped;
  }

  async #run(): Promise<ReplaySummary> {
    // Let the caller attach to `done` and call pause() before the first record.
    await new Promise<void>((resolve) => realSetImmediate(resolve));
    const { signal, closeSource } = this.#options;
    try {
      for (;;) {
        if (this.#abortSeen) throw aborted(signal as AbortSignal);
        if (this.#paused) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
          this.#wake = undefined;
          continue;
        }
        const more = await this.#slice();
        if (!more) break;
        await new Promise<void>((resolve) => realSetImmediate(resolve));
      }
      if (this.#options.until !== undefined) this.#clock.advanceTo(this.#options.until);
      this.#progress();
      return this.#summary();
    } finally {
      this.#finished = true;
      this.#stepped?.();
      signal?.removeEventListener('abort', this.#onAbort);
      if (closeSource) this.#source.close();
      if (this.#ownsClock) this.#clock.uninstall();
    }
  }

  /**
   * Delivers up to SLICE records; false at the end of the source. Records go through the
   * synchronous loop of {@link ReplaySession.#deliverSync} (an async function's loop is compiled
   * as a resumable generator and costs about as much again per record); this function awaits
   * only what that loop hands back: a handler's promise, or the pace.
   */
  async #slice(): Promise<boolean> {
    let budget = SLICE;
    while (budget > 0) {
      const outcome = this.#fast ? this.#deliverFast(budget) : this.#deliverSync(budget);
      if (outcome === SLICE_ENDED) return false;
      if (outcome === SLICE_STOPPED) return true;
      budget -= outcome;
      const waiting = this.#waiting;
      if (waiting === undefined) return true; // the budget is spent
      this.#waiting = undefined;
      await waiting;
      if (this.#waitingFor === WAIT_PACE) {
        const held = this.#held as R;
        this.#held = undefined;
        if (this.#handOver(held)) {
          const handled = this.#waiting as PromiseLike<void> | undefined;
          this.#waiting = undefined;
          await handled;
        }
      }
      if (this.#afterHandler()) return true;
      budget--;
    }
    return true;
  }

  /**
   * The per-record loop, synchronous: reads, filters and delivers up to `budget` records.
   * Returns how many it took, or SLICE_ENDED / SLICE_STOPPED. When a record needs a wait (the
   * handler returned a promise, or the pace), it parks the promise in `#waiting` and returns.
   */
  #deliverSync(budget: number): number {
    const paced = this.#options.speed !== 'max';
    for (let n = 0; n < budget; n++) {
      if (this.#paused) return SLICE_STOPPED;
      const record = this.#source.next();
      if (record === undefined) return SLICE_ENDED;
      if (this.#filtered && !this.#selected(record)) {
        this.#skipped++;
        continue;
      }
      const timestamp = record.timestamp;
      if (paced && timestamp === timestamp) {
        const wait = this.#pace(timestamp);
        if (wait !== undefined) {
          this.#held = record;
          this.#waiting = wait;
          this.#waitingFor = WAIT_PACE;
          return n;
        }
      }
      if (this.#handOver(record)) return n;
      if (this.#afterHandler()) return SLICE_STOPPED;
    }
    return budget;
  }

  /**
   * {@link ReplaySession.#deliverSync} when no option leaves records out or paces them, the
   * common case: the same steps in the same order, written out in this one body. V8 inlines the
   * source's `next()` and the handler into a loop only while the code it inlines stays under a
   * budget (about 900 bytes of bytecode), and a zero-copy source over a reader takes most of it:
   * helpers called per record here would push the source out, and cost a call per record.
   * What is rare (progress, steps, the signal) is one comparison here and a call only when it
   * has something to do; a stamped record moves the clock by `advanceTo`, which is one
   * comparison against the next timer's due time when none is due.
   */
  #deliverFast(budget: number): number {
    const source = this.#source;
    const context = this.#context;
    for (let n = 0; n < budget; n++) {
      if (this.#paused) return SLICE_STOPPED;
      const record = source.next();
      if (record === undefined) return SLICE_ENDED;
      const timestamp = record.timestamp;
      if (timestamp === timestamp) {
        // (not NaN) recorded time moves the clock, as in #handOver
        this.#clock.advanceTo(timestamp);
        if (this.#firstTimestamp !== this.#firstTimestamp) this.#firstTimestamp = timestamp;
        this.#lastTimestamp = timestamp;
      }
      this.#lastStream = record.stream;
      this.#lastIndex = record.index;
      // Called as #handOver calls it, so a handler sees the same `this` on either path.
      const result: unknown = this.#handler(record, context);
      if (result !== undefined && typeof (result as PromiseLike<void>).then === 'function') {
        this.#waiting = result as PromiseLike<void>;
        this.#waitingFor = WAIT_HANDLER;
        return n;
      }
      context.delivered++;
      if (
        (--this.#untilProgress === 0 || this.#steps > 0 || this.#abortSeen) &&
        this.#afterCounted()
      ) {
        return SLICE_STOPPED;
      }
    }
    return budget;
  }

  /**
   * Moves the clock to the record and calls the handler. True when the handler returned a
   * promise, parked in `#waiting` (the bookkeeping after it waits for it).
   */
  #handOver(record: R): boolean {
    const timestamp = record.timestamp;
    if (timestamp === timestamp) {
      // (not NaN) recorded time moves the clock
      this.#clock.advanceTo(timestamp);
      if (this.#firstTimestamp !== this.#firstTimestamp) this.#firstTimestamp = timestamp;
      this.#lastTimestamp = timestamp;
    }
    this.#lastStream = record.stream;
    this.#lastIndex = record.index;
    const result: unknown = this.#handler(record, this.#context);
    if (result === undefined || typeof (result as PromiseLike<void>).then !== 'function') {
      return false;
    }
    this.#waiting = result as PromiseLike<void>;
    this.#waitingFor = WAIT_HANDLER;
    return true;
  }

  /** Counts a handled record: progress, steps, the signal. True when the slice must stop. */
  #afterHandler(): boolean {
    this.#context.delivered++;
    --this.#untilProgress;
    return this.#afterCounted();
  }

  /**
   * What follows a handled record once it is counted (`delivered` and `#untilProgress` moved):
   * progress, steps, the signal. True when the slice must stop.
   */
  #afterCounted(): boolean {
    const options = this.#options;
    if (this.#untilProgress === 0) {
      this.#untilProgress = options.progressEvery;
      this.#progress();
    }
    if (this.#steps > 0 && --this.#steps === 0) {
      this.#paused = true;
      this.#steps = -1;
      const stepped = this.#stepped;
      this.#stepped = undefined;
      stepped?.();
      return true;
    }
    if (this.#abortSeen) throw aborted(options.signal as AbortSignal);
    return false;
  }

  #selected(record: R): boolean {
    const { fromTime, toTime, types, streams, filter } = this.#options;
    if (fromTime !== undefined && !(record.timestamp >= fromTime)) return false;
    if (toTime !== undefined && !(record.timestamp <= toTime)) return false;
    if (types !== undefined && !types.includes(record.type)) return false;
    if (streams !== undefined && !streams.includes(record.stream)) return false;
    return filter === undefined || (filter as (record: R) => boolean)(record);
  }

  /**
   * What to wait for before delivering a record stamped `timestamp` at the chosen speed, or
   * undefined when wall time has caught up already.
   */
  #pace(timestamp: number): Promise<void> | undefined {
    const factor = this.#options.speed === 'realtime' ? 1 : (this.#options.speed as number);
    if (this.#paceWall !== this.#paceWall) {
      this.#paceWall = realNow();
      this.#paceRecorded = timestamp;
      return undefined;
    }
    const due = this.#paceWall + (timestamp - this.#paceRecorded) / factor;
    const wait = due - realNow();
    if (wait <= 0) return undefined;
    return new Promise<void>((resolve) => realSetTimeout(resolve, wait));
  }

  #progress(): void {
    const onProgress = this.#options.onProgress as ((progress: ReplayProgress) => void) | undefined;
    onProgress?.({
      delivered: this.#context.delivered,
      skipped: this.#skipped,
      stream: this.#lastStream,
      index: this.#lastIndex,
      timestamp: this.#lastTimestamp,
    });
  }

  #summary(): ReplaySummary {
    return {
      delivered: this.#context.delivered,
      skipped: this.#skipped,
      firstTimestamp: this.#firstTimestamp,
      lastTimestamp: this.#lastTimestamp,
      lastStream: this.#lastStream,
      lastIndex: this.#lastIndex,
      clock: this.#clock,
    };
  }
}

function parseReplayOptions(options: unknown) {
  return parseOptions(replayOptionsSchema, options, 'replay');
}

function aborted(signal: AbortSignal): AbortedError {
  return new AbortedError('replay: aborted by its signal', { cause: signal.reason });
}

/**
 * Starts replaying `source` into `handler` and returns the session (pause, resume, step; its
 * `done` settles at the end). Nothing is delivered before the call returns.
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT for a source or handler of the wrong kind;
 *   ERR_ANNAL_INVALID_OPTION for a bad option
 */
export function startReplay<R extends ReplayRecord>(
  source: Source<R>,
  handler: ReplayHandler<R>,
  options?: ReplayOptions<R>,
): ReplaySession<R> {
  return new ReplaySession(source, handler, options);
}

/**
 * Replays `source` into `handler`: every record, in the source's order, one call at a time (a
 * returned promise is awaited before the next record). Before each record the virtual clock
 * moves to its timestamp, firing the timers due by then. Resolves with a summary once the
 * source is exhausted; rejects with the first error a handler or the source throws (the source
 * is closed either way, unless `closeSource: false`).
 *
 * @example
 * ```ts
 * const seen: string[] = [];
 * const summary = await replay(
 *   fromArray(['a', 'b'], { timestamp: (_, k) => 1000 * k }),
 *   (record, { clock }) => {
 *     seen.push(`${record.value}@${clock.now()}`);
 *   },
 * );
 * // seen: ['a@0', 'b@1000'], summary.delivered: 2
 * ```
 * @throws (as a rejection, never synchronously) ERR_ANNAL_INVALID_ARGUMENT for a source or
 *   handler of the wrong kind; ERR_ANNAL_INVALID_OPTION for a bad option; ERR_ANNAL_ABORTED
 *   when `signal` aborts; ERR_ANNAL_CORRUPT from a damaged recording; what the handler threw
 */
export function replay<R extends ReplayRecord>(
  source: Source<R>,
  handler: ReplayHandler<R>,
  options?: ReplayOptions<R>,
): Promise<ReplaySummary> {
  try {
    return startReplay(source, handler, options).done;
  } catch (error) {
    // A function that returns a promise reports every failure through it.
    return Promise.reject(error as Error);
  }
}
