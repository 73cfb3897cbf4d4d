/**
 * The checksum of a frame's payload: CRC32C seeded with the frame's kind and record index
 * (layout.ts `frameSeed`), by `crc32cWordsInt32` of @annal/native/internal, which picks JS or the
 * addon (hardware CRC32C) by length.
 *
 * @module
 */
import { crc32cWordsInt32 } from '@annal/native/internal';

/**
 * A buffer frames are read from or written into, seen three ways. Every such buffer starts at
 * byte 0 of its ArrayBuffer and holds frames at multiples of 8, so a payload always starts on a
 * 4-byte boundary of `words` (two Int32 loads per 8 bytes of checksum, and one store per word).
 */
export interface FrameBuffer {
  bytes: Uint8Array;
  view: DataView;
  words: Int32Array;
}

/** A {@link FrameBuffer} over `buffer`, whole. */
export function frameBuffer(buffer: ArrayBuffer): FrameBuffer {
  return {
    bytes: new Uint8Array(buffer),
    view: new DataView(buffer),
    // Whole words only: a mapping is page-sized, a scratch buffer a multiple of 8.
    words: new Int32Array(buffer, 0, buffer.byteLength >> 2),
  };
}

/**
 * CRC32C of `bytes[offset, offset + length)` from `seed`, as a signed 32-bit integer (what an
 * Int32Array stores; compare with `getInt32`).
 * @param offset - a multiple of 4
 */
export function frameChecksum(
  buffer: FrameBuffer,
  offset: number,
  length: number,
  seed: number,
): number {
  return crc32cWordsInt32(buffer.words, buffer.bytes, offset, length, seed);
}
