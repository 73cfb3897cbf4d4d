/**
 * The errors an append is rejected with (cold paths, kept out of the appender's file).
 *
 * @module
 */
import { ClosedError, CorruptError, InvalidArgumentError, TooLargeError } from '@annal/native';

import { describeValue, isForeignUint8Array } from './describe-value.js';

/** The error for a payload `length` the appender cannot take (`max`: its maxPayloadBytes). */
export function rejectLength(length: unknown, max: number): Error {
  if (typeof length === 'number' && Number.isInteger(length) && length > max) {
    return new TooLargeError(
      `record is longer than the queue allows: length=${length}, maxPayloadBytes=${max}`,
      { field: 'length' },
    );
  }
  return new InvalidArgumentError(
    `length must be an integer from 0 to maxPayloadBytes (${max}): length=${typeof length === 'number' ? String(length) : describeValue(length)}`,
    { field: 'length' },
  );
}

/** The error for a payload that is not a Uint8Array (or whose buffer was detached). */
export function rejectPayload(payload: unknown, cause?: unknown): InvalidArgumentError {
  const what =
    cause === undefined
      ? `payload must be a Uint8Array (or a Buffer); strings go through appendString (UTF-8): payload=${describeValue(payload)}`
      : 'payload could not be copied (its buffer was detached or resized meanwhile)';
  return new InvalidArgumentError(`${what}; nothing was appended`, {
    field: 'payload',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The error for appendString's argument when it is not a string. */
export function rejectText(text: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    `text must be a string: text=${describeValue(text)}; nothing was appended`,
    { field: 'text' },
  );
}

/** The error for any call on a closed appender. */
export function closedAppender(): ClosedError {
  return new ClosedError('the appender is closed', { field: 'appender' });
}

/** The error for a cycle file that holds as many records as its index shape allows. */
export function cycleFull(path: string, sequence: number): TooLargeError {
  return new TooLargeError(
    `${path} holds ${sequence} records, the most its index shape allows: use a shorter roll cycle or a larger indexCount/indexSpacing`,
    { path, field: 'sequence' },
  );
}

/** The error for a file whose checked frames end with an end-of-cycle frame it is not sealed for. */
export function unsealedEnd(path: string): CorruptError {
  return new CorruptError(
    `${path}: the data ends with an end-of-cycle frame, but the header is not sealed`,
    { path, field: 'sealed' },
  );
}

/** The error for an append or claim while a claim is active. */
export function claimActive(): InvalidArgumentError {
  return new InvalidArgumentError(
    'a claim is still active: commit() or abort() it before appending again',
    { field: 'claim' },
  );
}

/** The error for a block that was allocated a moment ago and is missing now (the file was cut). */
export function blockMissing(path: string, number: number): CorruptError {
  return new CorruptError(`${path} ends before block ${number}, which was just allocated`, {
    path,
    field: 'length',
  });
}

/**
 * `JSON.stringify(value)`, refusing what has no JSON text (undefined, a function, a symbol) or
 * cannot be serialised (a cycle, a BigInt) with a coded error.
 */
export function jsonOf(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value) as string | undefined;
  } catch (error) {
    throw new InvalidArgumentError(
      `value cannot be serialised as JSON: ${(error as Error).message}`,
      { field: 'value', cause: error },
    );
  }
  if (text === undefined) {
    throw new InvalidArgumentError(`value has no JSON form: value=${describeValue(value)}`, {
      field: 'value',
    });
  }
  return text;
}

/**
 * For a payload that is not a Uint8Array of this realm: returns for one of another realm (a
 * `vm` context), else throws the payload error. Out of line: the hot path only tests instanceof.
 */
export function refuseUnlessBytes(payload: unknown): void {
  if (!isForeignUint8Array(payload)) throw rejectPayload(payload);
}
