/**
 * The byte layout of a FIX tag=value message on the wire, the only module that knows it. The
 * framer (framer.ts) finds message boundaries with these constants and nothing else.
 *
 * ```
 *  +---------------+-----+------------------+-----+----------------------------+-------------+
 *  | 8=FIX.4.4     | SOH | 9=<BodyLength>   | SOH | 35=<MsgType> SOH ... SOH   | 10=nnn SOH  |
 *  +---------------+-----+------------------+-----+----------------------------+-------------+
 *  |<- BeginString ----->|<- BodyLength ------->|<- BodyLength bytes ------->|<- trailer ->|
 *  |<------------------------ summed by CheckSum ------------------------------->|
 * ```
 *
 * - BeginString: `8=` then a version starting with `FIX` (`FIX.4.2`, `FIX.4.4`, `FIXT.1.1`),
 *   at most {@link MAX_BEGIN_STRING_BYTES} bytes, ended by SOH (0x01).
 * - BodyLength: `9=` then decimal digits (engines may zero-pad them, e.g. `9=0000123`), at most
 *   {@link MAX_BODY_LENGTH_DIGITS}, ended by SOH. It counts the bytes after that SOH up to, not
 *   including, the `1` of `10=`; the body therefore ends with SOH.
 * - CheckSum: `10=` then exactly three decimal digits and SOH: the sum of every byte before
 *   `10=` (from the `8`), modulo 256. The trailer is always {@link TRAILER_BYTES} bytes.
 *
 * A message's length on the wire is `header + BodyLength + TRAILER_BYTES`, where header is the
 * BeginString and BodyLength fields with their SOHs.
 *
 * @module
 */

/** The field delimiter, SOH (start of heading). */
export const SOH = 0x01;
/** `=` between a tag and its value. */
export const EQUALS = 0x3d;
/** ASCII `0`. */
export const DIGIT_ZERO = 0x30;
/** ASCII `9`. */
export const DIGIT_NINE = 0x39;
/** ASCII `8`: the first byte of every message (tag 8, BeginString). */
export const BEGIN_STRING_TAG = 0x38;
/** The bytes every message starts with: `8=FIX`. */
export const BEGIN_STRING_PREFIX: readonly number[] = [0x38, EQUALS, 0x46, 0x49, 0x58];
/** Longest BeginString value accepted (`FIXT.1.1` is 8), so a header never grows unbounded. */
export const MAX_BEGIN_STRING_BYTES = 16;
/** ASCII `9`: tag 9, BodyLength, the second field (`9=`). */
export const BODY_LENGTH_TAG = 0x39;
/** Most BodyLength digits accepted (zero padding included). */
export const MAX_BODY_LENGTH_DIGITS = 10;
/** The bytes that open the CheckSum field: `10=`. */
export const CHECKSUM_PREFIX: readonly number[] = [0x31, 0x30, EQUALS];
/** Digits of the CheckSum value: always three. */
export const CHECKSUM_DIGITS = 3;
/** Length of the trailer `10=nnn<SOH>`. */
export const TRAILER_BYTES = CHECKSUM_PREFIX.length + CHECKSUM_DIGITS + 1;
/**
 * Longest header (`8=` + BeginString + SOH + `9=` + digits + SOH): a frame whose length is not
 * known yet never needs more than this many bytes buffered.
 */
export const MAX_HEADER_BYTES = 2 + MAX_BEGIN_STRING_BYTES + 1 + 2 + MAX_BODY_LENGTH_DIGITS + 1;
/** Shortest possible message: `8=FIX<SOH>9=0<SOH>10=nnn<SOH>`. */
export const MIN_MESSAGE_BYTES = BEGIN_STRING_PREFIX.length + 1 + 3 + 1 + TRAILER_BYTES;

/**
 * The FIX CheckSum of `bytes[offset, offset + length)`: the byte sum modulo 256.
 *
 * @param bytes - the buffer holding the message
 * @param offset - where the message starts (its `8`)
 * @param length - bytes to sum: everything before `10=`
 */
export function fixChecksum(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  const end = offset + length;
  for (let index = offset; index < end; index++) sum += bytes[index] ?? 0;
  return sum & 0xff;
}
