/**
 * The errors an append is rejected with (cold paths, kept out of the appender's file).
 *
 * @module
 */
import { CorruptError, InvalidArgumentError, TooLargeError } from '@annal/native';

/** The error for a payload `length` the appender cannot take (`max`: its maxPayloadLength). */
export function rejectLength(length: number, max: number): Error {
  if (Number.isInteger(length) && length > max) {
    return new TooLargeError(
      `record is longer than the queue allows: length=${length}, maxPayloadLength=${max}`,
      { field: 'length' },
    );
  }
  return new InvalidArgumentError(
    `length must be a non-negative integer: length=${String(length)}`,
    {
      field: 'length',
    },
  );
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
