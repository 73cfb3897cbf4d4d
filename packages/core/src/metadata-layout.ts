/**
 * The directory metadata file, the only module that knows its offsets:
 * `metadata.annalm`: one 4 KiB page, created like a cycle file (complete or absent).
 *
 *  offset 0   u32 magic "ANLM"      4  u32 version (2)     8  u32 file bytes (4096)
 *         12  u32 reserved (0)
 *         16  f64 highest cycle with a file (-1: none; advisory, only ever raised)
 *         24  u32 CRC32C of bytes [0, 16)                  28..4095 reserved (zeros)
 *
 * Version 1 also held the positions of named readers (1023 slots of 64 bytes, unchecksummed);
 * they live in their own file now (reader-positions-layout.ts).
 *
 * @module
 */
import { MAGIC_OFFSET, VERSION_OFFSET, word } from './layout-words.js';

/** "ANLM" read as a little-endian u32. */
export const METADATA_MAGIC = 0x4d4c4e41;
/** Version of the metadata layout. */
export const METADATA_VERSION = 2;
/** File name of the directory metadata file. */
export const METADATA_FILE_NAME = 'metadata.annalm';
/** Bytes of the metadata file. */
export const METADATA_FILE_BYTES = 4096;
/** Bytes at the start of the file a header check reads. */
export const METADATA_HEADER_BYTES = 64;
/** u32: {@link METADATA_FILE_BYTES}. */
export const METADATA_FILE_BYTES_OFFSET = 8;
/** f64: the highest cycle with a file (advisory). */
export const METADATA_HIGHEST_CYCLE_OFFSET = 16;
/** u32: CRC32C of the first {@link METADATA_CHECKED_BYTES} bytes. */
export const METADATA_CHECKSUM_OFFSET = 24;
/** Bytes of the metadata header covered by its checksum. */
export const METADATA_CHECKED_BYTES = 16;

/** Writes the header of a new metadata file (before it is visible). */
export function writeMetadataHeader(words: Int32Array, float64s: Float64Array): void {
  words[word(MAGIC_OFFSET)] = METADATA_MAGIC;
  words[word(VERSION_OFFSET)] = METADATA_VERSION;
  words[word(METADATA_FILE_BYTES_OFFSET)] = METADATA_FILE_BYTES;
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
  fileBytes: number;
  checksum: number;
} {
  return {
    magic: (words[word(MAGIC_OFFSET)] as number) >>> 0,
    version: words[word(VERSION_OFFSET)] as number,
    fileBytes: (words[word(METADATA_FILE_BYTES_OFFSET)] as number) >>> 0,
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
