/**
 * The index page an appender fills: the second-level page of the range of sequences it is
 * appending in. Finds and adopts the page after recovery (repairing its first-level entry when
 * the page exists without one), and creates the page where its range starts.
 *
 * Separate from append-position.ts because it is one concept of the format (the two-level index,
 * layout.ts) and runs once per index spacing, never per record; the entry of an indexed record
 * is stored by the appender's per-record path.
 *
 * @module
 */
import type { AppendPosition } from './append-position.js';
import type { ScanResult } from './frame-scan.js';
import { checkedIndexPage } from './index-lookup.js';
import {
  computeIndexPageFrameLength,
  packSkipWord,
  storeFirstLevelEntry,
  storeIndexPageEntry,
} from './layout.js';

/**
 * After finding the end by the scan `end`: adopts the index page of the current range. Its
 * first-level entry may be 0 or damaged while the page exists (a crash between the page and
 * its entry, or a flipped bit): then the page the scan walked over is the one, and its entry
 * is rewritten. A range whose page is nowhere stays unindexed (readers scan from an earlier
 * entry); a page is only ever created where its range starts.
 */
export function findIndexPage(at: AppendPosition, end: ScanResult): void {
  at.indexPageNumber = -1;
  at.indexPageWords = undefined;
  const pageNumber = Math.floor(at.sequence / (at.indexCount * at.indexSpacing));
  if (adoptIndexPage(at, pageNumber)) return;
  if (end.indexPage?.number === pageNumber && !at.files.readOnly) {
    storeFirstLevelEntry(at.header, pageNumber, at.headerBytes + end.indexPage.position);
    if (adoptIndexPage(at, pageNumber)) return;
  }
  if (at.sequence % (at.indexCount * at.indexSpacing) !== 0) {
    at.indexPageNumber = pageNumber;
  }
}

/**
 * Makes index page `pageNumber` current if it exists already and its first-level entry checks
 * out (false when not).
 */
function adoptIndexPage(at: AppendPosition, pageNumber: number): boolean {
  const position = checkedIndexPage(at.file, pageNumber);
  if (position < 0) return false;
  const block = at.file.block(Math.floor(position / at.blockBytes));
  if (block === undefined) return false;
  at.indexPageNumber = pageNumber;
  at.indexPageWords = block.words;
  at.indexPageOffset = position - block.start;
  return true;
}

/** Before publishing an indexed record: make sure the index page for its range exists. */
export function prepareIndexEntry(at: AppendPosition, sequence: number): void {
  const pageNumber = Math.floor(sequence / (at.indexCount * at.indexSpacing));
  if (pageNumber === at.indexPageNumber) return;
  // A shared appender may have created it (or, after a crash, an earlier appender).
  if (adoptIndexPage(at, pageNumber)) return;
  if (sequence % (at.indexCount * at.indexSpacing) !== 0) {
    // Mid-range without a page that checks out (see findIndexPage): leave the range
    // unindexed rather than write a page where readers would not accept it.
    at.indexPageNumber = pageNumber;
    at.indexPageWords = undefined;
    return;
  }
  const frameLength = computeIndexPageFrameLength(at.indexCount);
  if (at.position + frameLength > at.blockEnd) at.nextBlock();
  const offset = at.position - at.blockStart;
  // Its entries are zero until written (the block is zeroed past the end); readers skip it.
  at.publishSkip(offset, packSkipWord(frameLength));
  storeFirstLevelEntry(at.header, pageNumber, at.headerBytes + at.position);
  at.indexPageNumber = pageNumber;
  at.indexPageWords = at.words;
  at.indexPageOffset = offset;
  at.position += frameLength;
  // Advisory end, once per index spacing: cheap, and lets tools estimate the size.
  at.publishAdvisory();
}

/**
 * After the record of `sequence` at block `offset` was published: its index entry, when its range
 * has a page. Only for an indexed record (`(sequence & at.indexMask) === 0`): the callers test
 * that before the call, so that the call (not inlined) is made once per index spacing.
 */
export function storeIndexEntry(at: AppendPosition, sequence: number, offset: number): void {
  if (at.indexPageWords !== undefined) {
    storeIndexPageEntry(
      at.indexPageWords,
      at.indexPageOffset,
      (sequence / at.indexSpacing) % at.indexCount,
      at.headerBytes + at.blockStart + offset,
    );
  }
}
