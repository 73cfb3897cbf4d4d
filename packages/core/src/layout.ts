/**
 * The byte layout of a queue's cycle file, the only module that knows its offsets,
 * and the one place the core formats are listed: frames (frame-layout.ts), the directory
 * metadata file (metadata-layout.ts), the named readers' positions (reader-positions-layout.ts)
 * and channel files (channel-layout.ts) are declared in their own modules and re-exported here;
 * the appenders' lock files (appender-lock-layout.ts) are declared in theirs and used only by
 * appender-membership.ts. docs/format.md describes the same bytes and changes in the
 * same commit.
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
 * headerBytes = 256 + 4 × indexCount, rounded up to a multiple of 4096 (36864 for the default
 * indexCount 8192). Data positions are byte offsets from headerBytes; block `b` holds positions
 * `[b × blockBytes, (b + 1) × blockBytes)`, and a frame never straddles two blocks.
 *
 * Data blocks hold frames (frame-layout.ts): records, skip frames and the end-of-cycle frame.
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
import {
  CACHE_LINE_BYTES,
  MAGIC_OFFSET,
  PLAIN_LOAD_ACQUIRES,
  VERSION_OFFSET,
  word,
} from './layout-words.js';

export * from './channel-layout.js';
export * from './frame-layout.js';
export * from './metadata-layout.js';
export * from './reader-positions-layout.js';
export { CACHE_LINE_BYTES, MAGIC_OFFSET, VERSION_OFFSET } from './layout-words.js';

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
// u32 magic ({@link CYCLE_FILE_MAGIC}) at MAGIC_OFFSET and version ({@link FORMAT_VERSION}) at
// VERSION_OFFSET, as in every core file (layout-words.ts).
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

// ---- header accessors ----------------------------------------------------------------------
// `header` is an Int32Array over the header region; `header64` a Float64Array over the same.

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
const WAITER_COUNT_INDEX = word(WAITER_COUNT_OFFSET);
/**
 * Reads the number of waiting readers, for the appender right after its publishing store. On
 * x86-64 under V8 a plain load: `Atomics.load` is a builtin call in Node 20 (about 6 ns of a
 * 55 ns append), and on x86-64 it is a plain `mov` all the same, so the ordering is unchanged.
 * After a sequentially consistent publish (`xchg`, a full fence) the load cannot pass it; after
 * a fenceless one it can, in hardware, with either load: that is what the waiter's membarrier
 * covers (FENCELESS_PUBLISH_OFFSET).
 */
export function loadWaiterCount(header: Int32Array): number {
  return PLAIN_LOAD_ACQUIRES
    ? (header[WAITER_COUNT_INDEX] as number)
    : Atomics.load(header, WAITER_COUNT_INDEX);
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
