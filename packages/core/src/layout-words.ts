/**
 * What every file of the core formats shares: a u32 magic at offset 0 and a u32 version at
 * offset 4, 64-byte lines, and 32-bit words addressed by byte offset.
 *
 * @module
 */

/** Bytes in one cache line: appender and reader words never share one (R8). */
export const CACHE_LINE_BYTES = 64;
/** u32 magic of the file (each format has its own). */
export const MAGIC_OFFSET = 0;
/** u32 layout version of the file. */
export const VERSION_OFFSET = 4;

/** Word index (in an Int32Array over the file or region) of the byte offset. */
export function word(offset: number): number {
  return offset >> 2;
}
