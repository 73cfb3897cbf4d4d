/**
 * Checks of what callers pass to public methods (cold paths: each runs once per call of a
 * method that is not per record, or only after a cheap test failed). Every refusal is an
 * ERR_ANNAL_INVALID_ARGUMENT naming the argument.
 *
 * @module
 */
import { InvalidArgumentError, InvalidOptionError } from '@annal/native';

import { describeValue } from './describe-value.js';

/** The error for an argument that must be a function. */
export function notAFunction(field: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`${field} must be a function: ${field}=${describeValue(value)}`, {
    field,
  });
}

/** Throws unless `value` is a positive safe integer (a count such as `limit`). */
export function checkCount(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(
      `${field} must be a positive integer or Infinity: ${field}=${typeof value === 'number' ? String(value) : describeValue(value)}`,
      { field },
    );
  }
}

/** Throws unless `value` is undefined or a plain options object; returns it as one. */
export function checkOptionsObject(value: unknown, field = 'options'): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${field} must be an object: ${field}=${describeValue(value)}`, {
      field,
    });
  }
  return value as Record<string, unknown>;
}

/** Throws unless `signal` is undefined or an AbortSignal. */
export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new InvalidArgumentError(`signal must be an AbortSignal: signal=${describeValue(signal)}`, {
    field: 'signal',
  });
}

/** The checked `{ signal }` of a `follow()`. */
export function checkFollowOptions(options: unknown): AbortSignal | undefined {
  return checkSignal(checkOptionsObject(options)['signal']);
}

/** The checked `{ timeoutMs, signal }` of `waitNext` (`withSignal`) or `waitNextSync`. */
export function checkWaitOptions(
  options: unknown,
  withSignal: boolean,
): { timeoutMs: number; signal: AbortSignal | undefined } {
  const record = checkOptionsObject(options);
  const timeoutMs = record['timeoutMs'] === undefined ? Infinity : record['timeoutMs'];
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new InvalidArgumentError(
      `timeoutMs must be a number of milliseconds ≥ 0 (or Infinity): timeoutMs=${typeof timeoutMs === 'number' ? String(timeoutMs) : describeValue(timeoutMs)}`,
      { field: 'timeoutMs' },
    );
  }
  if (!withSignal && record['signal'] !== undefined) {
    throw new InvalidArgumentError(
      'waitNextSync takes no signal (it blocks the thread): use waitNext for an abortable wait',
      { field: 'signal' },
    );
  }
  return { timeoutMs, signal: checkSignal(record['signal']) };
}

/** Throws ERR_ANNAL_INVALID_OPTION for a key of `options` that is not in `allowed` (a typo). */
export function checkKnownKeys(
  options: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new InvalidOptionError(
        `${where}: unknown option ${JSON.stringify(key)}; the options are ${allowed.join(', ')}`,
        { field: key },
      );
    }
  }
}
