/**
 * The sparse index of a topic's segments, kept in memory: for each segment, the byte position of
 * every {@link INDEX_SPACING}-th record. It grows as seeks walk past its end, so a stretch of a
 * segment is walked once, and a seek after that skims at most INDEX_SPACING frames: paging
 * through a long topic by index costs no more than reading it.
 *
 * @module
 */
import type { Cursor } from './cursor.js';
import { KIND_BATCH_COMMIT, KIND_END, SEGMENT_HEADER_BYTES, frameBytes } from './layout.js';
import type { Frame, Segment } from './segment.js';

/** Records between two checkpoints of a segment's sparse index. */
export const INDEX_SPACING = 256;

export class SparseIndex {
  /**
   * By segment (its first index): entry `k` is the position of the frame of index
   * `first + k × INDEX_SPACING` (or of a batch commit just before it).
   */
  readonly #checkpoints = new Map<number, number[]>();
  readonly #frame: Frame;

  /** @param frame - scratch the skims fill (the topic's own) */
  constructor(frame: Frame) {
    this.#frame = frame;
  }

  /**
   * Positions `cursor` at `index` inside `segment` (the one holding it, whose first index is
   * `first`): the nearest checkpoint before it, then frame by frame without checksums (each
   * record is checked when it is read). Stops early at the end of what was written
   * (`nextIndex`).
   */
  seek(cursor: Cursor, segment: Segment, first: number, index: number, nextIndex: number): void {
    let checkpoints = this.#checkpoints.get(first);
    if (checkpoints === undefined) {
      checkpoints = [SEGMENT_HEADER_BYTES];
      this.#checkpoints.set(first, checkpoints);
    }
    const nearest = Math.min(Math.floor((index - first) / INDEX_SPACING), checkpoints.length - 1);
    cursor.index = first + nearest * INDEX_SPACING;
    cursor.position = checkpoints[nearest] as number;
    const frame = this.#frame;
    while (cursor.index < index && cursor.index < nextIndex) {
      segment.skimFrame(cursor.position, frame, cursor.window);
      if (frame.kind === 0 || frame.kind === KIND_END) break;
      cursor.position += frameBytes(frame.length);
      if (frame.kind === KIND_BATCH_COMMIT) continue;
      cursor.index++;
      // Past the index's end: the next checkpoint is where this walk stands now.
      if (cursor.index - first === checkpoints.length * INDEX_SPACING) {
        checkpoints.push(cursor.position);
      }
    }
  }

  /** Forgets the checkpoints of the segment whose first index is `first` (deleted). */
  forget(first: number): void {
    this.#checkpoints.delete(first);
  }
}
