/**
 * Truncating a cycle file at a corrupt frame (`onCorrupt: 'truncate'`): everything from there
 * on is zeroed, so no stale frame can reappear after the records appended next.
 *
 * @module
 */
import type { CycleFile } from './cycle-file.js';
import {
  loadFirstLevelEntry,
  loadIndexPageEntry,
  storeFirstLevelEntry,
  storeIndexPageEntry,
} from './layout.js';

/**
 * Zeroes data positions `[position, end of the allocated file)` and clears index entries that
 * point at or past `position`. Not a hot path: it runs once, while an appender recovers.
 */
export function truncateAt(file: CycleFile, position: number): void {
  const { blockBytes, headerBytes, indexCount } = file.configuration;
  const firstBlock = Math.floor(position / blockBytes);
  const blocks = file.allocatedBlocks();
  for (let number = firstBlock; number < blocks; number++) {
    const block = file.block(number);
    if (block === undefined) break;
    block.bytes.fill(0, number === firstBlock ? position - block.start : 0);
  }
  const limit = headerBytes + position;
  for (let page = 0; page < indexCount; page++) {
    const pageOffset = loadFirstLevelEntry(file.header, page);
    if (pageOffset === 0) continue;
    if (pageOffset >= limit) {
      storeFirstLevelEntry(file.header, page, 0);
      continue;
    }
    const pagePosition = pageOffset - headerBytes;
    const block = file.block(Math.floor(pagePosition / blockBytes));
    if (block === undefined) continue;
    for (let j = 0; j < indexCount; j++) {
      const entry = loadIndexPageEntry(block.words, pagePosition - block.start, j);
      if (entry >= limit) storeIndexPageEntry(block.words, pagePosition - block.start, j, 0);
    }
  }
}
