/**
 * Where an appender writes next: the current cycle file and its shape, the mapped block, the end
 * of the data (byte position and sequence) and the current index page, with the cold moves of
 * that position: to the next block, to another cycle file (recovering its true end), the seal.
 *
 * Separate from appender.ts so that the appender holds only its API and the per-record path;
 * everything here runs at most once per block, index page or cycle. The fields are plain
 * properties read directly by `Appender#appendSync` (one object, no getter in between); the class
 * is not exported from the package.
 *
 * @module
 */
import { futexWake } from '@annal/native';

import { blockMissing, cycleFull } from './append-errors.js';
import { findIndexPage, prepareIndexEntry } from './append-index-page.js';
import type { Block, CycleFile } from './cycle-file.js';
import type { CycleFiles } from './cycle-files.js';
import { findCheckedEnd, zeroPastEnd } from './recovery.js';
import {
  COMMIT_COUNTER_INDEX,
  END_OF_CYCLE_WORD,
  FRAME_HEADER_BYTES,
  bumpCommitCounter,
  clearSealed,
  computeFrameLength,
  computeSkipTag,
  loadSealed,
  markFencelessPublish,
  packSkipWord,
  setChecksumWord,
  storeLengthWord,
  storeRecordCount,
  storeSealed,
  storeWritePosition,
} from './layout.js';
import { cycleAt, cycleStartMs } from './roll-cycle.js';

/** Data positions are stored in 8-byte units in a u32 (line 1), so a file holds at most this. */
const MAX_SHARED_DATA_BYTES = 2 ** 35;

/** The appender's position and the cycle file it is in (see the module description). */
export class AppendPosition {
  readonly files: CycleFiles;
  readonly clock: () => number;
  /** The coarse clock's view when no clock function was given (read without a call). */
  readonly clockView: Float64Array | undefined;
  readonly onCorrupt: 'stop' | 'skip' | 'truncate';
  readonly shared: boolean;
  /** `sync: 'each'`: frames a reader steps over are msynced as they are published. */
  readonly syncEach: boolean;
  /**
   * Publishes with plain stores (x86-64, where a store is a release store, and only where
   * membarrier lets sleeping readers make up for the fence it leaves out; see layout.ts).
   */
  readonly fenceless: boolean;

  // current cycle
  file!: CycleFile;
  header!: Int32Array;
  cycle = 0;
  cycleEndMs = 0;
  indexBase = 0;
  sequencesPerCycle = 0;
  /** Sequences below this may be appended (shared: one fewer, the record count is a u32). */
  sequenceLimit = 0;
  blockBytes = 0;
  headerBytes = 0;
  checksums = false;
  maxPayloadBytes = 0;
  indexCount = 0;
  indexSpacing = 0;
  /** indexSpacing − 1: `(sequence & mask) === 0` marks indexed records (a power of two; `&`
   * keeps the low 32 bits exactly, and a modulo by a variable is an integer division). */
  indexMask = 0;

  // current block
  block!: Block;
  words!: Int32Array;
  bytes!: Uint8Array;
  blockStart = 0;
  blockEnd = 0;

  // end of the data
  position = 0;
  sequence = 0;

  // current index page (-1: none)
  indexPageNumber = -1;
  indexPageWords: Int32Array | undefined;
  indexPageOffset = 0;

  constructor(
    files: CycleFiles,
    clock: (() => number) | Float64Array,
    onCorrupt: 'stop' | 'skip' | 'truncate',
    shared: boolean,
    syncEach: boolean,
    fenceless: boolean,
  ) {
    this.files = files;
    this.clockView = clock instanceof Float64Array ? clock : undefined;
    this.clock = clock instanceof Float64Array ? () => clock[0] as number : clock;
    this.onCorrupt = onCorrupt;
    this.shared = shared;
    this.syncEach = syncEach;
    this.fenceless = fenceless;
  }

  clockPassedCycleEnd(): boolean {
    const clockView = this.clockView;
    return (clockView === undefined ? this.clock() : (clockView[0] as number)) >= this.cycleEndMs;
  }

  /**
   * Makes room for the index page and the frame, and returns the block offset where a frame of
   * `length` payload bytes goes.
   */
  placeFrame(length: number): number {
    const sequence = this.sequence;
    if (sequence >= this.sequenceLimit) throw cycleFull(this.file.path, sequence);
    if ((sequence & this.indexMask) === 0) prepareIndexEntry(this, sequence);
    const frameLength = computeFrameLength(length);
    if (this.position + frameLength > this.blockEnd) this.nextBlock();
    return this.position - this.blockStart;
  }

  /**
   * Writes the check word of a skip or end-of-cycle frame at block `offset` (the appender's
   * position), then publishes its length word.
   */
  publishSkip(offset: number, lengthWord: number): void {
    const position = this.blockStart + offset;
    setChecksumWord(this.words, offset, computeSkipTag(lengthWord, position, this.sequence));
    // publish: readers load the length word, then check the tag written above.
    storeLengthWord(this.words, offset, lengthWord);
    // Under 'each' a record is durable when appendSync returns (or append resolves), and so must
    // be every frame a reader steps over to reach it (block-end padding, index pages): else a
    // power loss could leave a free word before acknowledged records. Rare (one per block or
    // index page).
    if (this.syncEach) this.block.mapping.msyncSync(offset, FRAME_HEADER_BYTES);
  }

  publishAdvisory(): void {
    storeWritePosition(this.header, this.position);
    storeRecordCount(this.header, this.sequence);
  }

  /** The cycle to roll to at `now`: the clock's, or the next one if the clock is behind. */
  rollTarget(now: number): number {
    const shape = this.files.shape;
    return Math.max(this.cycle + 1, cycleAt(now, shape.epochMs, shape.cycleLengthMs));
  }

  /** The first cycle after the current one that has a file (a readdir: rolls only). */
  successorCycle(): number | undefined {
    return this.files.listCycles().find((cycle) => cycle > this.cycle);
  }

  /** Opens the cycle to append to, sealing an older unsealed one first. */
  start(): void {
    const files = this.files;
    const now = this.clock();
    const shape = files.shape;
    const clockCycle = cycleAt(now, shape.epochMs, shape.cycleLengthMs);
    const cycles = files.listCycles();
    const highest = cycles.at(-1);
    if (highest !== undefined && highest < clockCycle) {
      // The previous appender stopped (or died) before rolling: recover its end and seal it,
      // so readers go on to the new cycle instead of waiting for more records there.
      const previous = files.get(highest);
      if (previous !== undefined && !findCheckedEnd(previous, this.onCorrupt).sealed) {
        this.attach(highest, now);
        this.seal();
      }
    }
    this.attach(highest === undefined ? clockCycle : Math.max(clockCycle, highest), now);
  }

  /** Makes `cycle` current: finds its true end by scanning from the last index entry. */
  attach(cycle: number, now: number): void {
    let file = this.files.getOrCreate(cycle, now);
    let end = findCheckedEnd(file, this.onCorrupt);
    while (end.sealed) {
      // Someone rolled past this cycle already (a clock that went back): append after it.
      cycle++;
      file = this.files.getOrCreate(cycle, now);
      end = findCheckedEnd(file, this.onCorrupt);
    }
    this.useFile(file, cycle);
    this.position = end.position;
    this.sequence = end.sequence;
    this.useBlock(Math.floor(end.position / this.blockBytes));
    // The rest of the block we start in was not pre-faulted by anyone yet.
    if (!this.files.readOnly) file.prefault(this.block.number, end.position - this.blockStart);
    this.zeroAt(this.position);
    // A sealed flag that the checked frames contradict (no end-of-cycle frame) is damage.
    if (loadSealed(file.header) !== 0) clearSealed(file.header);
    findIndexPage(this, end);
  }

  /** Takes `file`'s shape; the caller positions the appender in it. */
  useFile(file: CycleFile, cycle: number): void {
    const configuration = file.configuration;
    const shape = this.files.shape;
    this.file = file;
    this.header = file.header;
    // Before our first fenceless publish in the file, so that every waiter that could miss it
    // knows to fence (the mark is a sequentially consistent store).
    if (this.fenceless) markFencelessPublish(file.header);
    this.cycle = cycle;
    this.cycleEndMs = cycleStartMs(cycle + 1, shape.epochMs, shape.cycleLengthMs);
    this.sequencesPerCycle = 2 ** configuration.sequenceBits;
    this.sequenceLimit = this.shared
      ? Math.min(this.sequencesPerCycle, 2 ** 32 - 1)
      : this.sequencesPerCycle;
    this.indexBase = cycle * this.sequencesPerCycle;
    this.blockBytes = configuration.blockBytes;
    this.headerBytes = configuration.headerBytes;
    this.checksums = configuration.checksums;
    this.maxPayloadBytes = configuration.maxPayloadBytes;
    this.indexCount = configuration.indexCount;
    this.indexSpacing = configuration.indexSpacing;
    this.indexMask = configuration.indexSpacing - 1;
  }

  /** Zeroes what a dead appender may have left past the end (recovery.ts). */
  zeroAt(position: number): void {
    if (!this.files.readOnly) zeroPastEnd(this.file, position);
  }

  /**
   * Makes the block holding `position` current unless it already is. A position on a block
   * boundary belongs to the block it ends: a shared appender moves on from there (allocating the
   * next block, which may fail with ERR_ANNAL_FULL and be retried later).
   */
  mapBlockAt(position: number): void {
    if (position >= this.blockStart && position <= this.blockEnd) return;
    const number = Math.floor(Math.max(position - 1, 0) / this.blockBytes);
    this.useBlock(number);
    // Another appender started this block; fault in the rest for this process too.
    this.file.prefault(number, position - this.blockStart);
  }

  /** Pads the rest of the block (if any) and moves to the next one, allocating ahead. */
  nextBlock(): void {
    if (this.shared && this.blockEnd + this.blockBytes >= MAX_SHARED_DATA_BYTES) {
      throw cycleFull(this.file.path, this.sequence);
    }
    const rest = this.blockEnd - this.position;
    if (rest > 0) {
      this.publishSkip(this.position - this.blockStart, packSkipWord(rest));
      this.position = this.blockEnd;
    }
    this.useBlock(this.block.number + 1);
  }

  /**
   * Maps block `number` (allocating it first), and allocates and pre-faults the one after.
   *
   * @throws ERR_ANNAL_FULL when block `number` cannot be allocated; the appender stays where it
   *   was, so a later append retries (and succeeds once space is free)
   */
  useBlock(number: number): void {
    const file = this.file;
    if (!this.files.readOnly) {
      file.allocateBlocks(number + 1);
      try {
        file.allocateBlocks(number + 2);
      } catch {
        // Allocating ahead is an optimisation: if the disk is full now, the same error comes back,
        // typed, when this block fills and the next one is really needed.
      }
    }
    const block = file.block(number);
    if (block === undefined) {
      // Allocated a moment ago, yet shorter now: something else truncated the file.
      throw blockMissing(file.path, number);
    }
    this.block = block;
    this.words = block.words;
    this.bytes = block.bytes;
    this.blockStart = block.start;
    this.blockEnd = block.start + this.blockBytes;
    file.prefault(number + 1);
  }

  /** Seals the current cycle with an end-of-cycle frame. */
  seal(): void {
    if (this.position === this.blockEnd) this.nextBlock();
    // Its tag binds the cycle's record count: a reader that reaches it after another number of
    // records (a record lost to a damaged length word) reports it.
    this.publishSkip(this.position - this.blockStart, END_OF_CYCLE_WORD);
    storeSealed(this.header);
    this.publishAdvisory();
    // Wake tailers so they move on to the next cycle.
    bumpCommitCounter(this.header);
    futexWake(this.header, COMMIT_COUNTER_INDEX);
  }
}
