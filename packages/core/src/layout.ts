/**
 * The byte layout of a queue's cycle file: the only module that knows offsets (STYLE R6).
 * docs/format.md describes the same bytes and changes in the same commit.
 *
 * A queue is a directory of cycle files, one per roll cycle, named by the cycle's UTC start
 * (`20261122T000000Z.annalq`), so names sort in time order. A cycle file is a header region
 * (whole pages), then a data area cut into blocks of `blockBytes` bytes. Every integer is
 * little-endian; 32-bit words are read through an Int32Array, 64-bit floats through a
 * Float64Array (epoch and creation time, exact integers of milliseconds).
 *
 * ```
 *  file offset 0  +--------------------------------------------------------------------+
 *                 | line 0: configuration, written once before the file becomes visible  |
 *                 |   magic "ANLQ", version, headerBytes, blockBytes, cycleLengthMs, cycle,|
 *                 |   epochMs (f64), indexCount, indexSpacing, sequenceBits, flags,      |
 *                 |   createdAtMs (f64), maxPayloadBytes, headerChecksum               |
 *  64             +--------------------------------------------------------------------+
 *                 | line 1: appender state (readers never trust it for the end)          |
 *                 |   writePosition (8-byte units), records, sealed, append lock, handoff|
 *  128            +--------------------------------------------------------------------+
 *                 | line 2: tailing: commit counter (a futex word), waiter count         |
 *  192            +--------------------------------------------------------------------+
 *                 | reserved (zero)                                                      |
 *  256            +--------------------------------------------------------------------+
 *                 | first-level index: indexCount u32 entries; entry k = file offset / 8 |
 *                 |   of index page k (0 = not created yet)                              |
 *  headerBytes    +--------------------------------------------------------------------+
 *                 | data block 0 (blockBytes bytes) | block 1 | ... (preallocated)        |
 *                 +--------------------------------------------------------------------+
 * ```
 *
 * headerBytes = 256 + 4 × indexCount, rounded up to a multiple of 4096 (20480 for the default
 * indexCount 4096). Data positions are byte offsets from headerBytes; block `b` holds positions
 * `[b × blockBytes, (b + 1) × blockBytes)`, and a frame never straddles two blocks.
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
 * (bit 31 is S, "skip"; bit 30 is C, "complete"; the ruler numbers bits from the least significant.)
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
 * Shared appenders (several at once, in any threads and processes) take the append lock word
 * of line 1 by CAS before writing a frame and release it after publishing it, updating
 * writePosition and records on the way: between live shared appenders those two words are the
 * end of the data. An exclusive appender never touches the lock word and keeps them advisory.
 *
 * An index page is a skip frame whose payload is `indexCount` u32 entries: entry j of page k is
 * the file offset / 8 of the record with sequence `(k × indexCount + j) × indexSpacing` (0 = not
 * written yet). Readers skip it like padding, so sequences count records only.
 *
 * @module
 */

/** Bytes in one cache line: appender and reader words never share one (R8). */
export const CACHE_LINE_BYTES = 64;
/** Bytes in a page of the header region; headerBytes is a multiple of it. */
export const HEADER_PAGE_BYTES = 4096;

/** "ANLQ" read as a little-endian u32: the first word of every cycle file. */
export const CYCLE_FILE_MAGIC = 0x514c4e41;
/** Version of this layout; open refuses any other (2: frames carry a check word, ADR 2026-12-04). */
export const FORMAT_VERSION = 2;
/** File name extension of cycle files. */
export const CYCLE_FILE_EXTENSION = '.annalq';

/** Flag bit: payload checksums are CRC32C (else the checksum word is 0). */
export const FLAG_CHECKSUM_CRC32C = 1;

// ---- line 0: configuration ---------------------------------------------------------------
/** u32 magic ({@link CYCLE_FILE_MAGIC}). */
export const MAGIC_OFFSET = 0;
/** u32 layout version ({@link FORMAT_VERSION}). */
export const VERSION_OFFSET = 4;
/** u32 bytes before the data area (a multiple of {@link HEADER_PAGE_BYTES}). */
export const HEADER_BYTES_OFFSET = 8;
/** u32 bytes per data block (a power of two). */
export const BLOCK_BYTES_OFFSET = 12;
/** u32 length of the roll cycle in milliseconds. */
export const CYCLE_LENGTH_MS_OFFSET = 16;
/** u32 cycle number of this file. */
export const CYCLE_OFFSET = 20;
/** f64 epoch in Unix milliseconds: cycle 0 starts here. */
export const EPOCH_MS_OFFSET = 24;
/** u32 entries per index page and in the first-level index (a power of two). */
export const INDEX_COUNT_OFFSET = 32;
/** u32 records per index entry (a power of two). */
export const INDEX_SPACING_OFFSET = 36;
/** u32 bits of the sequence in a queue index. */
export const SEQUENCE_BITS_OFFSET = 40;
/** u32 flags ({@link FLAG_CHECKSUM_CRC32C}). */
export const FLAGS_OFFSET = 44;
/** f64 Unix milliseconds when the file was created. */
export const CREATED_AT_MS_OFFSET = 48;
/** u32 largest payload a record of this file may have. */
export const MAX_PAYLOAD_BYTES_OFFSET = 56;

/** Bytes of line 0 covered by the header checksum (everything before the checksum word). */
export const CONFIGURATION_BYTES = 60;
/** u32 CRC32C of bytes [0, 60): a torn or flipped configuration is detected. */
export const HEADER_CHECKSUM_OFFSET = 60;

// ---- line 1: appender state (advisory) -----------------------------------------------------
/** u32 end of the last committed frame, in 8-byte units of data position. Advisory. */
export const WRITE_POSITION_OFFSET = CACHE_LINE_BYTES;
/** u32 records committed (mod 2^32). Advisory. */
export const RECORD_COUNT_OFFSET = WRITE_POSITION_OFFSET + 4;
/** i32 1 once an end-of-cycle frame was written. */
export const SEALED_OFFSET = RECORD_COUNT_OFFSET + 4;
/**
 * i32 append lock of shared appenders: 0 free, else the holder's lock value (its slot, whose byte
 * of `appender.lock` is OFD-locked while it lives, and its generation; see
 * appender-membership.ts). Never used by an exclusive appender.
 */
export const APPEND_LOCK_OFFSET = SEALED_OFFSET + 4;
/**
 * i32 hand-off request of shared appenders: 0, or the lock value of an appender that has waited
 * for the append lock past its spinning phase. The releasing holder takes the request (CAS to 0)
 * and stores its value in the lock instead of 0 (and wakes it), so a busy appender that takes
 * the lock again at once cannot starve others.
 */
export const APPEND_HANDOFF_OFFSET = APPEND_LOCK_OFFSET + 4;

// ---- line 2: tailing -----------------------------------------------------------------------
/** i32 commit counter: bumped (and futex-woken) after a commit when someone waits. */
export const COMMIT_COUNTER_OFFSET = 2 * CACHE_LINE_BYTES;
/** i32 number of readers waiting on the commit counter. */
export const WAITER_COUNT_OFFSET = COMMIT_COUNTER_OFFSET + 4;
/**
 * i32 1 once an appender of this file publishes records without a fence (x86-64 with
 * membarrier; see {@link publishLengthWordFenceless}), else 0. A reader that registers as a
 * waiter must then call membarrier() before its re-check: the appender's load of the waiter
 * count may otherwise pass its publishing store, and each would miss the other.
 */
export const FENCELESS_PUBLISH_OFFSET = WAITER_COUNT_OFFSET + 4;

// ---- first-level index ---------------------------------------------------------------------
/** Offset of the first-level index (indexCount u32 entries). */
export const FIRST_LEVEL_INDEX_OFFSET = 4 * CACHE_LINE_BYTES;

/** Bytes of the header region for `indexCount` entries. */
export function computeHeaderBytes(indexCount: number): number {
  const raw = FIRST_LEVEL_INDEX_OFFSET + 4 * indexCount;
  return Math.ceil(raw / HEADER_PAGE_BYTES) * HEADER_PAGE_BYTES;
}

// ---- frames --------------------------------------------------------------------------------
/** Frames start on multiples of 8 bytes. */
export const FRAME_ALIGNMENT_BYTES = 8;
/** Bytes of a frame header: the length word and the checksum word. */
export const FRAME_HEADER_BYTES = 8;
/** Offset of the checksum word inside a frame header. */
export const CHECKSUM_WORD_OFFSET = 4;

/** Bit 30: the frame is complete (record, padding, index page or end of cycle). */
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
 * the length word or the tag, or a record met under another sequence, always fails; two
 * multiplications, on every record's hot path (a finaliser like {@link computeSkipTag}'s cost a
 * measured 10–15 ns more per 64-byte append).
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

// ---- header accessors ----------------------------------------------------------------------
// `header` is an Int32Array over the header region; `header64` a Float64Array over the same.

/** Word index of the byte offset. */
function word(offset: number): number {
  return offset >> 2;
}

/** What a cycle file's configuration line says. */
export interface CycleFileConfiguration {
  readonly headerBytes: number;
  readonly blockBytes: number;
  readonly cycleLengthMs: number;
  readonly cycle: number;
  readonly epochMs: number;
  readonly indexCount: number;
  readonly indexSpacing: number;
  readonly sequenceBits: number;
  readonly checksums: boolean;
  readonly maxPayloadBytes: number;
  readonly createdAtMs: number;
}

/** Writes line 0 of a new file (before it becomes visible, so plain writes suffice). */
export function writeConfiguration(
  header: Int32Array,
  header64: Float64Array,
  configuration: CycleFileConfiguration,
): void {
  header[word(MAGIC_OFFSET)] = CYCLE_FILE_MAGIC;
  header[word(VERSION_OFFSET)] = FORMAT_VERSION;
  header[word(HEADER_BYTES_OFFSET)] = configuration.headerBytes;
  header[word(BLOCK_BYTES_OFFSET)] = configuration.blockBytes;
  header[word(CYCLE_LENGTH_MS_OFFSET)] = configuration.cycleLengthMs;
  header[word(CYCLE_OFFSET)] = configuration.cycle;
  header64[EPOCH_MS_OFFSET >> 3] = configuration.epochMs;
  header[word(INDEX_COUNT_OFFSET)] = configuration.indexCount;
  header[word(INDEX_SPACING_OFFSET)] = configuration.indexSpacing;
  header[word(SEQUENCE_BITS_OFFSET)] = configuration.sequenceBits;
  header[word(FLAGS_OFFSET)] = configuration.checksums ? FLAG_CHECKSUM_CRC32C : 0;
  header[word(MAX_PAYLOAD_BYTES_OFFSET)] = configuration.maxPayloadBytes;
  header64[CREATED_AT_MS_OFFSET >> 3] = configuration.createdAtMs;
}

/** Stores the header checksum (computed over bytes [0, {@link CONFIGURATION_BYTES})). */
export function setHeaderChecksum(header: Int32Array, checksum: number): void {
  header[word(HEADER_CHECKSUM_OFFSET)] = checksum;
}

/** Reads the header checksum as an unsigned number. */
export function getHeaderChecksum(header: Int32Array): number {
  return (header[word(HEADER_CHECKSUM_OFFSET)] as number) >>> 0;
}

/** Reads the magic word as an unsigned number. */
export function getMagic(header: Int32Array): number {
  return (header[word(MAGIC_OFFSET)] as number) >>> 0;
}
/** Reads the version word. */
export function getVersion(header: Int32Array): number {
  return header[word(VERSION_OFFSET)] as number;
}

/** Reads line 0 (validated by the caller). */
export function readConfiguration(
  header: Int32Array,
  header64: Float64Array,
): CycleFileConfiguration {
  const u32 = (offset: number): number => (header[word(offset)] as number) >>> 0;
  return {
    headerBytes: u32(HEADER_BYTES_OFFSET),
    blockBytes: u32(BLOCK_BYTES_OFFSET),
    cycleLengthMs: u32(CYCLE_LENGTH_MS_OFFSET),
    cycle: u32(CYCLE_OFFSET),
    epochMs: header64[EPOCH_MS_OFFSET >> 3] as number,
    indexCount: u32(INDEX_COUNT_OFFSET),
    indexSpacing: u32(INDEX_SPACING_OFFSET),
    sequenceBits: u32(SEQUENCE_BITS_OFFSET),
    checksums: (u32(FLAGS_OFFSET) & FLAG_CHECKSUM_CRC32C) !== 0,
    maxPayloadBytes: u32(MAX_PAYLOAD_BYTES_OFFSET),
    createdAtMs: header64[CREATED_AT_MS_OFFSET >> 3] as number,
  };
}

/** Stores the advisory end of the committed data (bytes, a multiple of 8). */
export function storeWritePosition(header: Int32Array, position: number): void {
  Atomics.store(header, word(WRITE_POSITION_OFFSET), position / 8);
}
/** Stores the advisory record count. */
export function storeRecordCount(header: Int32Array, count: number): void {
  Atomics.store(header, word(RECORD_COUNT_OFFSET), count | 0);
}
/** Marks the file sealed (after its end-of-cycle frame is published). */
export function storeSealed(header: Int32Array): void {
  Atomics.store(header, word(SEALED_OFFSET), 1);
}
/**
 * The advisory end of the data in bytes, for a reader's consistency check (an atomic read; it
 * may lag the frames, never lead them, in an undamaged file).
 */
export function loadWritePosition(header: Int32Array): number {
  return (Atomics.load(header, word(WRITE_POSITION_OFFSET)) >>> 0) * 8;
}
/** The advisory record count, for a reader's consistency check (an atomic read; may lag). */
export function loadRecordCount(header: Int32Array): number {
  return Atomics.load(header, word(RECORD_COUNT_OFFSET)) >>> 0;
}
/** Clears the sealed flag: an appender whose verified scan found no end-of-cycle frame. */
export function clearSealed(header: Int32Array): void {
  Atomics.store(header, word(SEALED_OFFSET), 0);
}
/** 1 once the file is sealed, else 0 (an atomic read, for appenders not holding the lock). */
export function loadSealed(header: Int32Array): number {
  return Atomics.load(header, word(SEALED_OFFSET));
}

// The three reads below are plain: their callers hold the append lock, and every write of these
// words happens under it, so taking the lock (a CAS that reads the releasing store) orders them.

/** 1 once the file is sealed, else 0 (read holding the append lock). */
export function getSealed(header: Int32Array): number {
  return header[word(SEALED_OFFSET)] as number;
}
/** The write position in bytes: the end of the data between shared appenders (read holding the lock). */
export function getWritePosition(header: Int32Array): number {
  return ((header[word(WRITE_POSITION_OFFSET)] as number) >>> 0) * 8;
}
/** The record count: the next sequence between shared appenders (read holding the lock). */
export function getRecordCount(header: Int32Array): number {
  return (header[word(RECORD_COUNT_OFFSET)] as number) >>> 0;
}
/**
 * Plain stores of the write position and record count by the holder of the append lock:
 * {@link releaseAppendLock} publishes them to the next holder.
 */
export function setAppendEnd(header: Int32Array, position: number, count: number): void {
  header[word(WRITE_POSITION_OFFSET)] = position / 8;
  header[word(RECORD_COUNT_OFFSET)] = count;
}

/** Index of the append lock word, for futex waits while it is held. */
export const APPEND_LOCK_INDEX = word(APPEND_LOCK_OFFSET);
/** Takes the append lock for `owner` (a lock value) if it is free. */
export function tryTakeAppendLock(header: Int32Array, owner: number): boolean {
  return Atomics.compareExchange(header, APPEND_LOCK_INDEX, 0, owner) === 0;
}
/** The append lock's holder (its lock value), or 0 when free. */
export function loadAppendLock(header: Int32Array): number {
  return Atomics.load(header, APPEND_LOCK_INDEX);
}
/** Moves the append lock from `from` to `to` (a dead holder's lock taken over). */
export function swapAppendLock(header: Int32Array, from: number, to: number): boolean {
  return Atomics.compareExchange(header, APPEND_LOCK_INDEX, from, to) === from;
}
/**
 * Releases the append lock: to the appender asking for a hand-off if there is one, else to
 * nobody. The stores made while holding it become visible to the next holder.
 *
 * @returns true when it was handed off (the caller wakes the futex of the lock word)
 */
export function releaseAppendLock(header: Int32Array): boolean {
  // A request raised this instant may be missed, and its waiter then takes the lock on its next
  // look (at most a millisecond later). One that is seen is taken by CAS, so its waiter, if it
  // withdraws at this instant, learns that the lock is coming and waits for it.
  const handoff = Atomics.load(header, APPEND_HANDOFF_INDEX);
  if (
    handoff !== 0 &&
    Atomics.compareExchange(header, APPEND_HANDOFF_INDEX, handoff, 0) === handoff
  ) {
    Atomics.store(header, APPEND_LOCK_INDEX, handoff);
    return true;
  }
  Atomics.store(header, APPEND_LOCK_INDEX, 0);
  return false;
}
/** Clears the append lock and hand-off words without owning them: when no shared appender lives. */
export function resetAppendLock(header: Int32Array): void {
  Atomics.store(header, APPEND_HANDOFF_INDEX, 0);
  Atomics.store(header, APPEND_LOCK_INDEX, 0);
}

const APPEND_HANDOFF_INDEX = word(APPEND_HANDOFF_OFFSET);
/** Asks for the next release to hand the lock to `owner`; false when another waiter asked first. */
export function requestAppendHandoff(header: Int32Array, owner: number): boolean {
  return Atomics.compareExchange(header, APPEND_HANDOFF_INDEX, 0, owner) === 0;
}
/**
 * Withdraws `owner`'s hand-off request (it got the lock, gave up, or is dead).
 * @returns false when there was none: a release took it (and hands the lock to `owner`)
 */
export function withdrawAppendHandoff(header: Int32Array, owner: number): boolean {
  return Atomics.compareExchange(header, APPEND_HANDOFF_INDEX, owner, 0) === owner;
}

/** Index of the commit counter, for futex wait/wake. */
export const COMMIT_COUNTER_INDEX = word(COMMIT_COUNTER_OFFSET);
/** Reads the commit counter. */
export function loadCommitCounter(header: Int32Array): number {
  return Atomics.load(header, COMMIT_COUNTER_INDEX);
}
/** Bumps the commit counter (the caller wakes the futex). */
export function bumpCommitCounter(header: Int32Array): void {
  Atomics.add(header, COMMIT_COUNTER_INDEX, 1);
}
/** Reads the number of waiting readers (a plain-cost load on x86; sequentially consistent). */
export function loadWaiterCount(header: Int32Array): number {
  return Atomics.load(header, word(WAITER_COUNT_OFFSET));
}
/** Adds `delta` (+1 or -1) to the waiter count. */
export function addWaiterCount(header: Int32Array, delta: number): void {
  Atomics.add(header, word(WAITER_COUNT_OFFSET), delta);
}

const FENCELESS_PUBLISH_INDEX = word(FENCELESS_PUBLISH_OFFSET);
/** Marks the file as having an appender that publishes without fences (once; it stays set). */
export function markFencelessPublish(header: Int32Array): void {
  if (Atomics.load(header, FENCELESS_PUBLISH_INDEX) === 0) {
    Atomics.store(header, FENCELESS_PUBLISH_INDEX, 1);
  }
}
/** 1 when an appender of the file may publish without fences (waiters must membarrier). */
export function loadFencelessPublish(header: Int32Array): number {
  return Atomics.load(header, FENCELESS_PUBLISH_INDEX);
}

/** Reads first-level index entry `k`: the file offset of index page k, or 0. */
export function loadFirstLevelEntry(header: Int32Array, k: number): number {
  return (Atomics.load(header, word(FIRST_LEVEL_INDEX_OFFSET) + k) >>> 0) * 8;
}
/** Publishes first-level index entry `k` (file offset, a multiple of 8). */
export function storeFirstLevelEntry(header: Int32Array, k: number, fileOffset: number): void {
  Atomics.store(header, word(FIRST_LEVEL_INDEX_OFFSET) + k, fileOffset / 8);
}

// ---- frame accessors (`words` is an Int32Array over one data block; offset is in the block) --

/** Acquire-load of the length word of the frame at block `offset`. */
export function loadLengthWord(words: Int32Array, offset: number): number {
  return Atomics.load(words, offset >> 2);
}
/** Release-store of the length word of the frame at block `offset` (publishes the frame). */
export function storeLengthWord(words: Int32Array, offset: number, lengthWord: number): void {
  Atomics.store(words, offset >> 2, lengthWord);
}
/**
 * Publishes a record with a plain store of its length word, for x86-64 only. There a store is
 * ordered after every earlier store (TSO) and V8 emits typed-array stores in program order, so
 * the payload and checksum written before it are visible to whoever sees it: a release store,
 * without the full fence (`xchg`) that `Atomics.store` compiles to, which costs about a third of
 * a 64-byte append here. The one thing it does not order is a later load (the waiter count):
 * see {@link FENCELESS_PUBLISH_OFFSET}.
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

// ---- directory metadata file ---------------------------------------------------------------
//
// `metadata.annalm`: 64 KiB, created like a cycle file (complete or absent). A 64-byte header,
// then 1023 slots of 64 bytes for named readers.
//
//  offset 0   u32 magic "ANLM"      4  u32 version (1)    8  u32 slot count   12 u32 slot bytes
//         16  f64 highest cycle with a file (-1: none; advisory, only ever raised)
//         24  u32 CRC32C of bytes [0, 16)                  28..63 reserved
//  slot k at 64 + 64k:
//         0   i32 name length in bytes (0: free)           4  i32 active copy (0 or 1)
//         8   u32, u32 copy 0: position index, low and high 32 bits
//         16  u32, u32 copy 1: the same
//         24  40 bytes: the name, UTF-8
//
// A position is written into the inactive copy and then published by storing `active`, so a
// crash leaves either the old or the new position, never a torn one.

/** "ANLM" read as a little-endian u32. */
export const METADATA_MAGIC = 0x4d4c4e41;
/** Version of the metadata layout. */
export const METADATA_VERSION = 1;
/** File name of the directory metadata file. */
export const METADATA_FILE_NAME = 'metadata.annalm';
/** Bytes of the metadata file. */
export const METADATA_FILE_BYTES = 65536;
/** Bytes of the metadata header and of each slot. */
export const METADATA_SLOT_BYTES = 64;
/** Named-reader slots in the metadata file. */
export const METADATA_SLOT_COUNT = METADATA_FILE_BYTES / METADATA_SLOT_BYTES - 1;
/** Longest reader name, in UTF-8 bytes. */
export const MAX_READER_NAME_BYTES = 40;

const METADATA_SLOT_COUNT_OFFSET = 8;
const METADATA_SLOT_BYTES_OFFSET = 12;
const METADATA_HIGHEST_CYCLE_OFFSET = 16;
const METADATA_CHECKSUM_OFFSET = 24;
/** Bytes of the metadata header covered by its checksum. */
export const METADATA_CHECKED_BYTES = 16;
const SLOT_NAME_LENGTH = 0;
const SLOT_ACTIVE = 4;
const SLOT_COPIES = 8;
const SLOT_NAME = 24;

/** Writes the header of a new metadata file (before it is visible). */
export function writeMetadataHeader(words: Int32Array, float64s: Float64Array): void {
  words[word(MAGIC_OFFSET)] = METADATA_MAGIC;
  words[word(VERSION_OFFSET)] = METADATA_VERSION;
  words[word(METADATA_SLOT_COUNT_OFFSET)] = METADATA_SLOT_COUNT;
  words[word(METADATA_SLOT_BYTES_OFFSET)] = METADATA_SLOT_BYTES;
  float64s[METADATA_HIGHEST_CYCLE_OFFSET >> 3] = -1;
}
/** Stores the metadata header checksum. */
export function setMetadataChecksum(words: Int32Array, checksum: number): void {
  words[word(METADATA_CHECKSUM_OFFSET)] = checksum;
}
/** The fixed metadata header fields, for validation. */
export function readMetadataHeader(words: Int32Array): {
  magic: number;
  version: number;
  slotCount: number;
  slotBytes: number;
  checksum: number;
} {
  return {
    magic: (words[word(MAGIC_OFFSET)] as number) >>> 0,
    version: words[word(VERSION_OFFSET)] as number,
    slotCount: words[word(METADATA_SLOT_COUNT_OFFSET)] as number,
    slotBytes: words[word(METADATA_SLOT_BYTES_OFFSET)] as number,
    checksum: (words[word(METADATA_CHECKSUM_OFFSET)] as number) >>> 0,
  };
}
/** The advisory highest cycle (-1 when none was recorded). */
export function getHighestCycle(float64s: Float64Array): number {
  return float64s[METADATA_HIGHEST_CYCLE_OFFSET >> 3] as number;
}
/** Records a new highest cycle (plain store of an aligned f64; readers treat it as a hint). */
export function setHighestCycle(float64s: Float64Array, cycle: number): void {
  float64s[METADATA_HIGHEST_CYCLE_OFFSET >> 3] = cycle;
}

function slotWord(slot: number, offset: number): number {
  return (METADATA_SLOT_BYTES * (slot + 1) + offset) >> 2;
}
/** Byte offset of slot `slot`'s name. */
export function slotNameOffset(slot: number): number {
  return METADATA_SLOT_BYTES * (slot + 1) + SLOT_NAME;
}
/** Name length of slot `slot` (0: free). */
export function loadSlotNameLength(words: Int32Array, slot: number): number {
  return Atomics.load(words, slotWord(slot, SLOT_NAME_LENGTH));
}
/** Publishes the name length of a slot whose name bytes were written. */
export function storeSlotNameLength(words: Int32Array, slot: number, length: number): void {
  Atomics.store(words, slotWord(slot, SLOT_NAME_LENGTH), length);
}
/** The position stored in slot `slot` (a queue index), from its active copy. */
export function loadSlotPosition(words: Int32Array, slot: number): number {
  const copy = Atomics.load(words, slotWord(slot, SLOT_ACTIVE)) & 1;
  const base = slotWord(slot, SLOT_COPIES) + 2 * copy;
  return ((words[base + 1] as number) >>> 0) * 2 ** 32 + ((words[base] as number) >>> 0);
}
/** Writes `index` into the inactive copy of slot `slot`, then publishes it. */
export function storeSlotPosition(words: Int32Array, slot: number, index: number): void {
  const activeWord = slotWord(slot, SLOT_ACTIVE);
  const copy = 1 - (Atomics.load(words, activeWord) & 1);
  const base = slotWord(slot, SLOT_COPIES) + 2 * copy;
  words[base] = index % 2 ** 32;
  words[base + 1] = Math.floor(index / 2 ** 32);
  // publish: the copy written above is complete before it becomes the active one.
  Atomics.store(words, activeWord, copy);
}

// ---- fixed-capacity channel file (the kekbit seed) -----------------------------------------
//
//  offset 0    u32 magic "ANLC"     4  u32 version (2)     8  u32 capacity (data bytes)
//         12   u32 maxPayloadBytes 16 u32 writerTimeoutMs 20 u32 flags (bit 0: CRC32C records)
//         24   f64 createdAtMs      32..59 reserved         60 u32 CRC32C of bytes [0, 60)
//         64   i32 state: 0 open, 1 closed, 2 full (stored after the end frame and the count)
//         72   f64 heartbeat: Unix ms of the writer's last sign of life (plain aligned store)
//         80   u32 records written, stored when the writer ends the channel (0 while open)
//  offset 128  data: `capacity` bytes of frames, then (once closed or full) the end frame.
//
// A frame is laid out as in a cycle file (8-byte aligned, 8-byte header), with its own
// checksum rules:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-------------------------------------------------------------+-+-+
//  |                 Length (30 bits)                            |C|S|  <- length word, stored last
//  +-------------------------------------------------------------+-+-+
//  |  record: CRC32C of the payload seeded with the record's sequence (0 when checksums off) |
//  |  end:    packChannelEndCheck(data position, records written), always                    |
//  +-----------------------------------------------------------------+
//  |                 Payload ... then zero padding to a multiple of 8 |
//
//  | S | C | word           | meaning                                                        |
//  |---|---|----------------|----------------------------------------------------------------|
//  | 0 | 0 | 0              | free: not written yet (corrupt if the header says the writer   |
//  |   |   |                | ended the channel: its end frame comes first)                  |
//  | 0 | 1 | C + length     | a record                                                       |
//  | 1 | 1 | S + C + 0      | end of the channel (closed or full): its check word must match |
//  |   |   |                | its position and the number of records before it               |
//  | any other             || corrupt (channels have no padding)                              |
//
// The end frame's check word ties "closed after N records" to where it stands: an empty record
// whose length word flips into the end word, or an end frame moved or miscounted, fails it.

/** "ANLC" read as a little-endian u32. */
export const CHANNEL_MAGIC = 0x434c4e41;
/** Version of the channel layout. 2: record checksums (seeded), a flags word, a checked end frame. */
export const CHANNEL_VERSION = 2;
/** Bytes before a channel's data area. */
export const CHANNEL_HEADER_BYTES = 2 * CACHE_LINE_BYTES;
/** Channel flag bit: records carry a CRC32C of their payload seeded with their sequence. */
export const CHANNEL_FLAG_CRC32C = 1;
/** Channel state: the writer may still write. */
export const CHANNEL_OPEN = 0;
/** Channel state: the writer closed it. */
export const CHANNEL_CLOSED = 1;
/** Channel state: the writer ran out of room. */
export const CHANNEL_FULL = 2;

/** u32 bytes of the data area (a multiple of 8). */
const CHANNEL_CAPACITY_OFFSET = VERSION_OFFSET + 4;
/** u32 largest payload. */
const CHANNEL_MAX_PAYLOAD_OFFSET = CHANNEL_CAPACITY_OFFSET + 4;
/** u32 milliseconds of silence after which readers call the writer abandoned. */
const CHANNEL_TIMEOUT_OFFSET = CHANNEL_MAX_PAYLOAD_OFFSET + 4;
/** u32 flags ({@link CHANNEL_FLAG_CRC32C}). */
const CHANNEL_FLAGS_OFFSET = CHANNEL_TIMEOUT_OFFSET + 4;
/** f64 Unix ms when the channel was created. */
const CHANNEL_CREATED_AT_OFFSET = CHANNEL_FLAGS_OFFSET + 4;
/** u32 CRC32C of the bytes before it. */
const CHANNEL_CHECKSUM_OFFSET = CACHE_LINE_BYTES - 4;
/** Bytes of the channel header covered by its checksum. */
export const CHANNEL_CHECKED_BYTES = CHANNEL_CHECKSUM_OFFSET;
/** i32 state ({@link CHANNEL_OPEN}, {@link CHANNEL_CLOSED}, {@link CHANNEL_FULL}). */
const CHANNEL_STATE_OFFSET = CACHE_LINE_BYTES;
/** f64 heartbeat, Unix ms. */
const CHANNEL_HEARTBEAT_OFFSET = CHANNEL_STATE_OFFSET + 8;
/** u32 records written, stored when the channel ends. */
const CHANNEL_RECORDS_OFFSET = CHANNEL_HEARTBEAT_OFFSET + 8;

/** What a channel's header says. */
export interface ChannelConfiguration {
  readonly capacity: number;
  readonly maxPayloadBytes: number;
  readonly writerTimeoutMs: number;
  readonly createdAtMs: number;
  /** Records carry seeded CRC32C checksums ({@link CHANNEL_FLAG_CRC32C}). */
  readonly checksums: boolean;
}

/** Writes the header of a new channel (before it is visible) without its checksum. */
export function writeChannelHeader(
  words: Int32Array,
  float64s: Float64Array,
  configuration: ChannelConfiguration,
): void {
  words[word(MAGIC_OFFSET)] = CHANNEL_MAGIC;
  words[word(VERSION_OFFSET)] = CHANNEL_VERSION;
  words[word(CHANNEL_CAPACITY_OFFSET)] = configuration.capacity;
  words[word(CHANNEL_MAX_PAYLOAD_OFFSET)] = configuration.maxPayloadBytes;
  words[word(CHANNEL_TIMEOUT_OFFSET)] = configuration.writerTimeoutMs;
  words[word(CHANNEL_FLAGS_OFFSET)] = configuration.checksums ? CHANNEL_FLAG_CRC32C : 0;
  float64s[CHANNEL_CREATED_AT_OFFSET >> 3] = configuration.createdAtMs;
  float64s[CHANNEL_HEARTBEAT_OFFSET >> 3] = configuration.createdAtMs;
}
/** Stores the channel header checksum. */
export function setChannelChecksum(words: Int32Array, checksum: number): void {
  words[word(CHANNEL_CHECKSUM_OFFSET)] = checksum;
}
/** Reads the channel header (validated by the caller, with its checksum). */
export function readChannelHeader(
  words: Int32Array,
  float64s: Float64Array,
): ChannelConfiguration & { magic: number; version: number; checksum: number } {
  return {
    magic: (words[word(MAGIC_OFFSET)] as number) >>> 0,
    version: words[word(VERSION_OFFSET)] as number,
    capacity: (words[word(CHANNEL_CAPACITY_OFFSET)] as number) >>> 0,
    maxPayloadBytes: (words[word(CHANNEL_MAX_PAYLOAD_OFFSET)] as number) >>> 0,
    writerTimeoutMs: (words[word(CHANNEL_TIMEOUT_OFFSET)] as number) >>> 0,
    checksums: ((words[word(CHANNEL_FLAGS_OFFSET)] as number) & CHANNEL_FLAG_CRC32C) !== 0,
    createdAtMs: float64s[CHANNEL_CREATED_AT_OFFSET >> 3] as number,
    checksum: (words[word(CHANNEL_CHECKSUM_OFFSET)] as number) >>> 0,
  };
}
/** Reads the channel state ({@link CHANNEL_OPEN}, {@link CHANNEL_CLOSED}, {@link CHANNEL_FULL}). */
export function loadChannelState(words: Int32Array): number {
  return Atomics.load(words, word(CHANNEL_STATE_OFFSET));
}
/** Stores the channel state (after the end frame and the record count are written). */
export function storeChannelState(words: Int32Array, state: number): void {
  Atomics.store(words, word(CHANNEL_STATE_OFFSET), state);
}
/** The writer's last heartbeat, Unix ms. */
export function getHeartbeat(float64s: Float64Array): number {
  return float64s[CHANNEL_HEARTBEAT_OFFSET >> 3] as number;
}
/** Stores a heartbeat (an aligned 8-byte store; readers only compare it with a timeout). */
export function setHeartbeat(float64s: Float64Array, nowMs: number): void {
  float64s[CHANNEL_HEARTBEAT_OFFSET >> 3] = nowMs;
}
/** Stores the record count (plain: the state stored after it publishes it). */
export function setChannelRecordCount(words: Int32Array, count: number): void {
  words[word(CHANNEL_RECORDS_OFFSET)] = count;
}
/** The record count (meaningful once a load of the state said closed or full). */
export function getChannelRecordCount(words: Int32Array): number {
  return (words[word(CHANNEL_RECORDS_OFFSET)] as number) >>> 0;
}
/**
 * Check word of a channel's end frame at data `position` after `count` records: a mix of both
 * (Murmur3's finalizer constants), so a moved, miscounted or forged end frame fails it, and it is
 * unrelated to a record's checksum (an empty record's seeded CRC is its sequence).
 */
export function packChannelEndCheck(position: number, count: number): number {
  let mixed = Math.imul(position ^ 0x414e4c45, 0xcc9e2d51) ^ Math.imul(count + 1, 0x1b873593);
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return mixed ^ (mixed >>> 16);
}
