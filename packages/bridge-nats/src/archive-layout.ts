/**
 * The archiver's record header, as the bridge reads it to label a shipped record (it never
 * changes the bytes: the whole record, header included, is the message's payload, so a copy
 * consumed back into a queue is an archive `@annal/archiver` reads).
 *
 * Every record of an archive is an `@annal/core` queue record whose payload starts with:
 *
 * ```text
 *  0      1       2        3        4                8                12               16
 *  +------+-------+--------+--------+----------------+----------------+----------------+--------…
 *  | kind | flags | format | (zero) | stream         | seconds        | nanos          | body
 *  +------+-------+--------+--------+----------------+----------------+----------------+--------…
 *   u8     u8      u8       u8       u32 LE           u32 LE           u32 LE
 *
 *  kind    1 MESSAGE, 2 STREAM, 3 SESSION, 4 END, 5 GAP
 *  flags   bit 0: direction (0 in = received, 1 out = sent); bit 1: text
 *  stream  the stream id (GAP: the count of messages dropped before it)
 *  seconds, nanos   when the archiver recorded it, Unix time, UTC
 * ```
 *
 * The authority on this layout is `@annal/archiver`'s `layout.ts`; the bridge's tests ship a
 * real archiver's recording and compare.
 *
 * @module
 */

/** Bytes of the header in front of every archive record's body. */
export const ARCHIVE_HEADER_BYTES = 16;

const KIND_OFFSET = 0;
const FLAGS_OFFSET = 1;
const STREAM_OFFSET = 4;
const SECONDS_OFFSET = 8;
const NANOS_OFFSET = 12;

const FLAG_OUT = 1;

/** The header's kind byte, as the word the bridge puts in the `Annal-Kind` header. */
const KIND_NAMES: readonly (string | undefined)[] = [
  undefined,
  'message',
  'stream',
  'session',
  'end',
  'gap',
];

/** What a shipped archive record's headers carry, read from its 16-byte header. */
export interface ArchiveLabel {
  /** `message`, `stream`, `session`, `end` or `gap`; undefined for a record too short or unknown. */
  kind: string | undefined;
  /** `in` or `out` (MESSAGE records only). */
  direction: 'in' | 'out';
  /** The stream id (GAP: messages dropped). */
  stream: number;
  /** Recorded time: whole Unix seconds. */
  seconds: number;
  /** Recorded time: nanoseconds within the second. */
  nanos: number;
}

function u32At(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

/** Reads the header at the start of `payload` into `into` (reused); false when too short. */
export function readArchiveLabel(payload: Uint8Array, into: ArchiveLabel): boolean {
  if (payload.length < ARCHIVE_HEADER_BYTES) {
    into.kind = undefined;
    return false;
  }
  into.kind = KIND_NAMES[payload[KIND_OFFSET] as number];
  into.direction = ((payload[FLAGS_OFFSET] as number) & FLAG_OUT) === 0 ? 'in' : 'out';
  into.stream = u32At(payload, STREAM_OFFSET);
  into.seconds = u32At(payload, SECONDS_OFFSET);
  into.nanos = u32At(payload, NANOS_OFFSET);
  return into.kind !== undefined;
}
