/**
 * The payload checksum of a frame: CRC32C by `crc32cWordsInt32` of @annal/native/internal, which
 * picks JS or the addon (hardware CRC32C) by length.
 *
 * @module
 */
import { crc32cWordsInt32 } from '@annal/native/internal';

import { computeRecordTag, packRecordWord } from './layout.js';

/**
 * CRC32C of a payload as a signed 32-bit integer (the bits an Int32Array stores: signed, so the
 * JIT keeps it unboxed and a checksum costs no allocation). Payloads start on a 4-byte boundary
 * (frames start on 8), so below the threshold it reads two Int32 words per 8 bytes instead of
 * eight bytes, about 20% faster at 16–128 B than bytewise (apps/bench native/call-cost).
 *
 * @param words - an Int32Array over the block, starting where `bytes` starts
 * @param bytes - a Uint8Array over the same block
 * @param offset - the payload's first byte in both views; a multiple of 4 (not checked)
 * @param length - payload bytes
 * @param sequence - the record's sequence in its cycle file, the CRC's seed (format version 2):
 *   a record read under any other sequence fails its check, whatever its payload
 * @returns the CRC32C as a signed 32-bit integer
 */
export function payloadChecksumWords(
  words: Int32Array,
  bytes: Uint8Array,
  offset: number,
  length: number,
  sequence: number,
): number {
  const crc = crc32cWordsInt32(words, bytes, offset, length, sequence);
  // Never 0, the word of a frame never written: an empty payload's CRC is its seed, so the empty
  // record of sequence 0 would otherwise match a free frame whose length word a flip made valid.
  return crc === 0 ? NONZERO_CHECK : crc;
}

/** What a check word of 0 is written as (layout.ts: a check word is never 0). */
export const NONZERO_CHECK = 1;

/**
 * The check word a record of sequence `sequence` must carry: its seeded payload CRC32C with
 * checksums on, else the tag of its (canonical) length word and sequence: without a payload
 * checksum the length word is still checked.
 */
export function recordCheckWord(
  checksums: boolean,
  words: Int32Array,
  bytes: Uint8Array,
  offset: number,
  length: number,
  sequence: number,
): number {
  return checksums
    ? payloadChecksumWords(words, bytes, offset, length, sequence)
    : computeRecordTag(packRecordWord(length), sequence);
}
