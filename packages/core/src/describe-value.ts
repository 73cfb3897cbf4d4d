/**
 * How error messages name a value the caller passed (cold paths only).
 *
 * @module
 */

/** A short description of `value` for an error message: its type, and its value when short. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    return value.length <= 40 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'bigint') return `bigint ${value}n`;
  if (typeof value !== 'object') return `${typeof value} ${String(value as number)}`;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag === 'Object' ? 'a plain object' : `a ${tag}`;
}
