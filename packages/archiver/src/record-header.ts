/**
 * Reading the 16-byte header at the start of an archive record's payload (layout.ts has its
 * bytes), for tools that read an archive's queue directly with `@annal/core` (or ship it, as
 * `@annal/bridge-nats` does) instead of through {@link openRecording}.
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

import type { Direction } from './archive-stream.js';
import {
  FLAG_OUT,
  FLAG_TEXT,
  KIND_SESSION,
  RECORD_FORMAT,
  RECORD_HEADER_BYTES,
  flagsAt,
  formatAt,
  kindAt,
  nanosAt,
  secondsAt,
  streamAt,
} from './layout.js';

/** What an archive record is: `'message'`, or one of the records around the messages. */
export type RecordKind = 'message' | 'stream' | 'session' | 'end' | 'gap';

/** Kind byte → name (index 0 and values past 5 are not kinds). */
const KIND_NAMES: readonly (RecordKind | undefined)[] = [
  undefined,
  'message',
  'stream',
  'session',
  'end',
  'gap',
];

/** The header of one archive record, as {@link readRecordHeader} reads it (reusable). */
export interface RecordHeader {
  /** What the record is. */
  kind: RecordKind;
  /** `'in'` (received) or `'out'` (sent); meaningful for `'message'` records. */
  direction: Direction;
  /** A text message (WebSocket text frame, FIX); meaningful for `'message'` records. */
  text: boolean;
  /**
   * The stream id, declared by a `'stream'` record of the same session; for a `'gap'` record,
   * the number of messages dropped just before it.
   */
  stream: number;
  /** Recorded time: whole Unix seconds (UTC). */
  seconds: number;
  /** Recorded time: nanoseconds within the second. */
  nanos: number;
}

/**
 * Reads the header of the archive record whose payload is `bytes[offset … offset + length)`
 * into `into` (a new object when not given; pass one to read many records with no allocation).
 * The message's own bytes start at `offset + RECORD_HEADER_BYTES`.
 *
 * @returns the header, or undefined when the payload is not an archive record of this format
 *   (shorter than {@link RECORD_HEADER_BYTES}, a format byte other than {@link RECORD_FORMAT},
 *   an unknown kind)
 * @throws ERR_ANNAL_INVALID_ARGUMENT (`bytes`, `offset`, `length`) when `bytes` is not a
 *   Uint8Array or the range is not whole bytes inside it
 */
export function readRecordHeader(
  bytes: Uint8Array,
  offset: number,
  length: number,
  into?: RecordHeader,
): RecordHeader | undefined {
  checkRange('readRecordHeader', bytes, offset, length);
  if (length < RECORD_HEADER_BYTES || formatAt(bytes, offset) !== RECORD_FORMAT) return undefined;
  const kind = KIND_NAMES[kindAt(bytes, offset)];
  if (kind === undefined) return undefined;
  const flags = flagsAt(bytes, offset);
  const direction: Direction = (flags & FLAG_OUT) === 0 ? 'in' : 'out';
  const text = (flags & FLAG_TEXT) !== 0;
  const stream = streamAt(bytes, offset);
  const seconds = secondsAt(bytes, offset);
  const nanos = nanosAt(bytes, offset);
  if (into === undefined) return { kind, direction, text, stream, seconds, nanos };
  into.kind = kind;
  into.direction = direction;
  into.text = text;
  into.stream = stream;
  into.seconds = seconds;
  into.nanos = nanos;
  return into;
}

/**
 * Whether `bytes[offset … offset + length)` (a queue record's payload) is the SESSION record an
 * archiver writes first in its queue: how a tool tells an archive from another `@annal/core`
 * queue by reading its first record only.
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT (`bytes`, `offset`, `length`) as {@link readRecordHeader}
 */
export function isArchiveStart(bytes: Uint8Array, offset: number, length: number): boolean {
  checkRange('isArchiveStart', bytes, offset, length);
  return (
    length >= RECORD_HEADER_BYTES &&
    kindAt(bytes, offset) === KIND_SESSION &&
    formatAt(bytes, offset) === RECORD_FORMAT
  );
}

/** Refuses what is not a range of whole bytes inside `bytes`, naming the argument. */
function checkRange(where: string, bytes: unknown, offset: number, length: number): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `${where}: bytes must be a Uint8Array (a record's buffer), got ${bytes === null ? 'null' : typeof bytes}`,
      { field: 'bytes' },
    );
  }
  if (!(Number.isInteger(offset) && offset >= 0 && offset <= bytes.length)) {
    throw new InvalidArgumentError(
      `${where}: offset must be an integer from 0 to ${bytes.length}, got ${String(offset)}`,
      { field: 'offset' },
    );
  }
  if (!(Number.isInteger(length) && length >= 0 && offset + length <= bytes.length)) {
    throw new InvalidArgumentError(
      `${where}: length must be an integer from 0 to ${bytes.length - offset} (the bytes after offset ${offset}), got ${String(length)}`,
      { field: 'length' },
    );
  }
}
