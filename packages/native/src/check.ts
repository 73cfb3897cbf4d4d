/**
 * Argument checks for the wrappers: they run before any native call, so a user sees
 * our coded error naming the argument, and the addon's own checks stay a backstop.
 *
 * @module
 */
import { InvalidArgumentError } from './errors/invalid-argument-error.js';

/**
 * Throws {@link InvalidArgumentError} unless `value` is an integer in [0, 2^53 − 1].
 * @internal
 */
export function checkNonNegativeInteger(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(
      `${field} must be a non-negative safe integer: ${field}=${String(value)}`,
      {
        field,
      },
    );
  }
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is an integer in [1, 2^53 − 1].
 * @internal
 */
export function checkPositiveInteger(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      `${field} must be a positive safe integer: ${field}=${String(value)}`,
      { field },
    );
  }
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a multiple of `alignment`.
 * @internal
 */
export function checkAligned(value: number, alignment: number, field: string): void {
  if (value % alignment !== 0) {
    throw new InvalidArgumentError(
      `${field} must be a multiple of ${alignment}: ${field}=${value}`,
      { field },
    );
  }
}

/**
 * Throws {@link InvalidArgumentError} unless [offset, offset + length) lies inside `capacity`.
 * @internal
 */
export function checkRange(offset: number, length: number, capacity: number, what: string): void {
  checkNonNegativeInteger(offset, 'offset');
  checkNonNegativeInteger(length, 'length');
  if (offset + length > capacity) {
    throw new InvalidArgumentError(
      `offset + length must not exceed the ${what} length: offset=${offset}, length=${length}, ${what} length=${capacity}`,
      { field: offset > capacity ? 'offset' : 'length' },
    );
  }
}

/**
 * Throws {@link InvalidArgumentError} unless `value` is a non-empty string without NUL bytes.
 * @internal
 */
export function checkPath(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\0')) {
    throw new InvalidArgumentError(
      `${field} must be a non-empty path without NUL bytes: ${field}=${JSON.stringify(value)}`,
      {
        field,
      },
    );
  }
}
