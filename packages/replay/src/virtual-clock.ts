/**
 * Recorded time for handlers: `now()` and timers that fire at the recorded instants as a replay
 * passes them, so timeouts, heartbeats and throttles behave as they did when the stream was
 * recorded. Built on @sinonjs/fake-timers (the fake-timers of Sinon, Jest and Vitest), which also
 * fakes the globals (`Date`, `setTimeout`, …) for code that calls them directly.
 *
 * @module
 */
import FakeTimers from '@sinonjs/fake-timers';

import { InvalidArgumentError } from '@annal/native';

import { TimerQueue } from './timer-queue.js';

/** A timer of a {@link VirtualClock}: pass it to `clearTimeout` or `clearInterval`. */
export type VirtualTimer = number | ReturnType<FakeTimers.Clock['setTimeout']>;

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /**
   * The time before the first record, Unix ms. Default: unset, and the clock jumps to the first
   * timestamp it is advanced to (timers set before then count from 0).
   */
  readonly start?: number;
  /**
   * Also fake the globals `Date`, `setTimeout`, `clearTimeout`, `setInterval` and
   * `clearInterval` (nothing else: `setImmediate`, `process.nextTick`, `queueMicrotask` and
   * `performance` stay real), for code under replay that calls them directly. Only one clock
   * may fake the globals at a time; call {@link VirtualClock.uninstall} (or `using`) to restore
   * them. Default false.
   */
  readonly fakeGlobals?: boolean;
}

/** Which globals a clock with `fakeGlobals` replaces. */
const FAKED: FakeTimers.FakeMethod[] = [
  'Date',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
];

/** The clock faking the globals, if any: two at once would restore each other's fakes. */
let globalOwner: VirtualClock | undefined;

/**
 * Time as the recording saw it. A replay moves it to each record's timestamp before the
 * record's handler runs, firing on the way, in order, every timer due by then (a timer due at
 * exactly a record's timestamp fires before that record). Each timer runs with `now()` at its
 * own due time, and a timer set by a timer fires in the same pass if it is due. Time never goes
 * back: a record stamped earlier than `now()` leaves the clock where it is.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * await replay(source, (record, { clock }) => {
 *   clock.setTimeout(() => console.log('no reply within 30 s of', record.index), 30_000);
 * }, { clock });
 * ```
 */
export class VirtualClock implements Disposable {
  /** The timers when the globals are not faked. */
  readonly #queue: TimerQueue | undefined;
  /** @sinonjs/fake-timers' installed clock when they are. */
  readonly #installed: FakeTimers.Clock | undefined;
  #started: boolean;

  constructor(options: VirtualClockOptions = {}) {
    const { start, fakeGlobals = false } = options;
    if (start !== undefined && !Number.isFinite(start)) {
      throw new InvalidArgumentError(
        `VirtualClock: start must be a finite number of ms: ${String(start)}`,
        { field: 'start' },
      );
    }
    this.#started = start !== undefined;
    if (fakeGlobals) {
      if (globalOwner !== undefined) {
        throw new InvalidArgumentError(
          'VirtualClock: another clock fakes the globals; uninstall it first',
          { field: 'fakeGlobals' },
        );
      }
      this.#installed = FakeTimers.withGlobal(globalThis).install({
        now: start ?? 0,
        toFake: FAKED,
      });
      this.#queue = undefined;
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- the one clock faking the globals
      globalOwner = this;
    } else {
      this.#installed = undefined;
      this.#queue = new TimerQueue(start ?? 0);
    }
  }

  /** The current recorded time, Unix ms. */
  now(): number {
    return this.#queue === undefined ? (this.#installed as FakeTimers.Clock).now : this.#queue.now;
  }

  /**
   * Calls `callback(...args)` once the replay reaches `now() + delayMs`. A delay that is negative
   * or not a number counts as 0.
   */
  setTimeout<A extends unknown[]>(
    callback: (...args: A) => void,
    delayMs = 0,
    ...args: A
  ): VirtualTimer {
    checkCallback(callback);
    const delay = delayMs > 0 ? delayMs : 0;
    if (this.#queue === undefined) {
      return (this.#installed as FakeTimers.Clock).setTimeout(
        callback as (...args: unknown[]) => void,
        delay,
        ...args,
      );
    }
    return this.#queue.add(callback as (...args: unknown[]) => void, delay, 0, args);
  }

  /** Cancels a timer of {@link VirtualClock.setTimeout}; unknown or fired timers are ignored. */
  clearTimeout(timer: VirtualTimer | undefined): void {
    if (timer === undefined) return;
    if (this.#queue === undefined) (this.#installed as FakeTimers.Clock).clearTimeout(timer);
    else if (typeof timer === 'number') this.#queue.clear(timer);
  }

  /**
   * Calls `callback(...args)` every `intervalMs` of recorded time, first at `now() + intervalMs`.
   * @throws ERR_ANNAL_INVALID_ARGUMENT unless `intervalMs` is a finite number above 0
   */
  setInterval<A extends unknown[]>(
    callback: (...args: A) => void,
    intervalMs: number,
    ...args: A
  ): VirtualTimer {
    checkCallback(callback);
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
      throw new InvalidArgumentError(
        `setInterval: intervalMs must be a finite number above 0: ${String(intervalMs)}`,
        { field: 'intervalMs' },
      );
    }
    if (this.#queue === undefined) {
      return (this.#installed as FakeTimers.Clock).setInterval(
        callback as (...args: unknown[]) => void,
        intervalMs,
        ...args,
      );
    }
    return this.#queue.add(callback as (...args: unknown[]) => void, intervalMs, intervalMs, args);
  }

  /** Cancels a timer of {@link VirtualClock.setInterval}. */
  clearInterval(timer: VirtualTimer | undefined): void {
    this.clearTimeout(timer);
  }

  /** Timers waiting to fire. */
  pendingTimers(): number {
    return this.#queue === undefined
      ? (this.#installed as FakeTimers.Clock).countTimers()
      : this.#queue.size;
  }

  /**
   * Moves the clock to `time` (Unix ms), firing every timer due by then, in order. A `time`
   * before `now()` does nothing; the first call on a clock made without `start` jumps there.
   * The replay calls this for each record; call it after a replay to fire the timers due after
   * the last record (or use the replay's `until` option).
   */
  advanceTo(time: number): void {
    const queue = this.#queue;
    // Nothing due by `time`, the case of almost every record: a comparison and a store, small
    // enough for V8 to inline into a replay's loop.
    if (queue !== undefined && time < queue.nextDue && this.#started) {
      if (time > queue.now) queue.now = time;
      return;
    }
    this.#advanceFar(time);
  }

  /** {@link advanceTo} when a timer may be due, the clock has not started, or globals are faked. */
  #advanceFar(time: number): void {
    const queue = this.#queue;
    if (!this.#started) {
      this.#started = true;
      if (this.pendingTimers() === 0) {
        if (queue !== undefined) queue.now = time;
        else (this.#installed as FakeTimers.Clock).setSystemTime(time);
        return;
      }
    }
    if (queue !== undefined) {
      queue.advanceTo(time);
      return;
    }
    const installed = this.#installed as FakeTimers.Clock;
    const delta = time - installed.now;
    if (delta > 0) installed.tick(delta);
  }

  /** Restores the globals faked by `fakeGlobals` (nothing otherwise). Idempotent. */
  uninstall(): void {
    if (this.#installed !== undefined && globalOwner === this) {
      this.#installed.uninstall();
      globalOwner = undefined;
    }
  }

  /** Same as {@link uninstall}, so `using` restores the globals at the end of the scope. */
  [Symbol.dispose](): void {
    this.uninstall();
  }
}

function checkCallback(callback: unknown): void {
  if (typeof callback !== 'function') {
    throw new InvalidArgumentError(
      `a timer's callback must be a function, not ${typeof callback}`,
      {
        field: 'callback',
      },
    );
  }
}
