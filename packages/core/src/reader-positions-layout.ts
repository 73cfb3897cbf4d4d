/**
 * The positions of a queue's named readers: `readers.annalr`, a position table of
 * @annal/native/internal (its byte diagram, and the protocol that makes an update crash-safe,
 * are in native's position-table-layout.ts). This module fixes its parameters:
 *
 *  readers.annalr (81,920 bytes)
 *    0 u32 magic "ANLP"   4 u32 version (1)   8 u32 slotBytes (80)   12 u32 slots (1023)
 *    slot k at 80 × (k + 1): u32 name length, u32 name crc32c, copy A and copy B (each u32
 *    sequence, u32 crc32c, f64 queue index), then the name (at most 40 bytes)
 *
 * A stored position is the index the reader returns next after a restart.
 *
 * @module
 */

/** "ANLP" read as a little-endian u32. */
export const READER_POSITIONS_MAGIC = 0x504c4e41;
/** Version of the positions table's layout. */
export const READER_POSITIONS_VERSION = 1;
/** File name of the positions table, in the queue directory. */
export const READER_POSITIONS_FILE_NAME = 'readers.annalr';
/** Bytes of one slot (40 of them are the name). */
export const READER_POSITIONS_SLOT_BYTES = 80;
/** Named readers a queue can have (slots are never freed). */
export const READER_POSITIONS_SLOTS = 1023;
/** Bytes of the positions table file: the header takes the room of one slot. */
export const READER_POSITIONS_FILE_BYTES =
  READER_POSITIONS_SLOT_BYTES * (READER_POSITIONS_SLOTS + 1);
/** Longest reader name, in UTF-8 bytes. */
export const MAX_READER_NAME_BYTES = READER_POSITIONS_SLOT_BYTES - 40;
