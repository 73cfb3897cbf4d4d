/**
 * Sizes and times as people read them in `annal`'s text output (JSON output keeps the numbers).
 *
 * @module
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. */
export function bytes(count: number): string {
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${count} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** Unix ms as an ISO 8601 UTC time; `-` when there is none. */
export function time(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '-' : new Date(ms).toISOString();
}
