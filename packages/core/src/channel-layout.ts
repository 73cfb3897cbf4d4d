/**
 * The fixed-capacity channel file (the kekbit seed), the only module that knows its offsets.
 * Its frames are those of frame-layout.ts, with their own check words:
 *
 * ```
 *  offset 0    u32 magic "ANLC"     4  u32 version (2)     8  u32 capacity (data bytes)
 *         12   u32 maxPayloadBytes 16 u32 writerTimeoutMs 20 u32 flags (bit 0: CRC32C records)
 *         24   f64 createdAtMs      32..59 reserved         60 u32 CRC32C of bytes [0, 60)
 *         64   i32 state: 0 open, 1 closed, 2 full (stored after the end frame and the count)
 *         72   f64 heartbeat: Unix ms of the writer's last sign of life (plain aligned store)
 *         80   u32 records written, stored when the writer ends the channel (0 while open)
 *  offset 128  data: `capacity` bytes of frames, then (once closed or full) the end frame.
 *
 * A frame is laid out as in a cycle file (8-byte aligned, 8-byte header), with its own
 * checksum rules:
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------------------------------------+-+-+
 *  |                 Length (30 bits)                            |C|S|  <- length word, stored last
 *  +-------------------------------------------------------------+-+-+
 *  |  record: CRC32C of the payload seeded with the record's sequence (0 when checksums off) |
 *  |  end:    packChannelEndCheck(data position, records written), always                    |
 *  +-----------------------------------------------------------------+
 *  |                 Payload ... then zero padding to a multiple of 8 |
 *
 *  | S | C | word           | meaning                                                        |
 *  |---|---|----------------|----------------------------------------------------------------|
 *  | 0 | 0 | 0              | free: not written yet (corrupt if the header says the writer   |
 *  |   |   |                | ended the channel: its end frame comes first)                  |
 *  | 0 | 1 | C + length     | a record                                                       |
 *  | 1 | 1 | S + C + 0      | end of the channel (closed or full): its check word must match |
 *  |   |   |                | its position and the number of records before it               |
 *  | any other             || corrupt (channels have no padding)                              |
 *
 * The end frame's check word ties "closed after N records" to where it stands: an empty record
 * whose length word flips into the end word, or an end frame moved or miscounted, fails it.
 * ```
 *
 * @module
 */
import { CACHE_LINE_BYTES, MAGIC_OFFSET, VERSION_OFFSET, word } from './layout-words.js';

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
export const CHANNEL_CHECKSUM_OFFSET = CACHE_LINE_BYTES - 4;
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
