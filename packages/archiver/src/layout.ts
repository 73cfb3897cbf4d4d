/**
 * The archiver's formats, byte by byte: the header at the start of every record of an archive
 * (the same bytes in the hand-off ring and in the queue, so the worker moves a record with one
 * copy), and the shared statistics block the worker fills for the traffic thread.
 *
 * Every archive record is an `@annal/core` queue record whose payload is:
 *
 * ```text
 *  0      1       2        3        4                8                12               16
 *  +------+-------+--------+--------+----------------+----------------+----------------+--------…
 *  | kind | flags | format | (zero) | stream         | seconds        | nanos          | body
 *  +------+-------+--------+--------+----------------+----------------+----------------+--------…
 *   u8     u8      u8       u8       u32 LE           u32 LE           u32 LE
 *
 *  kind    1 MESSAGE  body = the message's bytes, exactly as sent or received
 *          2 STREAM   body = UTF-8 JSON {"name", "protocol", "description"}: declares `stream`
 *          3 SESSION  body = UTF-8 JSON {"format", "startedAt", "pid", "hostname"}: an archiver
 *                     opened the queue; stream ids declared before it mean nothing after it
 *          4 END      body empty: `stream` ended (its socket closed)
 *          5 GAP      body empty: `stream` holds the number of messages dropped just before
 *                     this record (under whenFull 'drop'), on any stream
 *  flags   bit 0: direction (0 in = received, 1 out = sent); bit 1: text (1) or binary (0)
 *  format  RECORD_FORMAT (1); a reader refuses any other value as corrupt
 *  stream  the stream id a STREAM record declared in this session (1, 2, …)
 *  seconds, nanos   when the traffic thread recorded it: Unix time, UTC (seconds < 2^32, i.e.
 *          until 2106), from a monotonic clock tied to the wall clock once per thread
 * ```
 *
 * The statistics block (a SharedArrayBuffer of {@link STATS_BYTES}) is written by the worker
 * only, as float64 cells, and read by the traffic thread with plain loads: each is a counter or
 * a time, and a reader may see one cell newer than another.
 *
 * @module
 */

/** Bytes of the header in front of every archive record's body. */
export const RECORD_HEADER_BYTES = 16;
/** The record format this version writes and reads. */
export const RECORD_FORMAT = 1;

/** Record kinds (byte 0). */
export const KIND_MESSAGE = 1;
export const KIND_STREAM = 2;
export const KIND_SESSION = 3;
export const KIND_END = 4;
export const KIND_GAP = 5;

/** Flag bits (byte 1). */
export const FLAG_OUT = 1;
export const FLAG_TEXT = 2;

const KIND_OFFSET = 0;
const FLAGS_OFFSET = 1;
const FORMAT_OFFSET = 2;
const RESERVED_OFFSET = 3;
const STREAM_OFFSET = 4;
const SECONDS_OFFSET = 8;
const NANOS_OFFSET = 12;

/** The largest stream id (a u32). */
export const MAX_STREAM_ID = 0xffff_ffff;

/** Word 0 of a header: kind, flags and format, little-endian. */
export function headerWord(kind: number, flags: number): number {
  return kind | (flags << 8) | (RECORD_FORMAT << 16);
}

/**
 * Writes a header at byte `offset` (a multiple of 4) through `words`, a Uint32Array over the
 * same memory as the bytes. Plain stores: the ring's commit publishes them.
 */
export function writeHeader(
  words: Uint32Array,
  offset: number,
  word0: number,
  stream: number,
  seconds: number,
  nanos: number,
): void {
  const at = offset >>> 2;
  words[at] = word0;
  words[at + (STREAM_OFFSET >>> 2)] = stream;
  words[at + (SECONDS_OFFSET >>> 2)] = seconds;
  words[at + (NANOS_OFFSET >>> 2)] = nanos;
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

/** The fields of a header, read from bytes at any alignment. */
export function kindAt(bytes: Uint8Array, offset: number): number {
  return bytes[offset + KIND_OFFSET] as number;
}
export function flagsAt(bytes: Uint8Array, offset: number): number {
  return bytes[offset + FLAGS_OFFSET] as number;
}
export function formatAt(bytes: Uint8Array, offset: number): number {
  return bytes[offset + FORMAT_OFFSET] as number;
}
export function reservedAt(bytes: Uint8Array, offset: number): number {
  return bytes[offset + RESERVED_OFFSET] as number;
}
export function streamAt(bytes: Uint8Array, offset: number): number {
  return u32At(bytes, offset + STREAM_OFFSET);
}
export function secondsAt(bytes: Uint8Array, offset: number): number {
  return u32At(bytes, offset + SECONDS_OFFSET);
}
export function nanosAt(bytes: Uint8Array, offset: number): number {
  return u32At(bytes, offset + NANOS_OFFSET);
}

/** Byte offsets of the header fields, for tests that damage records and for docs. */
export const HEADER_FIELDS = {
  kind: KIND_OFFSET,
  flags: FLAGS_OFFSET,
  format: FORMAT_OFFSET,
  reserved: RESERVED_OFFSET,
  stream: STREAM_OFFSET,
  seconds: SECONDS_OFFSET,
  nanos: NANOS_OFFSET,
} as const;

// The statistics block: float64 cells, written by the worker.
/** Records (of every kind) the worker has appended to the queue. */
export const STAT_ARCHIVED = 0;
/** Body bytes of the MESSAGE records among them. */
export const STAT_ARCHIVED_BYTES = 1;
/** MESSAGE records among them. */
export const STAT_ARCHIVED_MESSAGES = 2;
/** Unix ns / 1e6 (ms, fractional) at which the last appended record was recorded. */
export const STAT_LAST_ARCHIVED_RECORDED_MS = 3;
/** Record → in the queue file, of the last batch's last record, in ns. */
export const STAT_LAG_NS = 4;
/** Records covered by the last completed sync (durable against power loss). */
export const STAT_DURABLE = 5;
/** Record → synced, of the last record the last sync covered, in ns. */
export const STAT_DURABLE_LAG_NS = 6;
/** The queue index of the last record appended (-1 before the first). */
export const STAT_LAST_INDEX = 7;
/** Completed syncs. */
export const STAT_SYNCS = 8;
const STAT_CELLS = 9;
/** Bytes of the statistics block. */
export const STATS_BYTES = STAT_CELLS * Float64Array.BYTES_PER_ELEMENT;
