/**
 * Checks of what callers pass to public methods: each refuses with ERR_ANNAL_INVALID_ARGUMENT
 * naming the argument (`field`) and the value it got. They run at the boundary, before anything
 * is created or written.
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

/** A value as an error message shows it (short, never the whole of a large one). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'object' || typeof value === 'function') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `a ${name}` : `a ${typeof value}`;
  }
  return String(value as number | boolean | undefined);
}

/** @throws ERR_ANNAL_INVALID_ARGUMENT unless `value` is a Uint8Array (a Buffer is one). */
export function checkPayload(value: unknown, field = 'payload'): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `${field} must be a Uint8Array (or Buffer): ${describeValue(value)}`,
      { field },
    );
  }
}

/** @throws ERR_ANNAL_INVALID_ARGUMENT unless `value` is an array. */
export function checkArray(value: unknown, field: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(`${field} must be an array: ${describeValue(value)}`, {
      field,
    });
  }
}

/** @throws ERR_ANNAL_INVALID_ARGUMENT unless `value` is an integer from `min` to 2^53 − 1. */
export function checkInteger(value: unknown, field: string, min: number): asserts value is number {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= min)) {
    throw new InvalidArgumentError(
      `${field} must be an integer from ${min} to ${Number.MAX_SAFE_INTEGER}: ${describeValue(value)}`,
      { field },
    );
  }
}

/** A record index: an integer from 0. */
export function checkIndex(value: unknown, field = 'index'): asserts value is number {
  checkInteger(value, field, 0);
}

/** @throws ERR_ANNAL_INVALID_ARGUMENT unless `value` is undefined or a plain object. */
export function checkOptionsObject(value: unknown, field: string): void {
  if (
    value !== undefined &&
    (typeof value !== 'object' || value === null || Array.isArray(value))
  ) {
    throw new InvalidArgumentError(`${field} must be an object: ${describeValue(value)}`, {
      field,
    });
  }
}

/** @throws ERR_ANNAL_INVALID_ARGUMENT unless `value` is undefined or an AbortSignal. */
export function checkSignal(
  value: unknown,
  field = 'signal',
): asserts value is AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new InvalidArgumentError(`${field} must be an AbortSignal: ${describeValue(value)}`, {
      field,
    });
  }
}

/** @throws ERR_ANNAL_INVALID_ARGUMENT unless `value` is a function. */
export function checkFunction(
  value: unknown,
  field: string,
): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new InvalidArgumentError(`${field} must be a function: ${describeValue(value)}`, {
      field,
    });
  }
}
