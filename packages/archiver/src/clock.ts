/**
 * The receive-time clock: monotonic, nanosecond resolution, tied to the wall clock once per
 * thread, and read without allocating (no BigInt, no `process.hrtime()` array).
 *
 * `performance.now()` is monotonic and counts from `performance.timeOrigin`, a wall-clock time
 * (fractional ms) taken when the thread started. Their sum is the wall clock as of that start
 * plus monotonic time since: NTP steps after the start do not move it backwards, and two threads
 * agree to within their time origins' precision (well under a microsecond). The sum itself,
 * about 1.7e12 ms, is a double with only ~0.25 µs of resolution, so the clock keeps whole seconds
 * apart and adds the small, exact monotonic part to the fraction.
 *
 * @module
 */

const NANOS_PER_SECOND = 1e9;

/** Whole Unix seconds at this thread's time origin. */
const originSeconds = Math.floor(performance.timeOrigin / 1000);
/** Nanoseconds past `originSeconds` at the time origin. */
const originNanos = (performance.timeOrigin - originSeconds * 1000) * 1e6;

/** Where {@link readClock} leaves the time: reused, so reading allocates nothing. */
export interface ClockReading {
  seconds: number;
  nanos: number;
}

/** Reads the clock into `into`: Unix seconds and nanoseconds within the second. */
export function readClock(into: ClockReading): void {
  const nanos = originNanos + performance.now() * 1e6;
  const carry = Math.floor(nanos / NANOS_PER_SECOND);
  into.seconds = originSeconds + carry;
  into.nanos = Math.floor(nanos - carry * NANOS_PER_SECOND);
}

/** The clock now, as Unix ms (fractional; ~0.25 µs resolution). */
export function clockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A recorded time as Unix ms (fractional). */
export function toMs(seconds: number, nanos: number): number {
  return seconds * 1000 + nanos / 1e6;
}
