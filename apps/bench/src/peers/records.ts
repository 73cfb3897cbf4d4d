/**
 * The records every persistent-store row (`core/append`, `core/read`) writes and checks, so no
 * row can post a fast number by storing nothing, storing less, or storing the wrong bytes.
 *
 * A record is `payloadBytes` bytes: its u32 little-endian sequence number (0, 1, 2, … in append
 * order), then random bytes that are the same in every record (a template). Random, so that a
 * store that compresses gets no free ride; the same in every record, so that making a record
 * costs one 4-byte store, which is the same for every row.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';

/** Bytes at the start of every payload that hold its u32 little-endian sequence number. */
export const SEQUENCE_BYTES = 4;

/** How many stored records a verification compares byte for byte (first, last and between). */
const SPOT_CHECKS = 17;

/** A record template: random payload bytes; the sequence number is stamped per record. */
export function createRecordTemplate(payloadBytes: number): Buffer {
  if (!Number.isInteger(payloadBytes) || payloadBytes < SEQUENCE_BYTES)
    throw new RangeError(
      `payloadBytes must be an integer ≥ ${SEQUENCE_BYTES}, got ${payloadBytes}`,
    );
  const template = Buffer.allocUnsafe(payloadBytes);
  randomFillSync(template);
  return template;
}

/** The sequence number of the record whose payload starts at `bytes[at]` (read in place). */
export function readSequence(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

/** Turns `record` (a template or a copy of one) into record number `sequence`. */
export function stampSequence(record: Buffer, sequence: number): void {
  record.writeUInt32LE(sequence, 0);
}

/**
 * Throws unless `stored[offset, offset + length)` is record number `sequence` made from
 * `template`: right length, right sequence number, and the template's bytes after it.
 */
export function checkStoredRecord(
  stored: Buffer,
  offset: number,
  length: number,
  sequence: number,
  template: Buffer,
): void {
  if (length !== template.length)
    throw new Error(`record ${sequence}: stored length ${length}, expected ${template.length}`);
  const storedSequence = stored.readUInt32LE(offset);
  if (storedSequence !== sequence)
    throw new Error(`record ${sequence}: stored sequence number is ${storedSequence}`);
  if (template.compare(stored, offset + SEQUENCE_BYTES, offset + length, SEQUENCE_BYTES) !== 0)
    throw new Error(`record ${sequence}: payload bytes differ from what was appended`);
}

/**
 * The sequence numbers a verification of `count` stored records compares in full: the first,
 * the last and evenly spread ones between them (all of them when there are few).
 */
export function spotCheckSequences(count: number): number[] {
  if (count <= SPOT_CHECKS) return Array.from({ length: count }, (_, sequence) => sequence);
  return Array.from({ length: SPOT_CHECKS }, (_, index) =>
    Math.floor((index * (count - 1)) / (SPOT_CHECKS - 1)),
  );
}
