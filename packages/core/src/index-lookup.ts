/**
 * Lookups in a cycle file's two-level index (first-level entries in the header, index pages in
 * the data): every entry is a hint, used only once the frame it points at checks out.
 *
 * @module
 */
import type { CycleFile } from './cycle-file.js';
import {
  FRAME_HEADER_BYTES,
  computeFrameLength,
  computeIndexPageFrameLength,
  computeSkipTag,
  getChecksumWord,
  isRecordWord,
  loadFirstLevelEntry,
  loadIndexPageEntry,
  loadLengthWord,
  packIndexPageWord,
  unpackLength,
} from './layout.js';
import { blockAt, recordChecks } from './frame-checks.js';
import type { FramePosition } from './frame-scan.js';

/** What {@link checkedIndexPage} returns for a page that is not there or does not check out. */
export const NOT_INDEXED = -1;

/**
 * Data position of index page `page`, or {@link NOT_INDEXED} when its first-level entry is 0 or does not check
 * out: inside the file, frame-aligned, and an index page's length word whose check word says it
 * sits where page `page` must (after `page × indexCount × indexSpacing` records).
 */
export function checkedIndexPage(file: CycleFile, page: number): number {
  const { indexCount, indexSpacing, headerBytes } = file.configuration;
  const fileOffset = loadFirstLevelEntry(file.header, page);
  if (fileOffset === 0) return NOT_INDEXED;
  const position = fileOffset - headerBytes;
  const block = blockAt(file, position, computeIndexPageFrameLength(indexCount));
  if (block === undefined) return NOT_INDEXED;
  const offset = position - block.start;
  const word = loadLengthWord(block.words, offset);
  if (word !== packIndexPageWord(indexCount)) return NOT_INDEXED;
  const tag = computeSkipTag(word, position, page * indexCount * indexSpacing);
  return getChecksumWord(block.words, offset) === tag ? position : NOT_INDEXED;
}

/**
 * Data position of the record that entry `j` of the index page at `pagePosition` names (it must
 * have sequence `sequence`), or {@link NOT_INDEXED} when the entry is 0 or does not check out: inside the file,
 * frame-aligned, a record that fits its block and carries `sequence`'s check word.
 */
export function checkedIndexEntry(
  file: CycleFile,
  pagePosition: number,
  j: number,
  sequence: number,
): number {
  const { blockBytes, headerBytes, maxPayloadBytes } = file.configuration;
  const pageBlock = file.block(Math.floor(pagePosition / blockBytes));
  if (pageBlock === undefined) return NOT_INDEXED;
  const fileOffset = loadIndexPageEntry(pageBlock.words, pagePosition - pageBlock.start, j);
  if (fileOffset === 0) return NOT_INDEXED;
  const position = fileOffset - headerBytes;
  const block = blockAt(file, position, FRAME_HEADER_BYTES);
  if (block === undefined) return NOT_INDEXED;
  const offset = position - block.start;
  const word = loadLengthWord(block.words, offset);
  if (!isRecordWord(word)) return NOT_INDEXED;
  const length = unpackLength(word);
  if (length > maxPayloadBytes || offset + computeFrameLength(length) > blockBytes)
    return NOT_INDEXED;
  return recordChecks(file, block, offset, length, sequence) ? position : NOT_INDEXED;
}

/**
 * The best starting point for reaching `sequence`: the indexed record at or before it whose
 * index entries check out, or the start of the file. Entries that do not check out are passed
 * over (a scan from an earlier one finds the same records), so a damaged index costs time, never
 * a wrong answer.
 */
export function indexedStart(file: CycleFile, sequence: number): FramePosition {
  const { indexCount, indexSpacing } = file.configuration;
  let entryNumber = Math.floor(sequence / indexSpacing);
  let page = -1;
  let pagePosition = -1;
  for (; entryNumber > 0; entryNumber--) {
    const pageNumber = Math.floor(entryNumber / indexCount);
    if (pageNumber !== page) {
      page = pageNumber;
      pagePosition = checkedIndexPage(file, page);
    }
    if (pagePosition < 0) {
      // No usable page for this range: try the last entry of the previous page.
      entryNumber = page * indexCount;
      continue;
    }
    const entrySequence = entryNumber * indexSpacing;
    const position = checkedIndexEntry(file, pagePosition, entryNumber % indexCount, entrySequence);
    if (position >= 0) return { position, sequence: entrySequence };
  }
  return { position: 0, sequence: 0 };
}

/** The last indexed record of the file whose entries check out (for finding the end), or the start. */
export function lastIndexedStart(file: CycleFile): FramePosition {
  const { indexCount, indexSpacing } = file.configuration;
  for (let page = indexCount - 1; page >= 0; page--) {
    const pagePosition = checkedIndexPage(file, page);
    if (pagePosition < 0) continue;
    for (let j = indexCount - 1; j >= 0; j--) {
      const sequence = (page * indexCount + j) * indexSpacing;
      const position = checkedIndexEntry(file, pagePosition, j, sequence);
      if (position >= 0) return { position, sequence };
    }
  }
  return { position: 0, sequence: 0 };
}
