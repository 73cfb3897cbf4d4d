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
import type { Block, CycleFile } from './cycle-file.js';
import {
  FRAME_HEADER_BYTES,
  computeFrameLength,
  getChecksumWord,
  isRecordWord,
  loadLengthWord,
  peekLengthWord,
  packIndexPageWord,
  unpackLength,
} from './layout.js';
import {
  END_OF_CYCLE_FRAME,
  FREE_FRAME,
  checkFreeWord,
  checkSkipFrame,
  corruptRecord,
  frameLengthOf,
  recordChecks,
} from './frame-checks.js';

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
      if (frameLength === FREE_FRAME) {
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
        if (frameLength === END_OF_CYCLE_FRAME) return result(true);
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

/** What {@link hopToSequence} returns when it cannot hop: the caller scans instead. */
export const CANNOT_HOP = -1;

/**
 * Seek's fast way from `start` to the record with sequence `target`: hops from record to record
 * by length words alone, in one block, without checking the records on the way, and checks the
 * record it lands on against `target`'s check word.
 *
 * Sound without the per-frame checks of {@link scanFrames}: every check word is seeded with its
 * record's sequence, so a damaged length word on the way lands on bytes that do not carry
 * `target`'s check word. It gives up ({@link CANNOT_HOP}) at anything but a plain record frame
 * (a skip frame, an index page, the end of the block, free space, a length word out of bounds)
 * or at a landing that does not check out, and the caller then runs the checked scan, which
 * finds the record after a skip frame or names the damage.
 *
 * @returns the data position of the record `target`, or {@link CANNOT_HOP}
 */
export function hopToSequence(file: CycleFile, start: FramePosition, target: number): number {
  const { blockBytes, maxPayloadBytes } = file.configuration;
  const block = file.block(Math.floor(start.position / blockBytes));
  if (block === undefined) return CANNOT_HOP;
  const words = block.words;
  let offset = start.position - block.start;
  for (let sequence = start.sequence; ; sequence++) {
    const word = peekLengthWord(words, offset);
    if (!isRecordWord(word)) return CANNOT_HOP;
    const length = unpackLength(word);
    const frameLength = computeFrameLength(length);
    if (length > maxPayloadBytes || offset + frameLength > blockBytes) return CANNOT_HOP;
    if (sequence === target) {
      return recordChecks(file, block, offset, length, sequence)
        ? block.start + offset
        : CANNOT_HOP;
    }
    offset += frameLength;
  }
}

/**
 * Appends to `positions` (emptied first) the data positions of the records of `file` from
 * `start` up to and including sequence `target`, in order: one forward scan, for reading
 * backward. Stops early at the end of the data.
 */
export function collectRecordPositions(
  file: CycleFile,
  start: FramePosition,
  target: number,
  positions: number[],
): void {
  positions.length = 0;
  const { blockBytes } = file.configuration;
  let { position, sequence } = start;
  while (sequence <= target) {
    const block = file.block(Math.floor(position / blockBytes));
    if (block === undefined) break;
    const word = loadLengthWord(block.words, position - block.start);
    const frameLength = frameLengthOf(file, position, word);
    if (frameLength < 0) break;
    if (word > 0) {
      positions.push(position);
      sequence++;
    }
    position += frameLength;
  }
}
