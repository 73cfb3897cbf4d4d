/**
 * The directory metadata file, the only module that knows its offsets:
 * `metadata.annalm`: 64 KiB, created like a cycle file (complete or absent). A 64-byte header,
 * then 1023 slots of 64 bytes for named readers.
 *
 *  offset 0   u32 magic "ANLM"      4  u32 version (1)    8  u32 slot count   12 u32 slot bytes
 *         16  f64 highest cycle with a file (-1: none; advisory, only ever raised)
 *         24  u32 CRC32C of bytes [0, 16)                  28..63 reserved
 *  slot k at 64 + 64k:
 *         0   i32 name length in bytes (0: free)           4  i32 active copy (0 or 1)
 *         8   u32, u32 copy 0: position index, low and high 32 bits
 *         16  u32, u32 copy 1: the same
 *         24  40 bytes: the name, UTF-8
 *
 * A position is written into the inactive copy and then published by storing `active`, so a
 * crash leaves either the old or the new position, never a torn one.
 *
 * @module
 */
import { MAGIC_OFFSET, VERSION_OFFSET, word } from './layout-words.js';

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
