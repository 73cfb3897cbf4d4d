/**
 * The consuming bridge's state file (`bridge-in.<consumer>.state`, next to the local log's
 * files): which stream sequences the local log holds. Before each batch is appended, the bridge
 * writes one slot (and fdatasyncs it when the log syncs) saying what the batch is; at start it
 * counts the records after `before` in the log to know how much of the last batch made it.
 *
 * Two slots, at byte 0 and at {@link SLOT_BYTES}; a write goes to the slot the older generation
 * holds, so a torn write leaves the other one intact. A slot:
 *
 * ```text
 *  0        4        8                  16                 24                 32       36       40
 *  +--------+--------+------------------+------------------+------------------+--------+--------+-----------…
 *  | magic  | crc32c | generation       | held before      | before           | count  | (zero) | seq × count
 *  +--------+--------+------------------+------------------+------------------+--------+--------+-----------…
 *   u32 LE   u32 LE   f64 LE             f64 LE             f64 LE             u32 LE            f64 LE each
 *
 *  magic        "ABIS" (0x53494241): a slot was written here
 *  crc32c       of bytes 8 … 40 + 8 × count
 *  generation   1, 2, 3, …: the newest valid slot is the state
 *  held before  the stream sequence of the last message the log held before this batch (0: none)
 *  before       the local index of the log's last record before this batch (-1: the log was empty)
 *  count        messages in the batch (1 … 4096)
 *  seq          the stream sequence of each, in the order they are appended
 * ```
 *
 * @module
 */

/** The slot's magic number ("ABIS" little-endian). */
export const STATE_MAGIC = 0x53494241;
/** Bytes before the sequences. */
export const SLOT_HEADER_BYTES = 40;
/** Most sequences a slot holds (the largest `maxBatchRecords`). */
export const MAX_SLOT_SEQUENCES = 4096;
/** Bytes of a slot. */
export const SLOT_BYTES = SLOT_HEADER_BYTES + 8 * MAX_SLOT_SEQUENCES;

/** Byte offsets within a slot. */
export const SLOT_FIELDS = {
  magic: 0,
  crc: 4,
  generation: 8,
  heldBefore: 16,
  before: 24,
  count: 32,
  reserved: 36,
  sequences: SLOT_HEADER_BYTES,
} as const;

/** Where the checksum starts (everything after it is covered). */
export const CRC_FROM = SLOT_FIELDS.generation;
