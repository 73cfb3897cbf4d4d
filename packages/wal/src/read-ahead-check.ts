/**
 * A reader's check of the records ahead of it in one addon call: from the record it is about to
 * hand out, the CRC32C of up to `MAX_READ_AHEAD` records the topic knows are committed is
 * computed by `crc32cRangesInt32` and compared with their stored checksums; the records that
 * pass, from the first on, are then read without computing their CRC again. For short records
 * the per-record CRC (in JS) or addon call was most of a read (apps/bench wal/read).
 *
 * Checking ahead is the same check as checking at read time: only records below the topic's
 * committed end are checked, and a committed frame's bytes do not change. A record that fails
 * ends the run before it, and the segment checks it itself, as before, to report it.
 *
 * Both backends: a mapped segment checks ahead in its mapping; a file segment in the window (or
 * stage) the reader's record was read from, up to the first frame that window cuts. The records
 * that passed are known by their file positions, so a reader that moves on to the next window
 * reads them without checking them again: a committed frame's bytes are the same in any window.
 *
 * @module
 */
import {
  CRC_RANGE_LENGTH_SLOT as LENGTH_SLOT,
  CRC_RANGE_PAYLOAD_SLOT as PAYLOAD_SLOT,
  CRC_RANGE_SEED_SLOT as SEED_SLOT,
  CRC_RANGE_SLOTS as SLOTS,
  MAX_READ_AHEAD,
  MAX_READ_AHEAD_BYTES,
  MIN_READ_AHEAD,
  ReadAheadWindow,
  crc32cRangesInt32,
} from '@annal/native/internal';

import type { FrameBuffer } from './checksum.js';
import {
  FRAME_CHECKSUM_OFFSET,
  FRAME_HEADER_BYTES,
  FRAME_WORD_OFFSET,
  KIND_BATCH_MEMBER,
  KIND_RECORD,
  frameBytes,
  frameSeed,
  kindOf,
  lengthOf,
} from './layout.js';

/** The span of one segment whose records passed their check ahead of the reader. */
export class ReadAheadCheck {
  readonly #ranges = new Int32Array(SLOTS * MAX_READ_AHEAD);
  readonly #frameStarts = new Int32Array(MAX_READ_AHEAD + 1);
  /** File positions `[from, to)`: whole record frames, every one checked. */
  #from = 0;
  #to = 0;
  /**
   * How many records the next look checks: one when it does not continue the last look (the
   * reader seeked, or it is another reader of the segment), doubling as a reader goes on.
   */
  readonly #window = new ReadAheadWindow();
  /** The record a look continuing the last one starts at. */
  #nextIndex = -1;

  /** True when the frame at `position` is one of those that passed. */
  covers(position: number): boolean {
    return position >= this.#from && position < this.#to;
  }

  /**
   * Checks the records from the one at `buffer` offset `at` (file position `position`, record
   * `index`, the buffer holding the file up to offset `end`), at most `records` of them: the
   * records the topic knows are committed from there.
   *
   * @returns true when the record at `at` passed; false when it failed, or when too few records
   *   are there to be worth a call (the caller checks it)
   */
  check(
    buffer: FrameBuffer,
    at: number,
    end: number,
    position: number,
    index: number,
    records: number,
  ): boolean {
    if (index !== this.#nextIndex) this.#window.reset();
    const window = this.#window.take();
    this.#from = position;
    this.#to = position;
    // A reader going on reads the next record after this one (checked by the caller) next.
    this.#nextIndex = index + 1;
    if (window === 0) return false;
    const ranges = this.#ranges;
    const frameStarts = this.#frameStarts;
    const view = buffer.view;
    const most = Math.min(records, window);
    let count = 0;
    let offset = at;
    let payloadBytes = 0;
    while (
      count < most &&
      payloadBytes < MAX_READ_AHEAD_BYTES &&
      offset + FRAME_HEADER_BYTES <= end
    ) {
      const word = view.getUint32(offset + FRAME_WORD_OFFSET, true);
      const kind = kindOf(word);
      // A batch's commit frame or a segment's end frame ends the run (their seeds differ).
      if (kind !== KIND_RECORD && kind !== KIND_BATCH_MEMBER) break;
      const length = lengthOf(word);
      const next = offset + frameBytes(length);
      if (next > end) break;
      const slot = SLOTS * count;
      ranges[slot + PAYLOAD_SLOT] = offset + FRAME_HEADER_BYTES;
      ranges[slot + LENGTH_SLOT] = length;
      ranges[slot + SEED_SLOT] = frameSeed(kind, index + count);
      frameStarts[count] = offset;
      count++;
      payloadBytes += length;
      offset = next;
    }
    if (count < MIN_READ_AHEAD) return false;
    frameStarts[count] = offset;
    crc32cRangesInt32(buffer.bytes, ranges, count);
    let passed = 0;
    while (
      passed < count &&
      view.getInt32((frameStarts[passed] as number) + FRAME_CHECKSUM_OFFSET, true) ===
        ranges[SLOTS * passed + SEED_SLOT]
    ) {
      passed++;
    }
    this.#to = position + ((frameStarts[passed] as number) - at);
    // Going on, the reader looks again at the first record this look did not cover.
    if (passed > 0) this.#nextIndex = index + passed;
    return passed > 0;
  }
}
