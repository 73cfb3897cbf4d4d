/**
 * Walking the frames of a cycle file: finding the true end after a crash, positioning a reader,
 * seeking by sequence. Every frame is checked on the way (its length word against the file's
 * shape, its check word against its place and sequence), index entries are hints checked before
 * use, and a free word is checked against what the header says, so garbage is reported as
 * ERR_ANNAL_CORRUPT, never obeyed (see docs/decisions/2026-12-04-core-frame-check-words.md).
 *
 * @module
 */
import { CorruptError } from '@annal/native';

import { recordCheckWord } from './checksum.js';
import { RecordCorruptError } from './record-corrupt-error.js';
import type { Block, CycleFile } from './cycle-file.js';
import {
  END_OF_CYCLE_WORD,
  FRAME_ALIGNMENT_BYTES,
  FRAME_HEADER_BYTES,
  SKIP_FLAGS,
  computeFrameLength,
  computeIndexPageFrameLength,
  computeSkipTag,
  getChecksumWord,
  isRecordWord,
  loadAppendLock,
  loadFirstLevelEntry,
  loadIndexPageEntry,
  loadLengthWord,
  loadRecordCount,
  loadSealed,
  loadWritePosition,
  packIndexPageWord,
  unpackLength,
} from './layout.js';

/** A place in a cycle file: a data position and the sequence of the next record there. */
export interface FramePosition {
  /** Data position in bytes (offset from the end of the header region). */
  position: number;
  /** Sequence of the record at `position` (or of the next record appended there). */
  sequence: number;
}

/** Where a scan stopped. */
export interface ScanResult extends FramePosition {
  /** True when it stopped at an end-of-cycle frame (`position` is that frame's). */
  sealed: boolean;
  /** With `stopAtCorrupt`: the error of the invalid frame it stopped at (`position` is its). */
  corrupt?: CorruptError;
  /** The last index page the scan walked over (found by its check word), if any. */
  indexPage?: { readonly number: number; readonly position: number };
}

/** How {@link scanFrames} treats what it meets. */
export interface ScanOptions {
  /** Stop before the record with this sequence (default: no limit). */
  readonly stopAtSequence?: number;
  /** Return the first invalid frame as `corrupt` instead of throwing. */
  readonly stopAtCorrupt?: boolean;
  /**
   * Step over a record whose check word fails (`onCorrupt: 'skip'`), trusting its length word as
   * a reader with that policy does; else it is ERR_ANNAL_CORRUPT.
   */
  readonly skipBadRecords?: boolean;
  /**
   * Judge a free word even while the append lock word is held: for an appender recovering the
   * end, when no other appender can be mid-publish (a value there is a dead appender's).
   */
  readonly judgeLocked?: boolean;
}

/**
 * The length of the frame whose length word is `word` at data `position`, validated; -1 for
 * free space (word 0), -2 for end of cycle. Checks the word against the file's shape only: the
 * check word is the caller's (see {@link checkSkipFrame}, {@link recordChecks}).
 *
 * @throws ERR_ANNAL_CORRUPT naming the file and file offset when the word cannot be valid there
 */
export function frameLengthOf(file: CycleFile, position: number, word: number): number {
  if (word === 0) return -1;
  if (word === END_OF_CYCLE_WORD) return -2;
  const { blockBytes, maxPayloadBytes, headerBytes } = file.configuration;
  const inBlock = position % blockBytes;
  let frameLength: number;
  if (isRecordWord(word)) {
    const length = unpackLength(word);
    if (length > maxPayloadBytes) throw corruptFrame(file, position, word, 'payload length');
    frameLength = computeFrameLength(length);
  } else if ((word & SKIP_FLAGS) === SKIP_FLAGS) {
    frameLength = unpackLength(word);
    if (frameLength < FRAME_HEADER_BYTES || (frameLength & 7) !== 0) {
      throw corruptFrame(file, position, word, 'skip length');
    }
  } else {
    // S set, C clear: no appender of this format writes it (shared appenders write a frame
    // whole while holding the append lock), so it can only be damage.
    throw corruptFrame(file, position, word, 'flags');
  }
  if (inBlock + frameLength > blockBytes) {
    throw corruptFrame(file, position, word, `frame past its block end (${headerBytes} + block)`);
  }
  return frameLength;
}

/**
 * Checks the check word of the skip frame or end-of-cycle frame whose length word `word` is at
 * block `offset` (data `position`), met where `sequence` records precede it in the file. A tag
 * that fails is forgiven when the frame the length word leads to checks out (the length word is
 * then sound: only the tag was damaged, and nothing is lost by obeying it).
 *
 * @throws ERR_ANNAL_CORRUPT (field `checkWord`) when it does not match: the length word, the
 *   tag, or the reader's place is wrong, and the frame must not be obeyed
 */
export function checkSkipFrame(
  file: CycleFile,
  words: Int32Array,
  offset: number,
  position: number,
  word: number,
  sequence: number,
): void {
  const stored = getChecksumWord(words, offset);
  const expected = computeSkipTag(word, position, sequence);
  if (stored !== expected && !successorChecks(file, position, word, sequence)) {
    throw corruptFrame(
      file,
      position,
      word,
      `check word 0x${(stored >>> 0).toString(16)} of a skip or end-of-cycle frame met after ${sequence} records, expected 0x${(expected >>> 0).toString(16)}`,
      'checkWord',
      sequence,
    );
  }
}

/**
 * A skip frame whose tag failed may still have a sound length word (only the tag was hit): true
 * when the frame its length leads to checks out under the same sequence, so that nothing was
 * skipped over by a wrong length (a record skipped would shift the sequence and fail the seeded
 * check; a wrong length landing mid-frame fails the check word). The end of cycle has no
 * successor, and a free word is no evidence.
 */
function successorChecks(
  file: CycleFile,
  position: number,
  word: number,
  sequence: number,
): boolean {
  const frameLength = unpackLength(word);
  if (word === END_OF_CYCLE_WORD || frameLength === 0) return false;
  const next = position + frameLength;
  const { blockBytes, maxPayloadBytes } = file.configuration;
  const block = file.block(Math.floor(next / blockBytes));
  if (block === undefined) return false;
  const offset = next - block.start;
  const nextWord = loadLengthWord(block.words, offset);
  if (isRecordWord(nextWord)) {
    const length = unpackLength(nextWord);
    if (length > maxPayloadBytes || offset + computeFrameLength(length) > blockBytes) return false;
    return recordChecks(file, block, offset, length, sequence);
  }
  if ((nextWord & SKIP_FLAGS) !== SKIP_FLAGS) return false;
  return getChecksumWord(block.words, offset) === computeSkipTag(nextWord, next, sequence);
}

/** True when the record of `length` payload bytes at block `offset` carries `sequence`'s check word. */
export function recordChecks(
  file: CycleFile,
  block: Block,
  offset: number,
  length: number,
  sequence: number,
): boolean {
  const stored = getChecksumWord(block.words, offset);
  const payloadAt = offset + FRAME_HEADER_BYTES;
  const { checksums } = file.configuration;
  return (
    stored === recordCheckWord(checksums, block.words, block.bytes, payloadAt, length, sequence)
  );
}

/** The error for a record at data `position` whose check word does not match `sequence`. */
export function corruptRecord(
  file: CycleFile,
  position: number,
  sequence: number,
  stored: number,
  expected: number,
): CorruptError {
  const offset = file.configuration.headerBytes + position;
  const what = file.configuration.checksums ? 'checksum' : 'sequence check word';
  const index = indexIn(file, sequence);
  return new RecordCorruptError(
    `${file.path}: ${what} mismatch in record ${index} at file offset ${offset} (sequence ${sequence} of cycle ${file.cycle}): stored 0x${(stored >>> 0).toString(16)}, expected 0x${(expected >>> 0).toString(16)}`,
    { path: file.path, offset, index, field: 'checksum' },
  );
}

/**
 * Decides whether the free (zero) length word at data `position`, met after `sequence` records,
 * is the end of the data, as it normally is, or a damaged length word. Cheap where it is the end
 * of a live file (three header loads): only where the header says the data goes on (the file is
 * sealed, or its advisory write position or record count lie beyond) does it look further.
 *
 * @returns true when it is judged the end; false when it could not be judged now (a frame was
 *   published there meanwhile, or a shared appender holds the append lock): look again later
 * @throws ERR_ANNAL_CORRUPT (field `lengthWord`) when the header's end-of-cycle frame checks out
 *   beyond this word, or when bytes were written after it in its block while the header says
 *   the data goes on
 */
export function checkFreeWord(
  file: CycleFile,
  position: number,
  sequence: number,
  judgeLocked = false,
): boolean {
  const header = file.header;
  const sealed = loadSealed(header) !== 0;
  const writePosition = loadWritePosition(header);
  const recordCount = loadRecordCount(header);
  if (!sealed && writePosition <= position && recordCount <= sequence) return true;
  // Appenders store the header's end after publishing a frame: a frame published since our load
  // of the word explains a header that moved on. A shared appender holding the append lock is
  // between the two (its plain stores of the end may be seen before its publish on a weakly
  // ordered CPU): the end is in flux, so this is not judged now (it is, at the next look).
  const { blockBytes } = file.configuration;
  const block = file.block(Math.floor(position / blockBytes));
  if (block === undefined || loadLengthWord(block.words, position - block.start) !== 0) {
    return false;
  }
  if (!judgeLocked && loadAppendLock(header) !== 0) return false;
  // The header says records exist past here. It is advisory (and may itself be damaged, or
  // ahead of frames a power loss took), so it is believed only with evidence from the frames:
  // a checked end-of-cycle frame where it says, or anything written after this word.
  const endChecks =
    sealed && writePosition > position && endOfCycleAt(file, writePosition, recordCount);
  if (!endChecks && restOfBlockIsFree(file, position)) return true;
  throw corruptFrame(
    file,
    position,
    0,
    `a free length word after ${sequence} records, but the header says the data goes on (sealed=${sealed}, writePosition=${writePosition}, recordCount=${recordCount})`,
    'lengthWord',
    sequence,
  );
}

/** True when a checked end-of-cycle frame for `recordCount` records is at data `position`. */
function endOfCycleAt(file: CycleFile, position: number, recordCount: number): boolean {
  const block = blockAt(file, position, FRAME_HEADER_BYTES);
  if (block === undefined) return false;
  const offset = position - block.start;
  return (
    loadLengthWord(block.words, offset) === END_OF_CYCLE_WORD &&
    getChecksumWord(block.words, offset) ===
      computeSkipTag(END_OF_CYCLE_WORD, position, recordCount)
  );
}

/** True when nothing was written from data `position` to its block's end. */
function restOfBlockIsFree(file: CycleFile, position: number): boolean {
  const { blockBytes } = file.configuration;
  const block = file.block(Math.floor(position / blockBytes));
  if (block === undefined) return true;
  const words = block.words;
  for (let i = (position - block.start) >> 2; i < words.length; i++) {
    if (words[i] !== 0) return false;
  }
  return true;
}

/**
 * The mapped block holding `[position, position + length)` of the data area, or undefined when
 * that range is misaligned, crosses a block end or lies past the file: how a position read from
 * metadata is bounded before anything looks at it.
 */
function blockAt(file: CycleFile, position: number, length: number): Block | undefined {
  const { blockBytes } = file.configuration;
  if (!Number.isSafeInteger(position) || position < 0 || position % FRAME_ALIGNMENT_BYTES !== 0) {
    return undefined;
  }
  if ((position % blockBytes) + length > blockBytes) return undefined;
  return file.block(Math.floor(position / blockBytes));
}

/**
 * Walks frames from `start` until free space, an end-of-cycle frame, the end of the allocated
 * blocks, or the record with sequence `options.stopAtSequence`, whichever comes first, checking
 * every frame (records by their check word, so with checksums on this reads every payload).
 *
 * @throws ERR_ANNAL_CORRUPT for the first frame that fails (unless `stopAtCorrupt`)
 */
export function scanFrames(
  file: CycleFile,
  start: FramePosition,
  options: ScanOptions = {},
): ScanResult {
  const {
    stopAtSequence = Infinity,
    stopAtCorrupt = false,
    skipBadRecords = false,
    judgeLocked = false,
  } = options;
  const { blockBytes, indexCount, indexSpacing } = file.configuration;
  const pageWord = packIndexPageWord(indexCount);
  const pageSpan = indexCount * indexSpacing;
  let { position, sequence } = start;
  let indexPage: { number: number; position: number } | undefined;
  let block: Block | undefined;
  let blockEnd = -1;
  const result = (sealed: boolean, corrupt?: CorruptError): ScanResult => ({
    position,
    sequence,
    sealed,
    ...(corrupt === undefined ? {} : { corrupt }),
    ...(indexPage === undefined ? {} : { indexPage }),
  });
  for (;;) {
    if (sequence >= stopAtSequence) return result(false);
    if (block === undefined || position >= blockEnd) {
      // Frames never straddle blocks: the next frame is in the block holding `position`.
      block = file.block(Math.floor(position / blockBytes));
      if (block === undefined) return result(false);
      blockEnd = block.start + blockBytes;
    }
    const offset = position - block.start;
    const word = loadLengthWord(block.words, offset);
    let frameLength: number;
    try {
      frameLength = frameLengthOf(file, position, word);
      if (frameLength === -1) {
        checkFreeWord(file, position, sequence, judgeLocked);
        return result(false);
      }
      if (word > 0) {
        const length = unpackLength(word);
        // Without checksums a failed check word means the length word or the place is wrong:
        // nothing can be stepped over safely.
        const skip = skipBadRecords && file.configuration.checksums;
        if (!recordChecks(file, block, offset, length, sequence) && !skip) {
          const expected = recordCheckWord(
            file.configuration.checksums,
            block.words,
            block.bytes,
            offset + FRAME_HEADER_BYTES,
            length,
            sequence,
          );
          throw corruptRecord(
            file,
            position,
            sequence,
            getChecksumWord(block.words, offset),
            expected,
          );
        }
        sequence++;
      } else {
        checkSkipFrame(file, block.words, offset, position, word, sequence);
        if (frameLength === -2) return result(true);
        if (word === pageWord && sequence % pageSpan === 0) {
          indexPage = { number: sequence / pageSpan, position };
        }
      }
    } catch (error) {
      if (stopAtCorrupt && error instanceof CorruptError) return result(false, error);
      throw error;
    }
    position += frameLength;
  }
}

/**
 * Data position of index page `page`, or -1 when its first-level entry is 0 or does not check
 * out: inside the file, frame-aligned, and an index page's length word whose check word says it
 * sits where page `page` must (after `page × indexCount × indexSpacing` records).
 */
export function checkedIndexPage(file: CycleFile, page: number): number {
  const { indexCount, indexSpacing, headerBytes } = file.configuration;
  const fileOffset = loadFirstLevelEntry(file.header, page);
  if (fileOffset === 0) return -1;
  const position = fileOffset - headerBytes;
  const block = blockAt(file, position, computeIndexPageFrameLength(indexCount));
  if (block === undefined) return -1;
  const offset = position - block.start;
  const word = loadLengthWord(block.words, offset);
  if (word !== packIndexPageWord(indexCount)) return -1;
  const tag = computeSkipTag(word, position, page * indexCount * indexSpacing);
  return getChecksumWord(block.words, offset) === tag ? position : -1;
}

/**
 * Data position of the record that entry `j` of the index page at `pagePosition` names (it must
 * have sequence `sequence`), or -1 when the entry is 0 or does not check out: inside the file,
 * frame-aligned, a record that fits its block and carries `sequence`'s check word.
 */
function checkedIndexEntry(
  file: CycleFile,
  pagePosition: number,
  j: number,
  sequence: number,
): number {
  const { blockBytes, headerBytes, maxPayloadBytes } = file.configuration;
  const pageBlock = file.block(Math.floor(pagePosition / blockBytes));
  if (pageBlock === undefined) return -1;
  const fileOffset = loadIndexPageEntry(pageBlock.words, pagePosition - pageBlock.start, j);
  if (fileOffset === 0) return -1;
  const position = fileOffset - headerBytes;
  const block = blockAt(file, position, FRAME_HEADER_BYTES);
  if (block === undefined) return -1;
  const offset = position - block.start;
  const word = loadLengthWord(block.words, offset);
  if (!isRecordWord(word)) return -1;
  const length = unpackLength(word);
  if (length > maxPayloadBytes || offset + computeFrameLength(length) > blockBytes) return -1;
  return recordChecks(file, block, offset, length, sequence) ? position : -1;
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

/** The queue index of record `sequence` of `file`. */
function indexIn(file: CycleFile, sequence: number): number {
  return file.cycle * 2 ** file.configuration.sequenceBits + sequence;
}

/**
 * The error for an invalid frame at data `position`; `sequence` (when known) is the number of
 * the record the reader expected there, which the error names as `index`.
 */
function corruptFrame(
  file: CycleFile,
  position: number,
  word: number,
  what: string,
  field = 'lengthWord',
  sequence?: number,
): CorruptError {
  const offset = file.configuration.headerBytes + position;
  const index = sequence === undefined ? undefined : indexIn(file, sequence);
  const record = index === undefined ? '' : ` (where record ${index} was expected)`;
  return new RecordCorruptError(
    `${file.path}: invalid frame at file offset ${offset}${record}: ${what} (length word 0x${(word >>> 0).toString(16)})`,
    { path: file.path, offset, field, ...(index === undefined ? {} : { index }) },
  );
}
