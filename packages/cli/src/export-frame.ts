/**
 * The binary format of `annal export --format binary`: the records one after another, each as
 *
 *   ┌───────────────────────┬──────────────────────────┐
 *   │ length: u32 LE (4 B)  │ payload (length bytes)   │
 *   └───────────────────────┴──────────────────────────┘
 *
 * with no header and no padding (an event's payload is its JSON object, as UTF-8).
 *
 * @module
 */

/** Where the length is, in a frame. */
export const EXPORT_LENGTH_OFFSET = 0;
/** Bytes of the length. */
export const EXPORT_LENGTH_BYTES = 4;

/** The length prefix of a payload of `length` bytes. */
export function exportLengthPrefix(length: number): Uint8Array {
  const prefix = new Uint8Array(EXPORT_LENGTH_BYTES);
  new DataView(prefix.buffer).setUint32(EXPORT_LENGTH_OFFSET, length, true);
  return prefix;
}
