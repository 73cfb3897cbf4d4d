/**
 * Verifying one cycle file frame by frame (`queue.verify()`): every length word, check word and
 * (with checksums) payload CRC, every index entry met, checked as a reader would check them, but
 * going on after damage instead of stopping there. Past a frame whose length can be trusted
 * (its successor checks out) the walk steps over it; past one whose length cannot, it resumes at
 * the next indexed record whose index entries check out, so one damaged frame costs at most
 * `indexSpacing` unverified records, never the rest of the file.
 *
 * @module
 */
import { CorruptError } from '@annal/native';

import { recordCheckWord } from './checksum.js';
import type { CycleFile } from './cycle-file.js';
import {
  END_OF_CYCLE_FRAME,
  FREE_FRAME,
  checkFreeWord,
  checkSkipFrame,
  corruptRecord,
  frameLengthOf,
  recordChecks,
} from './frame-checks.js';
import { NOT_INDEXED, checkedIndexEntry, checkedIndexPage } from './index-lookup.js';
import {
  FIRST_LEVEL_INDEX_OFFSET,
  FRAME_HEADER_BYTES,
  SKIP_FLAGS,
  computeFrameLength,
  computeSkipTag,
  getChecksumWord,
  isRecordWord,
  loadFirstLevelEntry,
  loadIndexPageEntry,
  loadLengthWord,
  loadSealed,
  loadWritePosition,
  packIndexPageWord,
  unpackLength,
} from './layout.js';

/** What a problem found by {@link verifyCycleFile} is in: where repairing it starts. */
export type ProblemPlace =
  /** A frame at data `position` met after `sequence` records (or the data cut short there). */
  | { readonly kind: 'frame'; readonly position: number; readonly sequence: number }
  /** First-level index entry `page`. */
  | { readonly kind: 'firstLevelEntry'; readonly page: number }
  /** Entry `entry` of the index page at data position `pagePosition`. */
  | { readonly kind: 'pageEntry'; readonly pagePosition: number; readonly entry: number };

/** Where {@link verifyCycleFile} reports. */
export interface CycleVerifySink {
  /** A problem found (in the order the walk meets it). */
  problem(error: CorruptError, place: ProblemPlace): void;
  /** The walk reached file offset `offset` (called once per frame: keep it cheap). */
  progress(offset: number): void;
}

/** What {@link verifyCycleFile} found. */
export interface CycleVerifyResult {
  /** Records whose frame checked out. */
  readonly records: number;
}

/**
 * Walks every frame of `file` from its start to the end of its data (a free word judged the end,
 * the end-of-cycle frame, or the end of its allocated blocks), reporting each problem to `sink`.
 * A frame being published at the end (its length word not yet stored) is the end, not a problem.
 */
export function verifyCycleFile(file: CycleFile, sink: CycleVerifySink): CycleVerifyResult {
  const { blockBytes, headerBytes, indexCount, indexSpacing } = file.configuration;
  const pageWord = packIndexPageWord(indexCount);
  const pageSpan = indexCount * indexSpacing;
  /** Data positions of the index pages met, by page number. */
  const pages = new Map<number, number>();
  let position = 0;
  let sequence = 0;
  let records = 0;
  let furthest = 0;
  const indexCorrupt = (offset: number, what: string, atSequence?: number): CorruptError => {
    const index = atSequence === undefined ? undefined : indexOf(file, atSequence);
    return new CorruptError(`${file.path}: ${what}`, {
      path: file.path,
      offset,
      field: 'index',
      ...(index === undefined ? {} : { index }),
    });
  };
  /** After a frame whose length cannot be trusted: the next checked indexed record, or the end. */
  const resync = (): boolean => {
    const next = nextIndexedRecord(file, pages, sequence, position);
    if (next === undefined) return false;
    position = next.position;
    sequence = next.sequence;
    return true;
  };
  for (;;) {
    sink.progress(headerBytes + position);
    furthest = Math.max(furthest, position);
    const block = file.block(Math.floor(position / blockBytes));
    if (block === undefined) {
      // The end of the allocated blocks: the end of the data, unless the header says it goes on
      // (an appender allocates a block before it writes there, and moves the header after).
      const writePosition = loadWritePosition(file.header);
      if (loadSealed(file.header) !== 0 || writePosition > position) {
        const length = file.fileLength();
        sink.problem(
          new CorruptError(
            `${file.path} is cut: it ends at file offset ${length}, but its header says the data goes on (sealed=${loadSealed(file.header) !== 0}, writePosition=${writePosition}) after data position ${position}`,
            { path: file.path, offset: length, field: 'length', index: indexOf(file, sequence) },
          ),
          { kind: 'frame', position, sequence },
        );
      }
      break;
    }
    const offset = position - block.start;
    const word = loadLengthWord(block.words, offset);
    let frameLength: number;
    try {
      frameLength = frameLengthOf(file, position, word);
      if (frameLength === FREE_FRAME) {
        checkFreeWord(file, position, sequence);
        break;
      }
    } catch (error) {
      if (!(error instanceof CorruptError)) throw error;
      sink.problem(error, { kind: 'frame', position, sequence });
      if (resync()) continue;
      break;
    }
    if (isRecordWord(word)) {
      const length = unpackLength(word);
      if (recordChecks(file, block, offset, length, sequence)) {
        if (sequence % indexSpacing === 0) {
          const page = pages.get(Math.floor(sequence / pageSpan));
          if (page !== undefined) {
            const j = (sequence / indexSpacing) % indexCount;
            const pageBlock = file.block(Math.floor(page / blockBytes));
            const entry =
              pageBlock === undefined
                ? 0
                : loadIndexPageEntry(pageBlock.words, page - pageBlock.start, j);
            if (entry !== 0 && entry !== headerBytes + position) {
              sink.problem(
                indexCorrupt(
                  headerBytes + page + FRAME_HEADER_BYTES + 4 * j,
                  `index entry ${j} of index page ${Math.floor(sequence / pageSpan)} at file offset ${headerBytes + page} says file offset ${entry} for record ${indexOf(file, sequence)}, which is at file offset ${headerBytes + position}`,
                  sequence,
                ),
                { kind: 'pageEntry', pagePosition: page, entry: j },
              );
            }
          }
        }
        records++;
      } else {
        const stored = getChecksumWord(block.words, offset);
        const expected = recordCheckWord(
          file.configuration.checksums,
          block.words,
          block.bytes,
          offset + FRAME_HEADER_BYTES,
          length,
          sequence,
        );
        sink.problem(corruptRecord(file, position, sequence, stored, expected), {
          kind: 'frame',
          position,
          sequence,
        });
        // Its length word is sound when what it leads to checks out as the next record's place.
        if (!frameChecksAt(file, position + frameLength, sequence + 1)) {
          if (resync()) continue;
          break;
        }
      }
      sequence++;
      position += frameLength;
      continue;
    }
    try {
      checkSkipFrame(file, block.words, offset, position, word, sequence);
    } catch (error) {
      if (!(error instanceof CorruptError)) throw error;
      sink.problem(error, { kind: 'frame', position, sequence });
      if (resync()) continue;
      break;
    }
    if (frameLength === END_OF_CYCLE_FRAME) break;
    if (word === pageWord && sequence % pageSpan === 0) {
      const page = sequence / pageSpan;
      pages.set(page, position);
      const entry = loadFirstLevelEntry(file.header, page);
      if (entry !== 0 && entry !== headerBytes + position) {
        sink.problem(
          indexCorrupt(
            FIRST_LEVEL_INDEX_OFFSET + 4 * page,
            `first-level index entry ${page} says file offset ${entry}, but index page ${page} is at file offset ${headerBytes + position}`,
          ),
          { kind: 'firstLevelEntry', page },
        );
      }
    }
    position += frameLength;
  }
  // First-level entries of pages the walk did not meet, pointing into what it walked.
  for (let page = 0; page < indexCount; page++) {
    const entry = loadFirstLevelEntry(file.header, page);
    if (entry === 0 || pages.has(page)) continue;
    if (entry < headerBytes + furthest) {
      sink.problem(
        indexCorrupt(
          FIRST_LEVEL_INDEX_OFFSET + 4 * page,
          `first-level index entry ${page} says file offset ${entry}, where no index page ${page} is`,
        ),
        { kind: 'firstLevelEntry', page },
      );
    }
  }
  return { records };
}

/**
 * True when the frame at data `position` looks like what follows a sound frame where `sequence`
 * records precede it: free space, a skip frame whose check word matches, or a record (in bounds,
 * and with checksums off carrying its check word).
 */
function frameChecksAt(file: CycleFile, position: number, sequence: number): boolean {
  const { blockBytes, maxPayloadBytes } = file.configuration;
  const block = file.block(Math.floor(position / blockBytes));
  if (block === undefined) return false;
  const offset = position - block.start;
  const word = loadLengthWord(block.words, offset);
  if (word === 0) return true; // the end: nothing after it to lose
  if (isRecordWord(word)) {
    const length = unpackLength(word);
    if (length > maxPayloadBytes || offset + computeFrameLength(length) > blockBytes) return false;
    // With checksums, a record in bounds is evidence enough: its own check follows, and a run
    // of records with damaged payloads is reported record by record. Without them, the check
    // word is all that vouches for a length word.
    return file.configuration.checksums || recordChecks(file, block, offset, length, sequence);
  }
  if ((word & SKIP_FLAGS) !== SKIP_FLAGS) return false;
  return getChecksumWord(block.words, offset) === computeSkipTag(word, position, sequence);
}

/**
 * The first indexed record after data `after` with a sequence of at least `sequence` whose index
 * page and entry check out (pages met by the walk stand in for damaged first-level entries), or
 * undefined when there is none.
 */
function nextIndexedRecord(
  file: CycleFile,
  pages: ReadonlyMap<number, number>,
  sequence: number,
  after: number,
): { position: number; sequence: number } | undefined {
  const { indexCount, indexSpacing } = file.configuration;
  const entries = indexCount * indexCount;
  for (let entry = Math.ceil(sequence / indexSpacing); entry < entries;) {
    const page = Math.floor(entry / indexCount);
    let pagePosition = checkedIndexPage(file, page);
    if (pagePosition === NOT_INDEXED) pagePosition = pages.get(page) ?? NOT_INDEXED;
    if (pagePosition === NOT_INDEXED) {
      entry = (page + 1) * indexCount;
      continue;
    }
    const entrySequence = entry * indexSpacing;
    const position = checkedIndexEntry(file, pagePosition, entry % indexCount, entrySequence);
    if (position !== NOT_INDEXED && position > after) return { position, sequence: entrySequence };
    entry++;
  }
  return undefined;
}

/** The queue index of record `sequence` of `file`. */
function indexOf(file: CycleFile, sequence: number): number {
  return file.cycle * 2 ** file.configuration.sequenceBits + sequence;
}
