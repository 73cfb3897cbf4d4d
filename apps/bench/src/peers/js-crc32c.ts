/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78) in plain JavaScript, slice-by-8 over
 * eight 256-entry tables: the best a pure-JS checksum does without SIMD. It is the peer that
 * decides whether short records are cheaper to checksum in JS than across the N-API boundary.
 *
 * @module
 */

const CASTAGNOLI_REFLECTED = 0x82f63b78;
const TABLE_ENTRIES = 256;
const SLICES = 8;

/** `SLICES` tables back to back: table k maps a byte to its CRC contribution k bytes later. */
const TABLES: Int32Array = buildTables();

function buildTables(): Int32Array {
  const tables = new Int32Array(TABLE_ENTRIES * SLICES);
  for (let byte = 0; byte < TABLE_ENTRIES; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 1 ? (crc >>> 1) ^ CASTAGNOLI_REFLECTED : crc >>> 1;
    tables[byte] = crc;
  }
  for (let slice = 1; slice < SLICES; slice++) {
    for (let byte = 0; byte < TABLE_ENTRIES; byte++) {
      const previous = tables[(slice - 1) * TABLE_ENTRIES + byte] ?? 0;
      tables[slice * TABLE_ENTRIES + byte] = (previous >>> 8) ^ (tables[previous & 0xff] ?? 0);
    }
  }
  return tables;
}

/**
 * CRC32C of `bytes[offset, offset + length)`, continuing from `seed` (0 to start), with the same
 * contract as the addon's `crc32c`.
 *
 * @param bytes - the data
 * @param offset - first byte, in bytes from the start of `bytes`
 * @param length - bytes to checksum
 * @param seed - the CRC of the data before this range, or 0
 * @returns the CRC as an unsigned 32-bit number
 */
export function computeJsCrc32c(
  bytes: Uint8Array,
  offset: number,
  length: number,
  seed: number,
): number {
  const tables = TABLES;
  let crc = ~seed;
  let index = offset;
  const end = offset + length;
  // `as number`: the loop bounds keep every read in range (noUncheckedIndexedAccess cannot see
  // that), and a `?? 0` would cost a check per byte in the hottest loop of the suite.
  while (end - index >= SLICES) {
    const low =
      crc ^
      ((bytes[index] as number) |
        ((bytes[index + 1] as number) << 8) |
        ((bytes[index + 2] as number) << 16) |
        ((bytes[index + 3] as number) << 24));
    crc =
      (tables[7 * TABLE_ENTRIES + (low & 0xff)] as number) ^
      (tables[6 * TABLE_ENTRIES + ((low >>> 8) & 0xff)] as number) ^
      (tables[5 * TABLE_ENTRIES + ((low >>> 16) & 0xff)] as number) ^
      (tables[4 * TABLE_ENTRIES + (low >>> 24)] as number) ^
      (tables[3 * TABLE_ENTRIES + (bytes[index + 4] as number)] as number) ^
      (tables[2 * TABLE_ENTRIES + (bytes[index + 5] as number)] as number) ^
      (tables[TABLE_ENTRIES + (bytes[index + 6] as number)] as number) ^
      (tables[bytes[index + 7] as number] as number);
    index += SLICES;
  }
  while (index < end) {
    crc = (tables[(crc ^ (bytes[index] as number)) & 0xff] as number) ^ (crc >>> 8);
    index++;
  }
  return ~crc >>> 0;
}

/** CRC32C of the ASCII bytes "123456789", the standard check value. */
export const CRC32C_CHECK_VALUE = 0xe3069283;
