/**
 * How error messages name a value the caller passed, and what kind of bytes it is (cold paths
 * only).
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

/** %TypedArray%.prototype, whose `Symbol.toStringTag` getter reads a typed array's real kind. */
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

/**
 * True for a Uint8Array (a Buffer is one) made in another realm (a `vm` context), which
 * `instanceof Uint8Array` misses. Reads the internal kind, which an own `Symbol.toStringTag` of a
 * look-alike cannot fake. For the cold path after `instanceof` failed.
 */
export function isForeignUint8Array(value: unknown): boolean {
  return (
    ArrayBuffer.isView(value) &&
    Reflect.get(typedArrayPrototype, Symbol.toStringTag, value) === 'Uint8Array'
  );
}
