/**
 * Where a reader reads: the cycle file, the mapped block, the data position and sequence, and
 * the moves between them that are not the hot path: over skip frames and block ends, to the next
 * cycle at an end-of-cycle frame, to an index (seek, or a named reader's stored one), to the end
 * of the queue.
 *
 * Separate from reader.ts so that the reader holds only its API and the per-record path; the
 * fields are plain properties that `Reader#next` reads directly (one object, no getter in
 * between). The class is not exported from the package.
 *
 * @module
 */
import { ClosedError, CorruptError } from '@annal/native';

import { payloadChecksumWords } from './checksum.js';
import type { CycleFile } from './cycle-file.js';
import type { CycleFiles } from './cycle-files.js';
import {
  END_OF_CYCLE_FRAME,
  checkFreeWord,
  checkSkipFrame,
  corruptRecord,
  frameLengthOf,
} from './frame-checks.js';
import { CANNOT_HOP, hopToSequence, scanFrames } from './frame-scan.js';
import { ReadAheadCheck } from './read-ahead-check.js';
import { indexedStart, lastIndexedStart } from './index-lookup.js';
import {
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  computeFrameLength,
  computeRecordTag,
  getChecksumWord,
  loadLengthWord,
  packRecordWord,
} from './layout.js';
import { IndexCodec } from './queue-index.js';
import type { QueueRecord } from './record.js';

/** A reader's position saved before a move that may not succeed (seek). */
interface SavedReadPosition {
  readonly file: CycleFile | undefined;
  readonly position: number;
  readonly sequence: number;
}

/** The reader's position and the cycle file it is in (see the module description). */
export class ReadPosition {
  readonly files: CycleFiles;
  /** The reader's reused record: its cycle is set on every attach. */
  readonly record: QueueRecord;
  /** `onCorrupt: 'skip'`: records whose checksum fails are skipped and counted. */
  readonly skipBadChecksums: boolean;
  /** Cycles whose file was passed over as damaged (each counted once, however often met). */
  readonly skippedCycles = new Set<number>();
  /** Called on every attach: a run collected for backward reading belongs to one position. */
  readonly #onAttach: () => void;

  file: CycleFile | undefined;
  codec!: IndexCodec;
  indexBase = 0;
  blockBytes = 0;
  maxPayloadBytes = 0;
  checksums = false;

  words: Int32Array = new Int32Array(0);
  bytes: Uint8Array = new Uint8Array(0);
  blockStart = 0;
  blockEnd = 0;

  position = 0;
  sequence = 0;
  /** With checksums: the records ahead whose check already passed (read-ahead-check.ts). */
  readonly ahead = new ReadAheadCheck();
  /**
   * The position of the current file whose free word was last checked against the header
   * (-1: none): a reader polling at the live end checks it once, not at every look.
   */
  #checkedFreePosition = -1;
  /** The cycle at whose end-of-cycle frame the directory was listed (-1: none yet). */
  #listedAfterCycle = -1;

  constructor(
    files: CycleFiles,
    record: QueueRecord,
    skipBadChecksums: boolean,
    onAttach: () => void,
  ) {
    this.files = files;
    this.record = record;
    this.skipBadChecksums = skipBadChecksums;
    this.#onAttach = onAttach;
  }

  /** Moves to the first record of the queue (detached when there is none). */
  toStart(): void {
    if (!this.attachFirstOf(this.files.listCycles())) this.detach();
  }

  /** Moves past the last record committed so far, found by a scan from the last index entry. */
  toEnd(): void {
    const last = this.files.listCycles().at(-1);
    if (last === undefined) {
      this.detach();
      return;
    }
    const file = this.files.get(last);
    if (file === undefined) {
      this.toStart();
      return;
    }
    const end = scanFrames(file, lastIndexedStart(file), this.scanOptions());
    this.attach(last, end.position, end.sequence);
  }

  /**
   * Moves to the record with queue index `index` (the reader checked it is open): an index
   * lookup, then a scan bounded by the index spacing. False (not moved) when it does not exist.
   */
  seek(index: number): boolean {
    const codec = this.codec ?? new IndexCodec(this.files.shape.sequenceBits);
    codec.check(index);
    const cycle = codec.cycleOf(index);
    const sequence = codec.sequenceOf(index);
    const file = this.files.get(cycle);
    if (file === undefined) return false;
    const start = indexedStart(file, sequence);
    const landed = hopToSequence(file, start, sequence);
    if (landed !== CANNOT_HOP) {
      // The record is there and checked: what the checked scan below would have found. Its
      // check need not run again when it is read.
      this.attach(cycle, landed, sequence);
      const word = loadLengthWord(this.words, landed - this.blockStart);
      this.ahead.markChecked(landed, landed + computeFrameLength(word & LENGTH_MASK));
      return true;
    }
    const found = scanFrames(file, start, {
      ...this.scanOptions(),
      stopAtSequence: sequence,
    });
    if (found.sequence !== sequence || found.sealed) return false;
    const saved = this.#save();
    this.attach(cycle, found.position, found.sequence);
    // The record must be there, in this cycle: past a sealed cycle's last record the reader
    // would move on to the next cycle, whose first record has another index.
    if (this.skipToRecord() && this.file?.cycle === cycle && this.sequence === sequence) {
      // A length word alone does not make a record: its check word must say it is this one.
      this.#checkRecordHere();
      return true;
    }
    this.#restore(saved);
    return false;
  }

  /**
   * Moves over skip frames, block ends and end-of-cycle marks until the position holds a
   * committed record (true) or nothing yet (false).
   */
  skipToRecord(): boolean {
    if (this.file === undefined && this.reattach() === undefined) return false;
    for (;;) {
      if (this.position >= this.blockEnd && !this.enterBlock(this.position)) return false;
      const offset = this.position - this.blockStart;
      const word = loadLengthWord(this.words, offset);
      if (word > 0) {
        const length = word & LENGTH_MASK;
        if (
          length > this.maxPayloadBytes ||
          offset + computeFrameLength(length) > this.blockBytes
        ) {
          frameLengthOf(this.currentFile(), this.position, word); // throws the typed error
        }
        return true;
      }
      if (word === 0) {
        // The end, unless the header says the data goes on (checked once per position).
        if (
          this.position !== this.#checkedFreePosition &&
          checkFreeWord(this.currentFile(), this.position, this.sequence)
        ) {
          this.#checkedFreePosition = this.position;
        }
        return false;
      }
      // A skip frame or the end of the cycle: obeyed only once its check word matches.
      const file = this.currentFile();
      const frameLength = frameLengthOf(file, this.position, word);
      checkSkipFrame(file, this.words, offset, this.position, word, this.sequence);
      if (frameLength === END_OF_CYCLE_FRAME) {
        if (!this.#nextCycle()) return false;
        continue;
      }
      this.position += frameLength;
    }
  }

  /**
   * With checksums: true when the record at the position (its length word seen committed)
   * passed its check, checked now with the records after it in one call when it was not
   * already. False: the caller checks it itself (too few records ahead to be worth a call, or
   * its check failed).
   */
  checkedAhead(): boolean {
    const ahead = this.ahead;
    const position = this.position;
    if (position >= ahead.verifiedStart && position < ahead.verifiedEnd) return true;
    return ahead.check(
      this.words,
      this.bytes,
      this.blockStart,
      this.blockBytes,
      this.maxPayloadBytes,
      position - this.blockStart,
      this.sequence,
    );
  }

  /**
   * Throws unless the record at the position carries its sequence's check word (or the reader
   * skips records that fail it). For seek, which must not say true for a frame that is not there.
   */
  #checkRecordHere(): void {
    const offset = this.position - this.blockStart;
    const words = this.words;
    const length = loadLengthWord(words, offset) & LENGTH_MASK;
    const payloadAt = offset + FRAME_HEADER_BYTES;
    const expected = this.checksums
      ? payloadChecksumWords(words, this.bytes, payloadAt, length, this.sequence)
      : computeRecordTag(packRecordWord(length), this.sequence);
    if (getChecksumWord(words, offset) !== expected) this.acceptMismatch(offset, expected);
  }

  /**
   * A record's check word did not match: false to skip it (`onCorrupt: 'skip'`, checksums on),
   * else throws. Out of line: the hot path only compares.
   *
   * @throws ERR_ANNAL_CORRUPT (field `checksum`) with the file and offset
   */
  acceptMismatch(offset: number, expected: number): boolean {
    // Checksums off: the word is a tag of the length word and sequence, and a mismatch means
    // the length word or the place is wrong; nothing can be skipped safely.
    if (this.skipBadChecksums && this.checksums) return false;
    const stored = getChecksumWord(this.words, offset);
    throw corruptRecord(this.currentFile(), this.position, this.sequence, stored, expected);
  }

  /** Maps the block holding `position`; false when the file does not reach it yet. */
  enterBlock(position: number): boolean {
    const block = this.currentFile().block(Math.floor(position / this.blockBytes));
    if (block === undefined) return false;
    this.words = block.words;
    this.bytes = block.bytes;
    this.blockStart = block.start;
    this.blockEnd = block.start + this.blockBytes;
    return true;
  }

  /** At an end-of-cycle mark: move to the next existing cycle, if any yet. */
  #nextCycle(): boolean {
    const cycle = this.currentFile().cycle;
    let next = this.files.nextCycleAfter(cycle);
    if (next === undefined && this.#listedAfterCycle !== cycle) {
      // The metadata file's highest cycle is an unchecked hint: the first time at this end of
      // cycle, list the directory rather than believe it (a tailer waiting here then trusts it).
      this.#listedAfterCycle = cycle;
      next = this.files.listCycles().find((candidate) => candidate > cycle);
    }
    if (next === undefined) return false;
    if (!this.skipBadChecksums) {
      this.attach(next, 0, 0);
      return true;
    }
    const from = next;
    return this.attachFirstOf(this.files.listCycles().filter((candidate) => candidate >= from));
  }

  /** Before the queue had files (or while its first file is damaged): look again. */
  reattach(): CycleFile | undefined {
    if (!this.attachFirstOf(this.files.listCycles())) return undefined;
    return this.file;
  }

  /**
   * Attaches at the start of the first of `cycles` (ascending) whose file opens. A damaged file
   * is passed over and counted under `onCorrupt: 'skip'`; otherwise its error is thrown and the
   * reader stays where it was. @returns false when none could be attached
   */
  attachFirstOf(cycles: readonly number[]): boolean {
    for (const cycle of cycles) {
      try {
        this.attach(cycle, 0, 0);
      } catch (error) {
        if (!(this.skipBadChecksums && error instanceof CorruptError)) throw error;
        this.skippedCycles.add(cycle);
        continue;
      }
      if (this.file !== undefined) return true;
    }
    return false;
  }

  attach(cycle: number, position: number, sequence: number): void {
    this.#onAttach();
    this.ahead.reset();
    const file = this.files.get(cycle);
    if (file === undefined) {
      this.detach();
      return;
    }
    const configuration = file.configuration;
    this.file = file;
    // One codec while the shape stays (a seek attaches each time: no allocation for it).
    let codec = this.codec;
    if (codec?.sequenceBits !== configuration.sequenceBits) {
      codec = new IndexCodec(configuration.sequenceBits);
      this.codec = codec;
    }
    this.indexBase = cycle * codec.sequencesPerCycle;
    this.blockBytes = configuration.blockBytes;
    this.maxPayloadBytes = configuration.maxPayloadBytes;
    this.checksums = configuration.checksums;
    this.record.cycle = cycle;
    this.#checkedFreePosition = -1;
    this.position = position;
    this.sequence = sequence;
    this.blockStart = 0;
    this.blockEnd = 0; // forces enterBlock on the next read
    this.enterBlock(position);
  }

  /**
   * Positions at queue index `index` (a named reader's stored position): at that record, or at
   * the end of its cycle when the index is the cycle's next one, or at the next cycle's start.
   */
  positionAt(index: number): void {
    const codec = new IndexCodec(this.files.shape.sequenceBits);
    const cycle = codec.cycleOf(index);
    const sequence = codec.sequenceOf(index);
    const file = this.files.get(cycle);
    if (file === undefined) {
      const next = this.files.listCycles().find((candidate) => candidate > cycle);
      if (next === undefined) this.toEnd();
      else this.attach(next, 0, 0);
      return;
    }
    const found = scanFrames(file, indexedStart(file, sequence), {
      ...this.scanOptions(),
      stopAtSequence: sequence,
    });
    this.attach(cycle, found.position, found.sequence);
  }

  /** How scans treat records whose check word fails: as this reader's `onCorrupt` says. */
  scanOptions(): { skipBadRecords: boolean } {
    return { skipBadRecords: this.skipBadChecksums };
  }

  detach(): void {
    this.ahead.reset();
    this.file = undefined;
    this.blockStart = 0;
    this.blockEnd = 0;
    this.position = 0;
    this.sequence = 0;
    this.indexBase = 0;
  }

  #save(): SavedReadPosition {
    return { file: this.file, position: this.position, sequence: this.sequence };
  }

  #restore(saved: SavedReadPosition): void {
    if (saved.file === undefined) this.detach();
    else this.attach(saved.file.cycle, saved.position, saved.sequence);
  }

  /** The current file; only called where one is attached. */
  currentFile(): CycleFile {
    const file = this.file;
    if (file === undefined)
      throw new ClosedError('the reader has no cycle file', { field: 'reader' });
    return file;
  }
}
