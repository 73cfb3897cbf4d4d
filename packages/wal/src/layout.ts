/**
 * Every byte of the write-ahead log's files, in one place: no other module writes an offset
 * literal (docs/format.md says the same in prose and changes in the same commit). All integers
 * are little-endian.
 *
 * ```
 *  <directory>/                             the directory given to Wal.open (owned by one process)
 *    wal.lock                               OFD lock of the process that owns it
 *    topics/<topic>/                        topic names %XX-encoded (names.ts)
 *      00000000000000000000.wseg            segments, named by the index of their first record
 *      00000000000000412345.wseg
 *      readers.wrd                          named readers' indexes (fixed slots, mapped)
 *      cut/<UTC time>-<file name>           what recovery cut, kept (cut-copies.ts)
 *
 *  segment (segmentBytes, preallocated)
 *  +----------------------------------------------------------------------------------+
 *  | header, 4096 bytes                                                               |
 *  |   0 u32 magic "ANLW"   4 u32 version   8 u32 headerBytes   12 u32 previousEnd    |
 *  |  16 f64 segmentBytes  24 f64 firstIndex   32 f64 createdMs  40 u32 crc32c(0..40) |
 *  +----------------------------------------------------------------------------------+
 *  | frame | frame | ... | zeros (never written yet)                                  |
 *  +----------------------------------------------------------------------------------+
 *
 *  previousEnd: byte position of the end frame of the segment before this one (whose next
 *  index is this segment's firstIndex), or 0 for a topic's first segment. Opening a topic
 *  checks that frame is there: the old segment's tail and the new segment reach the disk
 *  separately, and a power loss between them must not leave a hole that looks like a log.
 *
 *  frame (starts at a multiple of 8)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------+-------------------------------------------------------+
 *  | kind  |              payload length (< 2^28)                  |  0  0 = no frame here
 *  +-------+-------------------------------------------------------+
 *  |     crc32c of the payload, seeded with frameSeed(kind, index) |  4
 *  +---------------------------------------------------------------+
 *  |  payload, then zeros to the next multiple of 8               ...  8
 *  +---------------------------------------------------------------+
 *
 *  kinds (each code has two bits set, and any two differ in two bits: one flipped bit can neither
 *  turn a frame's word into 0 — "nothing here", which would silently end the log — nor one kind
 *  into another)
 *    3 record          one record; takes the next index
 *    5 batch member    a record of a batch; takes the next index, visible only once its
 *                      batch's commit frame follows (recovery drops members without one)
 *    6 batch commit    payload: u32 number of members just before it; takes no index
 *    9 end             the writer rolled to the next segment; nothing follows
 * ```
 *
 * The length word is written last (after the payload and checksum), and a frame never crosses
 * the end of its segment.
 *
 * @module
 */
import {
  POSITION_TABLE_SLOT_NAME,
  POSITION_TABLE_SLOTS_OFFSET,
  positionTableSlotStart,
} from '@annal/native/internal';

// ---- segment header ------------------------------------------------------------------------

/** "ANLW" read as a little-endian u32. */
export const SEGMENT_MAGIC = 0x574c4e41;
/** The format version this build reads and writes (files of any other are refused). */
export const SEGMENT_VERSION = 2;
/** Bytes before the first frame. */
export const SEGMENT_HEADER_BYTES = 4096;

/** u32: {@link SEGMENT_MAGIC}. */
export const MAGIC_OFFSET = 0;
/** u32: {@link SEGMENT_VERSION}. */
export const VERSION_OFFSET = MAGIC_OFFSET + 4;
/** u32: {@link SEGMENT_HEADER_BYTES}. */
export const HEADER_BYTES_OFFSET = VERSION_OFFSET + 4;
/** u32: position of the previous segment's end frame (0: none). */
export const PREVIOUS_END_OFFSET = HEADER_BYTES_OFFSET + 4;
/** f64: bytes of the file. */
export const SEGMENT_BYTES_OFFSET = PREVIOUS_END_OFFSET + 4;
/** f64: index of the segment's first record. */
export const FIRST_INDEX_OFFSET = SEGMENT_BYTES_OFFSET + 8;
/** f64: Unix ms when the segment was created. */
export const CREATED_MS_OFFSET = FIRST_INDEX_OFFSET + 8;
/** Bytes of the header covered by its checksum (the checksum sits right after them). */
export const SEGMENT_HEADER_CHECKED_BYTES = CREATED_MS_OFFSET + 8;
/** u32: crc32c of the header's first {@link SEGMENT_HEADER_CHECKED_BYTES} bytes. */
export const HEADER_CRC_OFFSET = SEGMENT_HEADER_CHECKED_BYTES;
/** Bytes of the header that mean something (the rest, to {@link SEGMENT_HEADER_BYTES}, is zeros). */
export const SEGMENT_HEADER_USED_BYTES = HEADER_CRC_OFFSET + 4;

/** Directory of a topic where recovery keeps what it cut (cut-copies.ts). */
export const CUT_DIRECTORY = 'cut';

/** Segment file names: the first record's index, zero-padded so that names sort. */
export const SEGMENT_EXTENSION = '.wseg';
const SEGMENT_NAME_DIGITS = 20;

export function segmentFileName(firstIndex: number): string {
  return `${String(firstIndex).padStart(SEGMENT_NAME_DIGITS, '0')}${SEGMENT_EXTENSION}`;
}

/** The first index a segment file name stands for, or undefined for any other file. */
export function parseSegmentFileName(name: string): number | undefined {
  if (name.length !== SEGMENT_NAME_DIGITS + SEGMENT_EXTENSION.length) return undefined;
  if (!name.endsWith(SEGMENT_EXTENSION)) return undefined;
  const digits = name.slice(0, SEGMENT_NAME_DIGITS);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}

// ---- frames --------------------------------------------------------------------------------

/** u32: kind << KIND_SHIFT | payload length; stored last (0 until the frame is whole). */
export const FRAME_WORD_OFFSET = 0;
/** u32 (stored as i32): crc32c of the payload, seeded with {@link frameSeed}. */
export const FRAME_CHECKSUM_OFFSET = FRAME_WORD_OFFSET + 4;
/** Bytes before a frame's payload. */
export const FRAME_HEADER_BYTES = FRAME_CHECKSUM_OFFSET + 4;
/** Frames start at multiples of this many bytes. */
export const FRAME_ALIGNMENT = 8;
export const KIND_SHIFT = 28;
export const LENGTH_MASK = (1 << KIND_SHIFT) - 1;

export const KIND_RECORD = 3;
export const KIND_BATCH_MEMBER = 5;
export const KIND_BATCH_COMMIT = 6;
export const KIND_END = 9;

/** True for the four kind codes above (any other value of a word's kind bits is damage). */
export function isKnownKind(kind: number): boolean {
  return (
    kind === KIND_RECORD ||
    kind === KIND_BATCH_MEMBER ||
    kind === KIND_BATCH_COMMIT ||
    kind === KIND_END
  );
}

/** Within a batch commit frame's payload: u32 number of members just before it. */
export const BATCH_COMMIT_COUNT_OFFSET = 0;
/** Payload of a batch commit frame: the member count. */
export const BATCH_COMMIT_PAYLOAD_BYTES = BATCH_COMMIT_COUNT_OFFSET + 4;

/** Bytes a frame of `payloadLength` takes, header and alignment included. */
export function frameBytes(payloadLength: number): number {
  return (payloadLength + FRAME_HEADER_BYTES + FRAME_ALIGNMENT - 1) & ~(FRAME_ALIGNMENT - 1);
}

export function packWord(kind: number, payloadLength: number): number {
  return ((kind << KIND_SHIFT) | payloadLength) >>> 0;
}

export function kindOf(word: number): number {
  return word >>> KIND_SHIFT;
}

export function lengthOf(word: number): number {
  return word & LENGTH_MASK;
}

/** Index into an Int32Array over a frame buffer of the length word of the frame at `position`. */
export function frameWordIndex(position: number): number {
  return (position + FRAME_WORD_OFFSET) >> 2;
}

/** Index into an Int32Array over a frame buffer of the checksum of the frame at `position`. */
export function frameChecksumIndex(position: number): number {
  return (position + FRAME_CHECKSUM_OFFSET) >> 2;
}

/**
 * The seed of a frame's checksum: mixes in its kind and its record index, so a frame copied to
 * another place, or whose kind bits flipped, fails its check even when its payload is intact.
 */
export function frameSeed(kind: number, index: number): number {
  const low = index >>> 0;
  const high = Math.floor(index / 2 ** 32) >>> 0;
  return (low ^ Math.imul(high, 0x9e3779b1) ^ (kind << KIND_SHIFT)) >>> 0;
}

// ---- readers table -------------------------------------------------------------------------
//
//  readers.wrd (65,536 bytes): a position table of @annal/native/internal (its byte diagram is
//  in native's position-table-layout.ts), whose positions are the indexes of the next record
//  each named reader reads.
//    0 u32 magic "ANLR"   4 u32 version (1)   8 u32 slotBytes (128)   12 u32 slots (511)
//    slot k at 128 × (k + 1): u32 name length, u32 name crc32c, copy A and copy B (each u32
//    sequence, u32 crc32c, f64 index), then the name (at most 88 bytes)

/** "ANLR" read as a little-endian u32. */
export const READERS_MAGIC = 0x524c4e41;
export const READERS_VERSION = 1;
export const READERS_FILE = 'readers.wrd';
export const READERS_FILE_BYTES = 65_536;
export const READER_SLOT_BYTES = 128;
/** Most named readers one topic can have (slots are never freed). */
export const MAX_READERS_PER_TOPIC = READERS_FILE_BYTES / READER_SLOT_BYTES - 1;
/** Most UTF-8 bytes in a named reader's name (a slot less its 40 bytes of length, checksum and copies). */
export const MAX_READER_NAME_BYTES = READER_SLOT_BYTES - 40;
/** Bytes of the table's header that mean something (the rest, up to slot 0, is zeros). */
export const READERS_HEADER_USED_BYTES = POSITION_TABLE_SLOTS_OFFSET + 4;
/** Within a slot: the name's UTF-8 bytes. */
export const SLOT_NAME = POSITION_TABLE_SLOT_NAME;

/** Byte offset of slot `slot` of readers.wrd. */
export function slotStart(slot: number): number {
  return positionTableSlotStart(READER_SLOT_BYTES, slot);
}

// ---- events --------------------------------------------------------------------------------
//
//  One event (wal.events(topic, partition)) is one record of its partition's sub-log, so it is
//  framed, checksummed and made durable as any record is. Integers little-endian; the id in the
//  byte order of its string (RFC 9562).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +---------------+---------------+-------------------------------+
//  |  version (1)  |   data kind   |       header count (H)        |   0
//  +---------------+---------------+-------------------------------+
//  |                        data length (D)                        |   4
//  +---------------------------------------------------------------+
//  |                                                               |   8
//  +                 timestamp (f64, Unix ms)                      +
//  |                                                               |
//  +---------------------------------------------------------------+
//  |                                                               |  16
//  +                                                               +
//  |                   id (16 bytes, a UUID)                       |
//  +                                                               +
//  |                                                               |
//  +-------------------------------+-------------------------------+
//  |        type length (T)        |  type, T bytes of UTF-8      ...  32
//  +-------------------------------+-------------------------------+
//  |  H headers, each: u16 key length K, K bytes of key (UTF-8),  ...
//  |                   u32 value length V, V bytes of value (UTF-8)
//  +---------------------------------------------------------------+
//  |  data, D bytes: JSON text (UTF-8), text (UTF-8) or raw bytes ...
//  +---------------------------------------------------------------+
//
//  The record ends exactly where the data ends; a decoder rejects anything else.

/** Version of the event encoding, byte 0 of every event. */
export const EVENT_VERSION = 1;

/** u8: {@link EVENT_VERSION}. */
export const EVENT_VERSION_OFFSET = 0;
/** u8: EVENT_DATA_JSON, EVENT_DATA_TEXT or EVENT_DATA_BYTES. */
export const EVENT_DATA_KIND_OFFSET = EVENT_VERSION_OFFSET + 1;
/** u16 LE: number of headers (at most EVENT_HEADERS_MAX). */
export const EVENT_HEADER_COUNT_OFFSET = EVENT_DATA_KIND_OFFSET + 1;
/** u32 LE: bytes of data at the end of the record. */
export const EVENT_DATA_LENGTH_OFFSET = EVENT_HEADER_COUNT_OFFSET + 2;
/** f64 LE: the event's timestamp, Unix ms (finite). */
export const EVENT_TIMESTAMP_OFFSET = EVENT_DATA_LENGTH_OFFSET + 4;
/** 16 bytes: the event id, a UUID in the byte order of its string. */
export const EVENT_ID_OFFSET = EVENT_TIMESTAMP_OFFSET + 8;
/** Bytes of the id. */
export const EVENT_ID_BYTES = 16;
/** u16 LE: UTF-8 bytes of the type (1 to EVENT_TYPE_MAX_BYTES). */
export const EVENT_TYPE_LENGTH_OFFSET = EVENT_ID_OFFSET + EVENT_ID_BYTES;
/** The type's UTF-8 bytes; the headers follow them, then the data. */
export const EVENT_TYPE_OFFSET = EVENT_TYPE_LENGTH_OFFSET + 2;
/** Bytes of an event before its type: the smallest event is this plus a 1-byte type. */
export const EVENT_FIXED_BYTES = EVENT_TYPE_OFFSET;

/** Width of a header's key length (u16 LE), before the key. */
export const EVENT_HEADER_KEY_LENGTH_BYTES = 2;
/** Width of a header's value length (u32 LE), before the value. */
export const EVENT_HEADER_VALUE_LENGTH_BYTES = 4;

/** Data kind: JSON text (`{ json }`), UTF-8. */
export const EVENT_DATA_JSON = 1;
/** Data kind: a string (`{ text }`), UTF-8. */
export const EVENT_DATA_TEXT = 2;
/** Data kind: raw bytes (`{ bytes }`). */
export const EVENT_DATA_BYTES = 3;

/** Most UTF-8 bytes in an event type (at least 1). */
export const EVENT_TYPE_MAX_BYTES = 255;
/** Most headers on one event. */
export const EVENT_HEADERS_MAX = 256;
/** Most UTF-8 bytes in a header key (at least 1). Values are bounded only by the record. */
export const EVENT_HEADER_KEY_MAX_BYTES = 255;
