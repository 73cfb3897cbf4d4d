/**
 * Recovery: the true end of a cycle file, found from checked frames only, and the clean-up an
 * appender does there before writing. Not a hot path: it runs when an appender attaches to a
 * file, and when a shared appender takes over from a dead one or finds line 1 damaged.
 *
 * @module
 */
import type { CycleFile } from './cycle-file.js';
import { scanFrames, type ScanResult } from './frame-scan.js';
import { lastIndexedStart } from './index-lookup.js';
import { computeFrameLength } from './layout.js';
import { truncateAt } from './truncate.js';

/**
 * The true end of `file`: scanned from the last index entry that checks out, every frame on the
 * way checked, and a free word checked against the header (frame-scan.ts). So the end is found
 * from verified frames only, inside the allocated file: nothing is reserved or written on the
 * word of unchecked metadata. A corrupt frame on the way throws (`onCorrupt: 'stop'`), is
 * stepped over when it is a record whose check word fails (`'skip'`), or with `'truncate'`
 * becomes the end: it and everything after it are zeroed, and index entries pointing there are
 * cleared.
 *
 * @throws ERR_ANNAL_CORRUPT as above
 */
export function findCheckedEnd(
  file: CycleFile,
  onCorrupt: 'stop' | 'skip' | 'truncate',
): ScanResult {
  const end = scanFrames(file, lastIndexedStart(file), {
    // The appender never steps over a bad record ('skip' is for readers): it would append after
    // a frame whose length nothing checked.
    stopAtCorrupt: onCorrupt === 'truncate',
    judgeLocked: true,
  });
  if (end.corrupt !== undefined) truncateAt(file, end.position);
  return end;
}

/**
 * Zeroes what a dead appender may have written past the true end `position` (a payload whose
 * length word it never stored), so a later, shorter frame never leaves stale bytes where a
 * reader expects a length word. A frame is at most a quarter block, so that bound suffices. A
 * position on a block boundary is zeroed in the block that starts there: where the next frame
 * goes (and where the dead appender wrote).
 */
export function zeroPastEnd(file: CycleFile, position: number): void {
  const { blockBytes, maxPayloadBytes } = file.configuration;
  const block = file.block(Math.floor(position / blockBytes));
  if (block === undefined) return;
  const offset = position - block.start;
  const end = Math.min(blockBytes, offset + computeFrameLength(maxPayloadBytes) + 8);
  block.bytes.fill(0, offset, end);
}
