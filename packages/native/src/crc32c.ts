/**
 * CRC32C (Castagnoli): the checksum annal frames carry. Two implementations with one result:
 * the addon's (the SSE4.2 `crc32` instruction, table-driven where the CPU lacks it) and a
 * pure-JS slice-by-8 one. Crossing into native code costs more than the JS code needs for a short
 * record, so {@link crc32c} picks by length; see {@link CRC32C_NATIVE_THRESHOLD_BYTES}.
 *
 * Every function is chainable: `crc32c(b, crc32c(a))` equals `crc32c(a ‖ b)`; a seed of 0 starts
 * afresh. `crc32c(utf8("123456789")) === 0xE3069283`.
 *
 * @module
 */
import { checkNonNegativeInteger, checkRange } from './check.js';
import { ClosedError } from './errors/closed-error.js';
import { fromErrno } from './errors/from-errno.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { getBinding } from './native.js';

/**
 * Records shorter than this are checksummed in JS, longer ones in native code: below it the
 * N-API crossing costs more than the JS loop (`pnpm bench native/call-cost`; the runs are in
 * docs/decisions/2026-12-04-logbuf-native-measured-choices.md).
 */
export const CRC32C_NATIVE_THRESHOLD_BYTES = 128;

/** The reflected Castagnoli polynomial. */
const POLYNOMIAL = 0x82f63b78;

let tables: Int32Array | undefined;

/** Eight 256-entry tables for slice-by-8, built on first use (8 KiB). */
function sliceTables(): Int32Array {
  if (tables !== undefined) return tables;
  const table = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    table[n] = crc;
  }
  for (let n = 0; n < 256; n++) {
    let crc = table[n] ?? 0;
    for (let slice = 1; slice < 8; slice++) {
      crc = (table[crc & 0xff] ?? 0) ^ (crc >>> 8);
      table[slice * 256 + n] = crc;
    }
  }
  tables = table;
  return table;
}

/**
 * True for an ArrayBuffer whose memory is gone (a closed {@link MappedFile}'s buffer, or one
 * transferred away). Its views read as empty: a checksum of them would be the checksum of
 * nothing, so {@link crc32c} refuses them. (`ArrayBuffer#detached` is missing before Node 22.)
 */
function isDetached(buffer: ArrayBufferLike): boolean {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== 0) return false;
  const flag = (buffer as { detached?: unknown }).detached;
  if (typeof flag === 'boolean') return flag;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

function detached(): ClosedError {
  return new ClosedError(
    'bytes views memory that is gone (a closed mapping, or a buffer transferred away)',
    { field: 'bytes' },
  );
}

function toBytes(bytes: ArrayBufferView | ArrayBufferLike): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (ArrayBuffer.isView(bytes))
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    bytes instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer)
  ) {
    if (isDetached(bytes)) throw detached();
    return new Uint8Array(bytes);
  }
  throw new InvalidArgumentError(
    'bytes must be an ArrayBuffer, a SharedArrayBuffer or an ArrayBufferView',
    {
      field: 'bytes',
    },
  );
}

/**
 * CRC32C of `bytes[offset, offset + length)` in pure JavaScript (no native call, no allocation).
 * Hot-path friendly: the caller passes a cached Uint8Array and plain numbers.
 *
 * @param bytes - the data
 * @param offset - first byte
 * @param length - bytes to include
 * @param seed - the CRC of everything before, or 0 to start
 * @returns the CRC as an unsigned 32-bit number
 */
export function crc32cJs(bytes: Uint8Array, offset: number, length: number, seed = 0): number {
  return crc32cUpdate(bytes, offset, length, seed) >>> 0;
}

/**
 * Like {@link crc32cJs}, but returns the CRC's 32 bits as a signed integer (`crc | 0`). An
 * optimizing compiler keeps a signed 32-bit result unboxed, while an unsigned one of 2^31 or more
 * becomes a heap number when the call is not inlined: use this to store CRCs into an Int32Array
 * on a hot path without allocating, and compare them as signed integers.
 *
 * @param bytes - the data
 * @param offset - first byte
 * @param length - bytes to include
 * @returns the CRC as a signed 32-bit integer (`crc32cJs(…) | 0`)
 */
export function crc32cJsInt32(bytes: Uint8Array, offset: number, length: number): number {
  return crc32cUpdate(bytes, offset, length, 0) | 0;
}

/**
 * Like {@link crc32cJsInt32}, but reads the data 8 bytes at a time as two 32-bit words from
 * `words`, for data that starts on a 4-byte boundary (queue payloads start on 8): two Int32Array
 * loads per step instead of eight Uint8Array loads. The last `length % 8` bytes are read as one
 * more word (when 4 or more remain) and then single bytes from `bytes`. Same result as
 * {@link crc32cJsInt32}, no allocation, no boxing.
 *
 * Preconditions, not checked (this is a hot-path function, like {@link crc32cJs}):
 * - `words` and `bytes` view the same memory from the same start (same buffer and byteOffset),
 *   e.g. both made over one mapped block;
 * - `offset` is a multiple of 4, and `[offset, offset + length)` lies inside both views;
 * - `offset + length` is below 2^31 (indices are computed with 32-bit integer arithmetic).
 *
 * Words are read in the platform's byte order, which is little-endian on every platform Node.js
 * supports (the same assumption every annal layout makes).
 *
 * @param words - an Int32Array over the data, starting where `bytes` starts
 * @param bytes - a Uint8Array over the same data
 * @param offset - first byte, a multiple of 4, in bytes from the start of both views
 * @param length - bytes to include
 * @param seed - the CRC of everything before (signed or unsigned bits), or 0 to start
 * @returns the CRC as a signed 32-bit integer (`crc32cJs(bytes, offset, length, seed) | 0`)
 */
export function crc32cJsWordsInt32(
  words: Int32Array,
  bytes: Uint8Array,
  offset: number,
  length: number,
  seed = 0,
): number {
  const table = sliceTables();
  let crc = ~seed;
  let word = offset >> 2;
  const end = offset + length;
  const wordEnd = word + ((length >> 3) << 1);
  // `as number`: the preconditions keep every read in range (noUncheckedIndexedAccess cannot see
  // that), and a `?? 0` would cost a check per load in the loop.
  // Slice-by-8 over two little-endian words: the low word is folded with the running CRC.
  for (; word < wordEnd; word += 2) {
    const low = crc ^ (words[word] as number);
    const high = words[word + 1] as number;
    crc =
      (table[7 * 256 + (low & 0xff)] as number) ^
      (table[6 * 256 + ((low >>> 8) & 0xff)] as number) ^
      (table[5 * 256 + ((low >>> 16) & 0xff)] as number) ^
      (table[4 * 256 + (low >>> 24)] as number) ^
      (table[3 * 256 + (high & 0xff)] as number) ^
      (table[2 * 256 + ((high >>> 8) & 0xff)] as number) ^
      (table[256 + ((high >>> 16) & 0xff)] as number) ^
      (table[high >>> 24] as number);
  }
  let i = word << 2;
  // Slice-by-4 over one more word when 4 to 7 bytes remain.
  if (end - i >= 4) {
    const low = crc ^ (words[word] as number);
    crc =
      (table[3 * 256 + (low & 0xff)] as number) ^
      (table[2 * 256 + ((low >>> 8) & 0xff)] as number) ^
      (table[256 + ((low >>> 16) & 0xff)] as number) ^
      (table[low >>> 24] as number);
    i += 4;
  }
  for (; i < end; i++) crc = (table[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc;
}

/**
 * CRC32C of `bytes[offset, offset + length)` as a signed 32-bit integer, by the cheaper of the two
 * implementations for `length`: {@link crc32cJsWordsInt32} below
 * {@link CRC32C_NATIVE_THRESHOLD_BYTES}, the addon from there on. The one place that decides;
 * core's and wal's record checksums both call it with views cached per block.
 *
 * Same preconditions as {@link crc32cJsWordsInt32} (not checked in JS; the addon checks its range
 * itself). No allocation: both branches return a signed 32-bit integer.
 *
 * @param words - an Int32Array over the data, starting where `bytes` starts
 * @param bytes - a Uint8Array over the same data
 * @param offset - first byte, a multiple of 4
 * @param length - bytes to include
 * @param seed - the CRC of everything before (signed or unsigned bits), or 0 to start
 * @returns the CRC as a signed 32-bit integer
 */
export function crc32cWordsInt32(
  words: Int32Array,
  bytes: Uint8Array,
  offset: number,
  length: number,
  seed: number,
): number {
  return length < CRC32C_NATIVE_THRESHOLD_BYTES
    ? crc32cJsWordsInt32(words, bytes, offset, length, seed)
    : nativeCrc32c(bytes, offset, length, seed) | 0;
}

/** The CRC32C arithmetic shared by {@link crc32cJs} and {@link crc32cJsInt32}: returns ~state. */
function crc32cUpdate(bytes: Uint8Array, offset: number, length: number, seed: number): number {
  const table = sliceTables();
  let crc = ~seed;
  let i = offset;
  const end = offset + length;
  // Slice-by-8: eight table lookups fold eight bytes at a time.
  for (; i + 8 <= end; i += 8) {
    const low =
      crc ^
      ((bytes[i] as number) |
        ((bytes[i + 1] as number) << 8) |
        ((bytes[i + 2] as number) << 16) |
        ((bytes[i + 3] as number) << 24));
    crc =
      (table[7 * 256 + (low & 0xff)] as number) ^
      (table[6 * 256 + ((low >>> 8) & 0xff)] as number) ^
      (table[5 * 256 + ((low >>> 16) & 0xff)] as number) ^
      (table[4 * 256 + (low >>> 24)] as number) ^
      (table[3 * 256 + (bytes[i + 4] as number)] as number) ^
      (table[2 * 256 + (bytes[i + 5] as number)] as number) ^
      (table[256 + (bytes[i + 6] as number)] as number) ^
      (table[bytes[i + 7] as number] as number);
  }
  for (; i < end; i++) crc = (table[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc;
}

/**
 * CRC32C of a whole buffer or view, continuing from `seed`. Short inputs are computed in JS,
 * long ones by the addon (hardware CRC32C where the CPU has it).
 *
 * @param bytes - an ArrayBuffer, SharedArrayBuffer or any ArrayBufferView
 * @param seed - the CRC of everything before, or 0 (default) to start
 * @returns the CRC as an unsigned 32-bit number
 * @throws ERR_ANNAL_INVALID_ARGUMENT when `bytes` is not binary data or `seed` not an unsigned
 *   32-bit integer; ERR_ANNAL_CLOSED when `bytes` views a closed mapping
 * @example
 * ```ts
 * crc32c(new TextEncoder().encode('123456789')) === 0xe3069283; // true
 * ```
 */
export function crc32c(bytes: ArrayBufferView | ArrayBufferLike, seed = 0): number {
  const view = toBytes(bytes);
  checkSeed(seed);
  if (view.byteLength === 0 && isDetached(view.buffer)) throw detached();
  if (view.byteLength < CRC32C_NATIVE_THRESHOLD_BYTES)
    return crc32cJs(view, 0, view.byteLength, seed);
  return nativeCrc32c(view, 0, view.byteLength, seed);
}

/**
 * CRC32C of `bytes[offset, offset + length)`, by the addon regardless of length (for tests and
 * for callers who measured that they want it). Checks its arguments.
 */
export function crc32cNative(
  bytes: ArrayBufferView | ArrayBufferLike,
  offset: number,
  length: number,
  seed = 0,
): number {
  const view = toBytes(bytes);
  checkRange(offset, length, view.byteLength, 'buffer');
  checkSeed(seed);
  return nativeCrc32c(view, offset, length, seed);
}

function nativeCrc32c(view: Uint8Array, offset: number, length: number, seed: number): number {
  try {
    return getBinding().crc32c(view, offset, length, seed >>> 0);
  } catch (error) {
    throw fromErrno(error, { field: 'bytes', offset });
  }
}

/**
 * The layout of the `ranges` that {@link crc32cRangesInt32} reads: one triple of Int32 slots per
 * range, the range's offset in `bytes`, its length, and the seed that the call replaces by the
 * CRC. Core's batched appends and read-ahead checks and wal's read-ahead checks fill them.
 */
export const CRC_RANGE_SLOTS = 3;
/** The range's offset in `bytes`, in a CRC range triple. */
export const CRC_RANGE_PAYLOAD_SLOT = 0;
/** The range's length, in a CRC range triple. */
export const CRC_RANGE_LENGTH_SLOT = 1;
/** The seed until the call, then the CRC (a signed 32-bit integer), in a CRC range triple. */
export const CRC_RANGE_SEED_SLOT = 2;

/**
 * CRC32C of many ranges of one buffer in one addon call: for each of the first `count` triples
 * (offset, length, seed) of `ranges`, the seed is replaced by the CRC of
 * `bytes[offset, offset + length)` continued from it, as a signed 32-bit integer. A call to the
 * addon costs about as much as the CRC of 150 bytes, so a batch of short records pays it once
 * instead of once per record (core's `appendBatchSync`). The addon checks every range before it
 * computes anything.
 *
 * @param bytes - the buffer the ranges are in
 * @param ranges - `count` triples (offset, length, seed), rewritten in place
 * @param count - how many triples to compute
 * @throws ERR_ANNAL_INVALID_ARGUMENT when a range lies outside `bytes` or `count` exceeds
 *   `ranges.length / CRC_RANGE_SLOTS`; ERR_ANNAL_CLOSED when `bytes` views a closed mapping
 */
export function crc32cRangesInt32(bytes: Uint8Array, ranges: Int32Array, count: number): void {
  try {
    getBinding().crc32cRanges(bytes, ranges, count);
  } catch (error) {
    throw fromErrno(error, { field: 'ranges' });
  }
}

/** True when the addon uses the CPU's CRC32C instruction (SSE4.2). */
export function hasHardwareCrc32c(): boolean {
  return getBinding().hasHardwareCrc32c;
}

function checkSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    checkNonNegativeInteger(seed, 'seed');
    throw new InvalidArgumentError(
      `seed must be an unsigned 32-bit integer: seed=${String(seed)}`,
      { field: 'seed' },
    );
  }
}
