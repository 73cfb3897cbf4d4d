/**
 * The timers of a {@link VirtualClock} that does not fake the globals: a binary heap ordered by
 * due time, then by when the timer was set. Advancing to a time with nothing due is two compares
 * and a store — a replay advances once per record, so this is its hot path; a general
 * fake-timers library's `tick` costs about a microsecond even with no timer set.
 *
 * @module
 */

interface Timer {
  readonly id: number;
  callAt: number;
  /** 0 for a timeout; the period of an interval. */
  readonly interval: number;
  readonly callback: (...args: unknown[]) => void;
  readonly args: unknown[];
}

export class TimerQueue {
  now: number;
  readonly #heap: Timer[] = [];
  /** Live timers by id: a cleared timer leaves the heap when it reaches the top. */
  readonly #live = new Map<number, Timer>();
  /** When the top of the heap is due (+Infinity when it is empty): time before it fires nothing. */
  nextDue = Number.POSITIVE_INFINITY;
  #nextId = 1;

  constructor(now: number) {
    this.now = now;
  }

  get size(): number {
    return this.#live.size;
  }

  add(
    callback: (...args: unknown[]) => void,
    delay: number,
    interval: number,
    args: unknown[],
  ): number {
    const timer: Timer = { id: this.#nextId++, callAt: this.now + delay, interval, callback, args };
    this.#live.set(timer.id, timer);
    this.#push(timer);
    return timer.id;
  }

  clear(id: number): void {
    this.#live.delete(id);
  }

  /** Fires, in order, every timer due by `time`, each with `now` at its due time; then `now = time`. */
  advanceTo(time: number): void {
    if (time < this.nextDue) {
      // Nothing due: the case of almost every record, one comparison.
      if (time > this.now) this.now = time;
      return;
    }
    const heap = this.#heap;
    for (;;) {
      const top = heap[0];
      if (top === undefined || top.callAt > time) break;
      this.#pop();
      if (this.#live.get(top.id) !== top) continue; // cleared
      if (top.callAt > this.now) this.now = top.callAt;
      if (top.interval > 0) {
        top.callAt += top.interval;
        this.#push(top);
      } else {
        this.#live.delete(top.id);
      }
      top.callback(...top.args);
    }
    if (time > this.now) this.now = time;
  }

  #before(a: Timer, b: Timer): boolean {
    return a.callAt < b.callAt || (a.callAt === b.callAt && a.id < b.id);
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    let k = heap.push(timer) - 1;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      const above = heap[parent] as Timer;
      if (!this.#before(timer, above)) break;
      heap[k] = above;
      k = parent;
    }
    heap[k] = timer;
    this.nextDue = (heap[0] as Timer).callAt;
  }

  #pop(): void {
    this.#popTop();
    const top = this.#heap[0];
    this.nextDue = top === undefined ? Number.POSITIVE_INFINITY : top.callAt;
  }

  #popTop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Timer;
    if (heap.length === 0) return;
    let k = 0;
    for (;;) {
      const left = 2 * k + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && this.#before(heap[right] as Timer, heap[left] as Timer)
          ? right
          : left;
      if (!this.#before(heap[child] as Timer, last)) break;
      heap[k] = heap[child] as Timer;
      k = child;
    }
    heap[k] = last;
  }
}
