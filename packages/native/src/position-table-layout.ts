/**
 * The byte layout of a position table (position-table.ts), the only module that knows its
 * offsets. All integers little-endian; `S` is the slot size, `N` the slot count, both chosen by
 * the format that uses the table (wal's readers.wrd: S = 128, N = 511; core's readers.annalr:
 * S = 80, N = 1023) and recorded in its header.
 *
 *  file (S × (N + 1) bytes)
 *    0 u32 magic   4 u32 version   8 u32 S (slot bytes)   12 u32 N (slots)   16..S−1 zeros
 *    slot k at S × (k + 1):
 *      0 u32 name length (0: free, and then the whole slot is zeros, or copy A is marked as being
 *        written (a crash while taking the slot); slots are never freed, so a zero length over
 *        anything else is damage, not a free slot)
 *      4 u32 crc32c of the name
 *      8 copy A: u32 sequence, u32 crc32c(sequence, position), f64 position
 *     24 copy B: the same
 *     40 name, UTF-8, at most S − 40 bytes
 *
 *  An update writes the copy with the lower sequence (sequence + 1 of the other): it stores
 *  COPY_BEING_WRITTEN as the copy's sequence first, then the position and checksum, then the
 *  sequence. A crash in the middle of it leaves that copy marked and the other whole, and a
 *  reader takes the whole copy with the highest sequence (sequences wrap at 2^32 and skip the
 *  mark). A copy that fails its checksum and is not marked is damage (ERR_ANNAL_CORRUPT), never
 *  passed over. A copy's checksum covers its sequence (u32 at 0) and position (f64 at 4) packed
 *  into 12 bytes.
 *
 * @module
 */

/** u32: the format's magic. */
export const TABLE_MAGIC_OFFSET = 0;
/** u32: the format's version. */
export const TABLE_VERSION_OFFSET = TABLE_MAGIC_OFFSET + 4;
/** u32: bytes of one slot (and of the header). */
export const TABLE_SLOT_BYTES_OFFSET = TABLE_VERSION_OFFSET + 4;
/** u32: number of slots. */
export const TABLE_SLOTS_OFFSET = TABLE_SLOT_BYTES_OFFSET + 4;

/** Within a slot: u32 name length. */
export const SLOT_NAME_LENGTH = 0;
/** Within a slot: u32 crc32c of the name. */
export const SLOT_NAME_CRC = SLOT_NAME_LENGTH + 4;
/** Within a copy: u32 sequence. */
export const COPY_SEQUENCE = 0;
/** Within a copy: u32 crc32c of (sequence, position) packed as in {@link COPY_CHECKED_BYTES}. */
export const COPY_CRC = COPY_SEQUENCE + 4;
/** Within a copy: f64 position. */
export const COPY_POSITION = COPY_CRC + 4;
/** Bytes of one copy. */
export const COPY_BYTES = COPY_POSITION + 8;
/** Within a slot: copy A. */
export const SLOT_COPY_A = SLOT_NAME_CRC + 4;
/** Within a slot: copy B. */
export const SLOT_COPY_B = SLOT_COPY_A + COPY_BYTES;
/** Within a slot: the name's UTF-8 bytes (to the end of the slot). */
export const SLOT_NAME = SLOT_COPY_B + COPY_BYTES;
/** Where the position sits in the 12 bytes a copy's checksum covers (the sequence is at 0). */
export const COPY_CHECKED_POSITION = 4;
export const COPY_CHECKED_BYTES = COPY_CHECKED_POSITION + 8;
/** The sequence of a copy being written (never a real sequence: they skip it). As an i32. */
export const COPY_BEING_WRITTEN = -1;

/** Bytes of a table of `slots` slots of `slotBytes` (the header takes the room of one slot). */
export function tableFileBytes(slotBytes: number, slots: number): number {
  return slotBytes * (slots + 1);
}

/** Byte offset of slot `slot`. */
export function slotStart(slotBytes: number, slot: number): number {
  return slotBytes * (slot + 1);
}

/** Writes the header of a new table into `view` (the whole file, zeros). */
export function writeTableHeader(
  view: DataView,
  magic: number,
  version: number,
  slotBytes: number,
  slots: number,
): void {
  view.setUint32(TABLE_MAGIC_OFFSET, magic, true);
  view.setUint32(TABLE_VERSION_OFFSET, version, true);
  view.setUint32(TABLE_SLOT_BYTES_OFFSET, slotBytes, true);
  view.setUint32(TABLE_SLOTS_OFFSET, slots, true);
}

/**
 * Stores the sequence of the copy at byte `copyAt` (`words` over the whole file): an atomic
 * store, so the plain stores of the copy's position and checksum stay between the
 * COPY_BEING_WRITTEN mark and the real sequence, and neither store is elided.
 */
export function storeCopySequence(words: Int32Array, copyAt: number, sequence: number): void {
  Atomics.store(words, (copyAt + COPY_SEQUENCE) >> 2, sequence);
}

/** Stores the name length of the slot at byte `slotAt` (after its name: the slot is taken). */
export function storeNameLength(words: Int32Array, slotAt: number, length: number): void {
  Atomics.store(words, (slotAt + SLOT_NAME_LENGTH) >> 2, length);
}

/** The name length of the slot at byte `slotAt` (0: free). */
export function loadNameLength(words: Int32Array, slotAt: number): number {
  return Atomics.load(words, (slotAt + SLOT_NAME_LENGTH) >> 2);
}
