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
import { crc32cRangesInt32 } from '@annal/native/internal';

import {
  CRC_RANGE_LENGTH_SLOT,
  CRC_RANGE_PAYLOAD_SLOT,
  CRC_RANGE_SEED_SLOT,
  CRC_RANGE_SLOTS,
  NONZERO_CHECK,
} from './checksum.js';
import {
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  computeFrameLength,
  getChecksumWord,
  peekLengthWord,
} from './layout.js';

/** Most records checked in one call. */
export const MAX_AHEAD = 64;
/** Fewest records worth one call: fewer are checked one by one, in JS where they are short. */
export const MIN_AHEAD = 4;
/** Most payload bytes checked in one call (beyond it the call's cost is the CRC, not the call). */
const MAX_AHEAD_BYTES = 256 * 1024;
/**
 * Records the first look after a move (attach, seek, detach) may check: 1, so that the reader
 * checks that record alone. Each look that misses the checked span doubles it, up to
 * {@link MAX_AHEAD}: a reader that goes on reading sequentially reaches full runs after a few
 * records, and one that seeks and reads a record or two (random access) never pays for the CRC
 * of 64 records it will not read (with 4 KiB records that was 256 KiB hashed per seek).
 */
const FIRST_WINDOW = 1;

/** The span of the current cycle file whose records passed their check ahead of the reader. */
export class ReadAheadCheck {
  readonly #ranges = new Int32Array(CRC_RANGE_SLOTS * MAX_AHEAD);
  readonly #frameOffsets = new Int32Array(MAX_AHEAD + 1);
  /** Data positions `[verifiedStart, verifiedEnd)`: whole frames, every one checked. */
  verifiedStart = 0;
  verifiedEnd = 0;
  /** Most records the next look checks (see {@link FIRST_WINDOW}). */
  #window = FIRST_WINDOW;

  /** Forgets what was checked (the reader moved: attach, seek, detach). */
  reset(): void {
    this.verifiedStart = 0;
    this.verifiedEnd = 0;
    this.#window = FIRST_WINDOW;
  }

  /**
   * Checks the committed records from the one at block `offset` (record `sequence`, its length
   * word already seen committed) to the end of the block, at most {@link MAX_AHEAD}.
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
    const window = this.#window;
    if (window < MAX_AHEAD) this.#window = window * 2;
    if (window < MIN_AHEAD) return false;
    const ranges = this.#ranges;
    const frameOffsets = this.#frameOffsets;
    let count = 0;
    let at = offset;
    let payloadBytes = 0;
    while (count < window && payloadBytes < MAX_AHEAD_BYTES && at < blockBytes) {
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
    if (count < MIN_AHEAD) return false;
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
