/**
 * Finding data where there should be none: recovery checks that a segment holds only zeros past
 * the end of the log, which can be most of a segment (32 MiB by default) at every open.
 *
 * @module
 */

/** What {@link firstNonZeroIn} and `Segment.firstNonZero` return when every word is zero. */
export const ALL_ZEROS = -1;

/** 64 KiB of zeros to compare against (Buffer#compare is a native memcmp). */
const ZEROS = Buffer.alloc(64 * 1024);

/**
 * The position of the first 4-byte word of `bytes` in `[from, to)` (multiples of 4) that is not
 * zero, or {@link ALL_ZEROS}; `words` views the same memory as `bytes`.
 */
export function firstNonZeroIn(
  bytes: Uint8Array,
  from: number,
  to: number,
  words: Int32Array,
): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = from; at < to; at += ZEROS.length) {
    const end = Math.min(to, at + ZEROS.length);
    if (buffer.compare(ZEROS, 0, end - at, at, end) === 0) continue;
    // This piece holds data: find the word (words index from the start of `bytes`).
    const base = bytes.byteOffset - words.byteOffset;
    for (let word = (base + at) >> 2; word < (base + end) >> 2; word++) {
      if (words[word] !== 0) return (word << 2) - base;
    }
  }
  return ALL_ZEROS;
}
