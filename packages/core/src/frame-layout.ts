/**
 * The frame: the unit every annal core file is written in (cycle files and channel files), and
 * the only module that knows a frame's offsets. docs/format.md describes the same
 * bytes and changes in the same commit.
 *
 * Every frame starts on a multiple of 8 bytes with an 8-byte header:
 *
 * ```
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------------------------------------+-+-+
 *  |                 Length (30 bits)                            |C|S|  <- length word, stored last
 *  +-------------------------------------------------------------+-+-+
 *  |                 Check word (authenticates the frame, see below)                 |
 *  +-----------------------------------------------------------------+
 *  |                 Payload ... then zero padding to a multiple of 8 |
 * ```
 * (bit 31 is S, "skip"; bit 30 is C, "committed"; the ruler numbers bits from the least significant.)
 *
 * The check word ties the frame to its place (format version 2), so that no length word, index
 * entry or position is obeyed unchecked:
 * - a record, checksums on: CRC32C of the payload seeded with the record's sequence (a record met
 *   under another sequence, through a bad index entry or a shifted length, fails its check);
 * - a record, checksums off: {@link computeRecordTag} of its length word (as the appender wrote
 *   it: the complete flag and the payload length) and sequence;
 * - a skip frame (padding, index page, dropped claim) and the end-of-cycle frame:
 *   {@link computeSkipTag} of its length word, its data position and the sequence of the next
 *   record there (for the end of cycle, the cycle's record count; an index page k sits where the
 *   sequence is k × indexCount × indexSpacing). Any flipped bit of the length word or the tag
 *   then fails the check instead of being obeyed.
 *
 * | S | C | length word           | meaning                                                     |
 * |---|---|-----------------------|-------------------------------------------------------------|
 * | 0 | 0 | 0                     | free: nothing written here yet; readers stop                |
 * | 0 | 1 | C + payload length    | a record (payload length may be 0)                          |
 * | 1 | 1 | S + C + frame length  | skip `frame length` bytes: block-end padding or index page |
 * | 1 | 1 | S + C + 0             | end of cycle: the appender rolled; go to the next cycle     |
 * | 1 | 0 | S + frame length      | never written (reserved); readers report it as corrupt      |
 *
 * @module
 */
import { PLAIN_LOAD_ACQUIRES } from './layout-words.js';

/** Frames start on multiples of 8 bytes. */
export const FRAME_ALIGNMENT_BYTES = 8;
/** Bytes of a frame header: the length word and the checksum word. */
export const FRAME_HEADER_BYTES = 8;
/** Offset of the checksum word inside a frame header. */
export const CHECKSUM_WORD_OFFSET = 4;

/** Bit 30: the frame is committed (record, padding, index page or end of cycle). */
export const COMMITTED_FLAG = 0x40000000;
/** Bit 31: skip this frame (padding, index page, end of cycle, or a pending claim). */
export const SKIP_FLAG = -0x80000000;
/** The low 30 bits: payload length (records) or frame length (skip frames). */
export const LENGTH_MASK = 0x3fffffff;
/** Length word of a skip frame before its length is added. */
export const SKIP_FLAGS = SKIP_FLAG | COMMITTED_FLAG;
/** Length word of the end-of-cycle frame. */
export const END_OF_CYCLE_WORD = SKIP_FLAGS;

/** Bytes a record of `payloadLength` takes: header plus payload, rounded up to 8. */
export function computeFrameLength(payloadLength: number): number {
  return (payloadLength + FRAME_HEADER_BYTES + FRAME_ALIGNMENT_BYTES - 1) & ~7;
}
/** Length word of a committed record. */
export function packRecordWord(payloadLength: number): number {
  return COMMITTED_FLAG | payloadLength;
}
/** Length word of a skip frame of `frameLength` bytes (padding or index page). */
export function packSkipWord(frameLength: number): number {
  return SKIP_FLAGS | frameLength;
}
/** True for a committed record (C set, S clear: the word is positive). */
export function isRecordWord(word: number): boolean {
  return word > 0;
}
/** The 30-bit length field. */
export function unpackLength(word: number): number {
  return word & LENGTH_MASK;
}

/** Bytes of an index page frame for `indexCount` entries. */
export function computeIndexPageFrameLength(indexCount: number): number {
  return FRAME_HEADER_BYTES + 4 * indexCount;
}

/**
 * The check word of a skip frame or end-of-cycle frame: a 32-bit mix (murmur3's finaliser,
 * a bijection) of its length word, its data position and the sequence of the next record there.
 * For a fixed place, distinct length words give distinct tags, so a flipped bit of the length
 * word (or of the tag) is always detected. Pure arithmetic, no allocation.
 *
 * @param lengthWord - the frame's length word (signed 32-bit)
 * @param position - its data position in bytes (a multiple of 8, below 2^35)
 * @param sequence - records before it in the file (below 2^32)
 */
export function computeSkipTag(lengthWord: number, position: number, sequence: number): number {
  const place = mix32((position / FRAME_ALIGNMENT_BYTES) ^ Math.imul(sequence, 0x9e3779b1));
  return mix32(lengthWord ^ place ^ SKIP_TAG_SALT);
}
/**
 * The check word of a record when checksums are off: its length word and sequence, multiplied
 * through. Injective in each for the other fixed (the multipliers are odd), so a flipped bit of
 * the length word or the tag, or a record met under another sequence, always fails. Two
 * multiplications rather than a finaliser like {@link computeSkipTag}'s: it runs on every
 * record's hot path (docs/decisions/2026-12-04-core-append-hot-path.md).
 *
 * @param lengthWord - the record's length word as written (complete flag and payload length)
 * @param sequence - the record's sequence in its file (below 2^32)
 */
export function computeRecordTag(lengthWord: number, sequence: number): number {
  const tag = Math.imul(lengthWord ^ Math.imul(sequence, 0x9e3779b1), 0x85ebca6b);
  // Never 0, the word of a frame never written (see checksum.ts).
  return tag === 0 ? 1 : tag;
}
/** Keeps a tag of all-zero inputs away from zero (an unwritten check word). */
const SKIP_TAG_SALT = 0x5a17c0de;
function mix32(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
/** Length word of the index page frame for `indexCount` entries. */
export function packIndexPageWord(indexCount: number): number {
  return packSkipWord(computeIndexPageFrameLength(indexCount));
}

// ---- accessors (`words` is an Int32Array over one data block; offset is in the block) ------

/** Acquire-load of the length word of the frame at block `offset`. */
export function loadLengthWord(words: Int32Array, offset: number): number {
  return Atomics.load(words, offset >> 2);
}
/**
 * Acquire-load of the length word of the frame at block `offset`, for a reader's per-record
 * path: on x86-64 a plain load, elsewhere {@link loadLengthWord}. In Node 20's V8 `Atomics.load`
 * is a call into a builtin, about 8 ns against 1 ns for a plain load: a third of a 64-byte
 * record's read. On x86-64 loads are not reordered with earlier loads and V8 emits typed-array
 * loads in program order, so a record whose word this load saw committed has its payload and
 * check word visible to the loads after it.
 *
 * A plain load may see an older value than an atomic one would, and a compiler may reuse it
 * within one function: act only on a committed word seen this way, and read a word that says
 * "nothing yet" again with {@link loadLengthWord} (a builtin call, after which nothing is
 * reused) before concluding there is nothing.
 */
export function peekLengthWord(words: Int32Array, offset: number): number {
  return PLAIN_LOAD_ACQUIRES ? (words[offset >> 2] as number) : Atomics.load(words, offset >> 2);
}
/** Release-store of the length word of the frame at block `offset` (publishes the frame). */
export function storeLengthWord(words: Int32Array, offset: number, lengthWord: number): void {
  Atomics.store(words, offset >> 2, lengthWord);
}
/**
 * Publishes a record with a plain store of its length word, for x86-64 only. There a store is
 * ordered after every earlier store (TSO) and V8 emits typed-array stores in program order, so
 * the payload and checksum written before it are visible to whoever sees it: a release store,
 * without the full fence (`xchg`) that `Atomics.store` compiles to (its cost:
 * docs/decisions/2026-11-22-core-fenceless-publish.md). The one thing it does not order is a
 * later load (the waiter count): see `FENCELESS_PUBLISH_OFFSET` in layout.ts.
 */
export function publishLengthWordFenceless(
  words: Int32Array,
  offset: number,
  lengthWord: number,
): void {
  words[offset >> 2] = lengthWord;
}
/** Plain write of the check word of the frame at block `offset` (before the publish). */
export function setChecksumWord(words: Int32Array, offset: number, checksum: number): void {
  words[(offset + CHECKSUM_WORD_OFFSET) >> 2] = checksum;
}
/** Reads the check word of the frame at block `offset` as a signed 32-bit integer. */
export function getChecksumWord(words: Int32Array, offset: number): number {
  return words[(offset + CHECKSUM_WORD_OFFSET) >> 2] as number;
}

/** Reads entry `j` of the index page whose frame starts at block `offset`: a file offset or 0. */
export function loadIndexPageEntry(words: Int32Array, offset: number, j: number): number {
  return (Atomics.load(words, ((offset + FRAME_HEADER_BYTES) >> 2) + j) >>> 0) * 8;
}
/** Publishes entry `j` of the index page at block `offset` (file offset, a multiple of 8). */
export function storeIndexPageEntry(
  words: Int32Array,
  offset: number,
  j: number,
  fileOffset: number,
): void {
  Atomics.store(words, ((offset + FRAME_HEADER_BYTES) >> 2) + j, fileOffset / 8);
}
