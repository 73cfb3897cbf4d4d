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

/**
 * V8 on x86-64: a plain load is an acquire load there (loads are not reordered with loads: TSO),
 * and V8 keeps typed-array loads in program order with the loads and stores around them. Another
 * engine (Bun's JavaScriptCore) keeps `Atomics.load`: that ordering is V8's.
 */
export const PLAIN_LOAD_ACQUIRES =
  process.arch === 'x64' &&
  typeof process.versions.v8 === 'string' &&
  (process.versions as { bun?: string }).bun === undefined;
