/**
 * Walking the frames of a cycle file without reading payloads: finding the true end after a
 * crash, positioning a reader, seeking by sequence. Every structural field is validated on the
 * way, so garbage is reported as ERR_ANNAL_CORRUPT, never read as a record.
 *
 * @module
 */
import { CorruptError } from '@annal/native';

import type { Block, CycleFile } from './cycle-file.js';
import {
  END_OF_CYCLE_WORD,
  FRAME_HEADER_BYTES,
  SKIP_FLAGS,
  computeFrameLength,
  isRecordWord,
  loadFirstLevelEntry,
  loadIndexPageEntry,
  loadLengthWord,
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
}

/**
 * The length of the frame whose length word is `word` at data `position`, validated; -1 for
 * free space (word 0), -2 for end of cycle.
 *
 * @throws ERR_ANNAL_CORRUPT naming the file and file offset when the word cannot be valid there
 */
export function frameLengthOf(file: CycleFile, position: number, word: number): number {
  if (word === 0) return -1;
  if (word === END_OF_CYCLE_WORD) return -2;
  const { blockSize, maxPayloadLength, headerBytes } = file.configuration;
  const inBlock = position % blockSize;
  let frameLength: number;
  if (isRecordWord(word)) {
    const length = unpackLength(word);
    if (length > maxPayloadLength) throw corruptFrame(file, position, word, 'payload length');
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
  if (inBlock + frameLength > blockSize) {
    throw corruptFrame(file, position, word, `frame past its block end (${headerBytes} + block)`);
  }
  return frameLength;
}

/**
 * Walks frames from `start` until free space, an end-of-cycle frame, the end of the allocated
 * blocks, or the record with sequence `stopAtSequence`, whichever comes first.
 */
export function scanFrames(
  file: CycleFile,
  start: FramePosition,
  stopAtSequence = Infinity,
  stopAtCorrupt = false,
): ScanResult {
  const { blockSize, maxPayloadLength } = file.configuration;
  let { position, sequence } = start;
  let block: Block | undefined;
  let blockEnd = -1;
  for (;;) {
    if (sequence >= stopAtSequence) return { position, sequence, sealed: false };
    if (block === undefined || position >= blockEnd) {
      // Frames never straddle blocks: the next frame is in the block holding `position`.
      block = file.block(Math.floor(position / blockSize));
      if (block === undefined) return { position, sequence, sealed: false };
      blockEnd = block.start + blockSize;
    }
    const offset = position - block.start;
    const word = loadLengthWord(block.words, offset);
    if (isRecordWord(word)) {
      // The common case, checked inline: a record whose length fits the file and its block.
      const length = unpackLength(word);
      const frameLength = computeFrameLength(length);
      if (length <= maxPayloadLength && offset + frameLength <= blockSize) {
        sequence++;
        position += frameLength;
        continue;
      }
    }
    let frameLength: number;
    try {
      frameLength = frameLengthOf(file, position, word);
    } catch (error) {
      if (stopAtCorrupt && error instanceof CorruptError) {
        return { position, sequence, sealed: false, corrupt: error };
      }
      throw error;
    }
    if (frameLength === -1) return { position, sequence, sealed: false };
    if (frameLength === -2) return { position, sequence, sealed: true };
    if (isRecordWord(word)) sequence++;
    position += frameLength;
  }
}

/**
 * The best starting point for reaching `sequence`: the indexed record at or before it, from the
 * two-level index, or the start of the file. Index entries are hints: the caller scans from here.
 */
export function indexedStart(file: CycleFile, sequence: number): FramePosition {
  const { indexCount, indexSpacing, headerBytes } = file.configuration;
  let entryNumber = Math.floor(sequence / indexSpacing);
  for (; entryNumber > 0; entryNumber--) {
    const page = Math.floor(entryNumber / indexCount);
    const pageOffset = loadFirstLevelEntry(file.header, page);
    if (pageOffset === 0) {
      // No page yet for this range: try the last entry of the previous page.
      entryNumber = page * indexCount;
      continue;
    }
    const fileOffset = readPageEntry(file, pageOffset - headerBytes, entryNumber % indexCount);
    if (fileOffset !== 0) {
      return { position: fileOffset - headerBytes, sequence: entryNumber * indexSpacing };
    }
  }
  return { position: 0, sequence: 0 };
}

/** The last indexed record of the file (for finding the end), or the start. */
export function lastIndexedStart(file: CycleFile): FramePosition {
  const { indexCount, indexSpacing, headerBytes } = file.configuration;
  for (let page = indexCount - 1; page >= 0; page--) {
    const pageOffset = loadFirstLevelEntry(file.header, page);
    if (pageOffset === 0) continue;
    for (let j = indexCount - 1; j >= 0; j--) {
      const fileOffset = readPageEntry(file, pageOffset - headerBytes, j);
      if (fileOffset !== 0) {
        return {
          position: fileOffset - headerBytes,
          sequence: (page * indexCount + j) * indexSpacing,
        };
      }
    }
  }
  return { position: 0, sequence: 0 };
}

function readPageEntry(file: CycleFile, pagePosition: number, j: number): number {
  const { blockSize } = file.configuration;
  const block = file.block(Math.floor(pagePosition / blockSize));
  if (block === undefined) return 0;
  return loadIndexPageEntry(block.words, pagePosition - block.start, j);
}

function corruptFrame(file: CycleFile, position: number, word: number, what: string): CorruptError {
  const offset = file.configuration.headerBytes + position;
  return new CorruptError(
    `${file.path}: invalid frame at file offset ${offset}: ${what} (length word 0x${(word >>> 0).toString(16)})`,
    { path: file.path, offset, field: 'lengthWord' },
  );
}
