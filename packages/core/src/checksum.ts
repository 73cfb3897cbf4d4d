/**
 * The payload checksum of a frame: CRC32C, in JS for short payloads (a native call costs more
 * than the arithmetic below 128 bytes, measured in apps/bench native/crc32c) and in the addon
 * (hardware CRC32C) above.
 *
 * @module
 */
import { CRC32C_NATIVE_THRESHOLD_BYTES, crc32cJsInt32, crc32cNative } from '@annal/native';

/**
 * CRC32C of `bytes[offset, offset + length)` as a signed 32-bit integer (the bits an Int32Array
 * stores): signed, so the JIT keeps it unboxed and a checksum costs no allocation.
 */
export function payloadChecksum(bytes: Uint8Array, offset: number, length: number): number {
  return length < CRC32C_NATIVE_THRESHOLD_BYTES
    ? crc32cJsInt32(bytes, offset, length)
    : crc32cNative(bytes, offset, length, 0) | 0;
}
