/**
 * Number formatting shared by the table and the chart: three significant figures, SI prefixes,
 * and the unit in the text, so a reader never has to count zeros.
 *
 * @module
 */

function formatSignificant(value: number): string {
  if (value >= 100) return Math.round(value).toString();
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/**
 * A duration given in ns, in the largest unit that keeps it at or above 1 (`23.1 ns`, `127 µs`).
 *
 * @param durationNs - the duration in ns
 */
export function formatDuration(durationNs: number): string {
  if (durationNs < 1e3) return `${formatSignificant(durationNs)} ns`;
  if (durationNs < 1e6) return `${formatSignificant(durationNs / 1e3)} µs`;
  if (durationNs < 1e9) return `${formatSignificant(durationNs / 1e6)} ms`;
  return `${formatSignificant(durationNs / 1e9)} s`;
}

/**
 * A rate with an SI prefix and no unit (`43.3 M`, `7.52 k`).
 *
 * @param perSecond - the rate, per second
 */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e9) return `${formatSignificant(perSecond / 1e9)} G`;
  if (perSecond >= 1e6) return `${formatSignificant(perSecond / 1e6)} M`;
  if (perSecond >= 1e3) return `${formatSignificant(perSecond / 1e3)} k`;
  return formatSignificant(perSecond);
}

/**
 * Megabytes per second (10^6 bytes), grouped by thousands above 100 (`2,431`, `33.5`).
 *
 * @param megabytesPerSecond - the bandwidth in MB/s
 */
export function formatBandwidth(megabytesPerSecond: number): string {
  if (megabytesPerSecond >= 100) return Math.round(megabytesPerSecond).toLocaleString('en-US');
  return formatSignificant(megabytesPerSecond);
}

/**
 * A count grouped by thousands (`41,233`).
 *
 * @param count - a non-negative integer
 */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
