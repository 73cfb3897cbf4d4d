/**
 * Checks of single frames of a cycle file: a length word against the file's shape, a check word
 * against its place and sequence, a free word against what the header says. What fails is
 * reported as ERR_ANNAL_CORRUPT naming the file, the byte offset and (where known) the record's
 * index, never obeyed (see docs/decisions/2026-12-04-core-frame-check-words.md).
 *
 * @module
 */
import { CorruptError } from '@annal/native';
import { recordCheckWord } from './checksum.js';
import type { Block, CycleFile } from './cycle-file.js';
import {
  END_OF_CYCLE_WORD,
  FRAME_ALIGNMENT_BYTES,
  FRAME_HEADER_BYTES,
  SKIP_FLAGS,
  computeFrameLength,
  computeSkipTag,
  getChecksumWord,
  isRecordWord,
  loadAppendLock,
  loadLengthWord,
  loadRecordCount,
  loadSealed,
  loadWritePosition,
  unpackLength,
} from './layout.js';

/** {@link frameLengthOf} for a free word (0): nothing was written there yet. */
export const FREE_FRAME = -1;
/** {@link frameLengthOf} for the end-of-cycle frame: the appender rolled to the next cycle. */
export const END_OF_CYCLE_FRAME = -2;

/**
 * The length of the frame whose length word is `word` at data `position`, validated; -1 for
 * free space (word 0, {@link FREE_FRAME}), {@link END_OF_CYCLE_FRAME} for end of cycle. Checks the word against the file's shape only: the
 * check word is the caller's (see {@link checkSkipFrame}, {@link recordChecks}).
 *
 * @throws ERR_ANNAL_CORRUPT naming the file and file offset when the word cannot be valid there
 */
export function frameLengthOf(file: CycleFile, position: number, word: number): number {
  if (word === 0) return FREE_FRAME;
  if (word === END_OF_CYCLE_WORD) return END_OF_CYCLE_FRAME;
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
  return new CorruptError(
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
export function blockAt(file: CycleFile, position: number, length: number): Block | undefined {
  const { blockBytes } = file.configuration;
  if (!Number.isSafeInteger(position) || position < 0 || position % FRAME_ALIGNMENT_BYTES !== 0) {
    return undefined;
  }
  if ((position % blockBytes) + length > blockBytes) return undefined;
  return file.block(Math.floor(position / blockBytes));
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
  return new CorruptError(
    `${file.path}: invalid frame at file offset ${offset}${record}: ${what} (length word 0x${(word >>> 0).toString(16)})`,
    { path: file.path, offset, field, ...(index === undefined ? {} : { index }) },
  );
}
