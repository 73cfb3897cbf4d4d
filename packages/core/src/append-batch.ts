/**
 * The batch append path: the frames of a batch are written first and published together, so
 * their CRC32C checksums cost one addon call instead of one per record. A call to the addon
 * costs about as much as the CRC of 150 bytes; for short records that call, not the CRC, was
 * most of an append's cost (apps/bench core/append, "appendBatchSync").
 *
 * Frames wait unpublished only inside one block and one index page, and no frame is published
 * after one that waits: the appender publishes them before anything moves the block or the page
 * (a new block, an index page, a roll), before any other frame (a record, an aborted claim), and
 * at the end of a batch. So every offset here is into the block the position is in; readers, which
 * stop at the first frame whose length word is 0, never see a later record before an earlier one;
 * and after a crash the unpublished bytes lie past the recovered end, where the next appender
 * zeroes them (they are kept within that zeroed span).
 *
 * @module
 */
import { InvalidArgumentError, TooLargeError } from '@annal/native';
import {
  CRC_RANGE_LENGTH_SLOT,
  CRC_RANGE_PAYLOAD_SLOT,
  CRC_RANGE_SEED_SLOT,
  CRC_RANGE_SLOTS,
  crc32cRangesInt32,
} from '@annal/native/internal';

import { storeIndexEntry } from './append-index-page.js';
import type { AppendPosition } from './append-position.js';
import { NONZERO_CHECK, recordCheckWord } from './checksum.js';
import { describeValue, isForeignUint8Array } from './describe-value.js';
import {
  FRAME_HEADER_BYTES,
  computeFrameLength,
  computeRecordTag,
  packRecordWord,
  publishLengthWordFenceless,
  setChecksumWord,
  storeLengthWord,
} from './layout.js';

/** Most frames published together; a longer batch is published in runs of this many. */
export const MAX_PENDING_FRAMES = 256;

/** A waiting frame's slots in the table the batched CRC call reads: (offset, length, seed). */
const SLOTS = CRC_RANGE_SLOTS;
const PAYLOAD_SLOT = CRC_RANGE_PAYLOAD_SLOT;
const LENGTH_SLOT = CRC_RANGE_LENGTH_SLOT;
/** The record's sequence (the CRC's seed) until the CRC call, then its checksum. */
const SEED_SLOT = CRC_RANGE_SEED_SLOT;

/**
 * The frames written but not yet published: for each, its payload's block offset, its length
 * and its sequence, as the (offset, length, seed) triples the batched CRC call reads, and then
 * holds the CRCs in place of the seeds.
 */
export class PendingFrames {
  readonly #ranges = new Int32Array(SLOTS * MAX_PENDING_FRAMES);
  /** Frames waiting. */
  count = 0;
  /** Block offset of the first waiting frame (for an msync of the run). */
  firstOffset = 0;

  /** Adds the frame at block `offset` holding `length` payload bytes, record `sequence`. */
  add(offset: number, length: number, sequence: number): void {
    const slot = SLOTS * this.count;
    if (this.count === 0) this.firstOffset = offset;
    this.#ranges[slot + PAYLOAD_SLOT] = offset + FRAME_HEADER_BYTES;
    this.#ranges[slot + LENGTH_SLOT] = length;
    this.#ranges[slot + SEED_SLOT] = sequence;
    this.count++;
  }

  /**
   * True when the waiting frames must be published before a frame of `length` payload bytes is
   * placed: it would move the position to another block, index page or cycle, or the cycle is
   * full (placing throws then, and what waits must not be lost with it).
   */
  mustPublishBefore(at: AppendPosition, length: number, rollDue: boolean): boolean {
    const end = at.position + computeFrameLength(length);
    return (
      rollDue ||
      end > at.blockEnd ||
      // What a crash leaves unpublished must fit in what the next appender zeroes past the end
      // (one frame of the largest payload, recovery.ts), or its bytes could be read as frames.
      end - (at.blockStart + this.firstOffset) > computeFrameLength(at.maxPayloadBytes) ||
      at.sequence % (at.indexCount * at.indexSpacing) === 0 ||
      at.sequence >= at.sequenceLimit
    );
  }

  /**
   * Writes every waiting frame's check word, then publishes its length word, in order, and
   * stores the index entries of indexed records (after their publish, as a single append does).
   */
  publish(at: AppendPosition): void {
    const count = this.count;
    if (count === 0) return;
    const ranges = this.#ranges;
    const words = at.words;
    // Sequences, before the CRC call puts checksums in their place. Unsigned: a cycle holds up
    // to 2^32 records, and the Int32Array slot reads a sequence of 2^31 or more back negative
    // (its index entry would then be stored before its index page).
    const firstSequence = (ranges[SEED_SLOT] as number) >>> 0;
    if (at.checksums && count > 1) crc32cRangesInt32(at.bytes, ranges, count);
    for (let i = 0; i < count; i++) {
      const payloadAt = ranges[SLOTS * i + PAYLOAD_SLOT] as number;
      const length = ranges[SLOTS * i + LENGTH_SLOT] as number;
      const sequence = firstSequence + i;
      const offset = payloadAt - FRAME_HEADER_BYTES;
      let check: number;
      if (!at.checksums) check = computeRecordTag(packRecordWord(length), sequence);
      else if (count > 1) check = (ranges[SLOTS * i + SEED_SLOT] as number) || NONZERO_CHECK;
      else check = recordCheckWord(true, words, at.bytes, payloadAt, length, sequence);
      setChecksumWord(words, offset, check);
      // publish: the payload and check word written above are visible to any reader that loads it.
      if (at.fenceless) publishLengthWordFenceless(words, offset, packRecordWord(length));
      else storeLengthWord(words, offset, packRecordWord(length));
      if ((sequence & at.indexMask) === 0) storeIndexEntry(at, sequence, offset);
    }
    this.count = 0;
  }
}

/**
 * Refuses a batch before any of it is written: `payloads` must be an array of Uint8Arrays of at
 * most `maxPayloadBytes` each.
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT (`payloads`, `payloads[i]`); ERR_ANNAL_TOO_LARGE
 *   (`payloads[i]`)
 */
export function checkBatch(payloads: unknown, maxPayloadBytes: number): void {
  if (!Array.isArray(payloads)) {
    throw new InvalidArgumentError(
      `payloads must be an array of Uint8Arrays: payloads=${describeValue(payloads)}; nothing was appended`,
      { field: 'payloads' },
    );
  }
  for (let i = 0; i < payloads.length; i++) {
    const payload: unknown = payloads[i];
    if (!(payload instanceof Uint8Array) && !isForeignUint8Array(payload)) {
      throw new InvalidArgumentError(
        `payloads[${i}] must be a Uint8Array (or a Buffer): payloads[${i}]=${describeValue(payload)}; nothing was appended`,
        { field: `payloads[${i}]` },
      );
    }
    if ((payload as Uint8Array).length > maxPayloadBytes) {
      throw new TooLargeError(
        `payloads[${i}] is longer than the queue allows: length=${(payload as Uint8Array).length}, maxPayloadBytes=${maxPayloadBytes}; nothing was appended`,
        { field: `payloads[${i}]` },
      );
    }
  }
}
