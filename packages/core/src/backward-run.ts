/**
 * Backward reading: the positions of a run of records, collected by one forward scan from the
 * indexed record at or before the reader's position, then handed out last to first. A cycle file
 * can only be walked forward (frames say how long they are, not where they start), so reading
 * backward costs one scan of at most `indexSpacing` records per `indexSpacing` records read.
 *
 * Separate from reader.ts: forward reading never touches it.
 *
 * @module
 */
import { collectRecordPositions, scanFrames } from './frame-scan.js';
import { indexedStart, lastIndexedStart } from './index-lookup.js';
import type { ReadPosition } from './read-position.js';

/** The run of record positions a backward reader hands out (see the module description). */
export class BackwardRun {
  /** Data positions of records `base …` of the current file, ascending. */
  readonly positions: number[] = [];
  /** Sequence of the first record of the run. */
  base = 0;
  /** Records of the run not handed out yet (the last of them is handed out next). */
  count = 0;

  /**
   * Fills the run of record positions that ends just before `at`'s position: from the indexed
   * record at or before it, forward. Moves to the previous cycle at a file's start.
   *
   * @returns false at the very start of the queue
   */
  collect(at: ReadPosition): boolean {
    let file = at.file ?? at.reattach();
    if (file === undefined) return false;
    while (at.sequence === 0) {
      const cycle = file.cycle;
      const earlier = at.files
        .listCycles()
        .filter((candidate) => candidate < cycle)
        .at(-1);
      if (earlier === undefined) return false;
      const previous = at.files.get(earlier);
      if (previous === undefined) return false;
      const end = scanFrames(previous, lastIndexedStart(previous), at.scanOptions());
      at.attach(earlier, end.position, end.sequence);
      file = previous;
    }
    const target = at.sequence - 1;
    const start = indexedStart(file, target);
    const positions = this.positions;
    collectRecordPositions(file, start, target, positions);
    this.base = start.sequence;
    this.count = positions.length;
    return positions.length > 0;
  }
}
