/**
 * A checksummed reader's check of the records ahead of it, in one addon call: from the record it
 * is about to return, the CRC32C of up to {@link MAX_AHEAD} committed records of the same block
 * is computed by `crc32cRangesInt32` and compared with their check words. The records that pass,
 * from the first on, are then returned without computing their CRC again. A call to the addon
 * costs about as much as the CRC of 150 bytes in JS; for short records that call, or the JS CRC,
 * was most of a read (apps/bench core/read, `annal-crc32c`).
 *
 * Checking ahead is the same check as checking at read time: a committed record's bytes never
 * change (a reader reads mapped memory, so a byte changed on disk after the check was never
 * excluded either). A record whose check fails ends the run before it, and the reader checks it
 * itself, as before, to report or skip it.
 *
 * @module
 */
import {
  CRC_RANGE_LENGTH_SLOT,
  CRC_RANGE_PAYLOAD_SLOT,
  CRC_RANGE_SEED_SLOT,
  CRC_RANGE_SLOTS,
  MAX_READ_AHEAD,
  MAX_READ_AHEAD_BYTES,
  MIN_READ_AHEAD,
  ReadAheadWindow,
  crc32cRangesInt32,
} from '@annal/native/internal';

import { NONZERO_CHECK } from './checksum.js';
import {
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  computeFrameLength,
  getChecksumWord,
  peekLengthWord,
} from './layout.js';

/** Most records checked in one call (`@annal/native/internal`'s read-ahead window). */
export const MAX_AHEAD = MAX_READ_AHEAD;

/** The span of the current cycle file whose records passed their check ahead of the reader. */
export class ReadAheadCheck {
  readonly #ranges = new Int32Array(CRC_RANGE_SLOTS * MAX_AHEAD);
  readonly #frameOffsets = new Int32Array(MAX_AHEAD + 1);
  /** Data positions `[verifiedStart, verifiedEnd)`: whole frames, every one checked. */
  verifiedStart = 0;
  verifiedEnd = 0;
  /** How many records the next look checks: one after a move, doubling as the reader goes on. */
  readonly #window = new ReadAheadWindow();

  /** Forgets what was checked (the reader moved: attach, seek, detach). */
  reset(): void {
    this.verifiedStart = 0;
    this.verifiedEnd = 0;
    this.#window.reset();
  }

  /** Records that the frames at data positions `[from, to)` passed their check (seek's). */
  markChecked(from: number, to: number): void {
    this.verifiedStart = from;
    this.verifiedEnd = to;
  }

  /**
   * Checks the committed records from the one at block `offset` (record `sequence`, its length
   * word already seen committed) to the end of the block, as many as the window allows.
   *
   * @returns true when the record at `offset` passed (and so maybe more after it); false when
   *   it failed, or when too few records are there to be worth a call: the caller checks it
   */
  check(
    words: Int32Array,
    bytes: Uint8Array,
    blockStart: number,
    blockBytes: number,
    maxPayloadBytes: number,
    offset: number,
    sequence: number,
  ): boolean {
    const window = this.#window.take();
    if (window === 0) return false;
    const ranges = this.#ranges;
    const frameOffsets = this.#frameOffsets;
    let count = 0;
    let at = offset;
    let payloadBytes = 0;
    while (count < window && payloadBytes < MAX_READ_AHEAD_BYTES && at < blockBytes) {
      // A record's word, seen committed: its payload and check word are visible (frame-layout.ts).
      const word = peekLengthWord(words, at);
      if (word <= 0) break; // the end, or a skip frame: the run stops before it
      const length = word & LENGTH_MASK;
      const frameLength = computeFrameLength(length);
      if (length > maxPayloadBytes || at + frameLength > blockBytes) break;
      const slot = CRC_RANGE_SLOTS * count;
      ranges[slot + CRC_RANGE_PAYLOAD_SLOT] = at + FRAME_HEADER_BYTES;
      ranges[slot + CRC_RANGE_LENGTH_SLOT] = length;
      ranges[slot + CRC_RANGE_SEED_SLOT] = sequence + count;
      frameOffsets[count] = at;
      count++;
      payloadBytes += length;
      at += frameLength;
    }
    if (count < MIN_READ_AHEAD) return false;
    frameOffsets[count] = at;
    crc32cRangesInt32(bytes, ranges, count);
    let passed = 0;
    while (passed < count) {
      const crc = ranges[CRC_RANGE_SLOTS * passed + CRC_RANGE_SEED_SLOT] as number;
      if (getChecksumWord(words, frameOffsets[passed] as number) !== (crc || NONZERO_CHECK)) break;
      passed++;
    }
    this.verifiedStart = blockStart + offset;
    this.verifiedEnd = blockStart + (frameOffsets[passed] as number);
    return passed > 0;
  }
}
