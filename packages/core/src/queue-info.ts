/**
 * `queue.describe()`: what a queue directory holds, as its files say (shape, cycles, record
 * counts, named readers' positions), for tools that look at a queue while its appender runs
 * elsewhere. Not a hot path: each cycle's records are counted by a scan from its last index
 * entry, so at most `indexSpacing` frames per file are read, not every payload.
 *
 * @module
 */
import { statSync } from 'node:fs';

import { AnnalError, CorruptError } from '@annal/native';
import type { PositionTable } from '@annal/native/internal';

import type { CycleFile } from './cycle-file.js';
import type { CycleFiles, CycleShape } from './cycle-files.js';
import { scanFrames } from './frame-scan.js';
import { lastIndexedStart } from './index-lookup.js';
import { IndexCodec } from './queue-index.js';
import { openReaderPositions } from './reader-positions.js';
import { cycleStartMs, rollCycleNameOf } from './roll-cycle.js';
import type { VerifyProblem } from '@annal/native';
import { problemOf } from '@annal/native/internal';

/** One cycle file of a queue, as {@link QueueInfo.cycles} lists it. */
export interface CycleInfo {
  /** The cycle number (what `queue.cycles()` lists). */
  readonly cycle: number;
  /** Absolute path of its file. */
  readonly path: string;
  /** Size of the file on disk in bytes (header and every allocated block, used or not). */
  readonly bytes: number;
  /** Unix milliseconds at which the cycle starts (from the roll cycle and epoch). */
  readonly startsAt: number;
  /** Index of its first record, or undefined when it has none. */
  readonly firstIndex: number | undefined;
  /** Index of its last record, or undefined when it has none. */
  readonly lastIndex: number | undefined;
  /** Records in the file (those before damage met while counting, if any). */
  readonly records: number;
  /**
   * Damage met while counting (a header that fails its checks, a frame at the end that does),
   * or undefined. `queue.verify()` looks at every frame; this looks only at the header and the
   * frames after the last index entry.
   */
  readonly problem: VerifyProblem | undefined;
}

/** A named reader's stored position, as {@link QueueInfo.readers} lists it. */
export interface NamedReaderInfo {
  /** The reader's name. */
  readonly name: string;
  /**
   * The index it reads next when it opens again: the record it returned last while it is open
   * (it may not have handled it), the one after it once it closed, the queue's first index when
   * that is later (a name that has read nothing yet, or whose records were deleted); undefined
   * when its stored position is damaged (opening it is then ERR_ANNAL_CORRUPT).
   */
  readonly index: number | undefined;
  /** Records in the queue from `index` on: how far it is behind (all of them when undefined). */
  readonly lag: number;
}

/** What `queue.describe()` returns: the queue as its files are now. */
export interface QueueInfo {
  /** Absolute path of the queue directory. */
  readonly directory: string;
  /**
   * Name of the roll cycle (as the `rollCycle` option takes it) whose length the newest file
   * records; `'CUSTOM'` for a length no built-in roll cycle has.
   */
  readonly rollCycle: string;
  /** Milliseconds one cycle file covers. */
  readonly cycleLengthMs: number;
  /** Unix milliseconds at which cycle 0 starts. */
  readonly epochMs: number;
  /** Bytes per data block. */
  readonly blockBytes: number;
  /** Entries per index page. */
  readonly indexCount: number;
  /** Records per index entry. */
  readonly indexSpacing: number;
  /** Bits of the sequence in an index: `index = cycle × 2^sequenceBits + sequence`. */
  readonly sequenceBits: number;
  /** `'crc32c'` when records carry a CRC32C of their payload, else `'off'`. */
  readonly checksums: 'off' | 'crc32c';
  /** Largest payload a record may have. */
  readonly maxPayloadBytes: number;
  /** Index of the first record of the queue, or undefined when it has none. */
  readonly firstIndex: number | undefined;
  /** Index of the last record of the queue, or undefined when it has none. */
  readonly lastIndex: number | undefined;
  /** Records in every cycle file. */
  readonly records: number;
  /** Bytes of every cycle file on disk. */
  readonly bytes: number;
  /** Every cycle file, oldest first. */
  readonly cycles: readonly CycleInfo[];
  /** Every named reader with a stored position, in the order the positions table keeps them. */
  readonly readers: readonly NamedReaderInfo[];
  /** Damage met while describing: each cycle's `problem`, then a damaged positions table's. */
  readonly problems: readonly VerifyProblem[];
}

/** Describes the queue of `files` (see {@link QueueInfo}). */
export function describeQueue(files: CycleFiles): QueueInfo {
  const listed = files.listCycles(); // first: a queue opened empty takes its files' shape here
  const shape = files.shape;
  const codec = new IndexCodec(shape.sequenceBits);
  const cycles: CycleInfo[] = [];
  for (const cycle of listed) {
    const info = describeCycle(files, shape, codec, cycle);
    if (info !== undefined) cycles.push(info);
  }
  const problems = cycles.flatMap((cycle) => (cycle.problem === undefined ? [] : [cycle.problem]));
  const readers = describeReaders(files, codec, cycles, problems);
  const withRecords = cycles.filter((cycle) => cycle.records > 0);
  return {
    directory: files.directory,
    rollCycle: rollCycleNameOf(shape.cycleLengthMs) ?? 'CUSTOM',
    cycleLengthMs: shape.cycleLengthMs,
    epochMs: shape.epochMs,
    blockBytes: shape.blockBytes,
    indexCount: shape.indexCount,
    indexSpacing: shape.indexSpacing,
    sequenceBits: shape.sequenceBits,
    checksums: shape.checksums ? 'crc32c' : 'off',
    maxPayloadBytes: shape.maxPayloadBytes,
    firstIndex: withRecords[0]?.firstIndex,
    lastIndex: withRecords.at(-1)?.lastIndex,
    records: sum(cycles.map((cycle) => cycle.records)),
    bytes: sum(cycles.map((cycle) => cycle.bytes)),
    cycles,
    readers,
    problems,
  };
}

/** One cycle file, or undefined when it vanished since the listing (retention elsewhere). */
function describeCycle(
  files: CycleFiles,
  shape: CycleShape,
  codec: IndexCodec,
  cycle: number,
): CycleInfo | undefined {
  const path = files.pathOf(cycle);
  const bytes = sizeOf(path);
  if (bytes === undefined) return undefined;
  const startsAt = cycleStartMs(cycle, shape.epochMs, shape.cycleLengthMs);
  const base = { cycle, path, bytes, startsAt };
  let file: CycleFile;
  try {
    file = files.openForInspection(cycle);
  } catch (error) {
    if (AnnalError.isInstance(error) && error.code === 'ERR_ANNAL_NOT_FOUND') return undefined;
    if (!CorruptError.isInstance(error)) throw error;
    return { ...base, ...countOf(codec, cycle, 0), problem: problemOf(error, path) };
  }
  try {
    const end = scanFrames(file, lastIndexedStart(file), { stopAtCorrupt: true });
    const problem = end.corrupt === undefined ? undefined : problemOf(end.corrupt, path);
    return { ...base, ...countOf(codec, cycle, end.sequence), problem };
  } catch (error) {
    // A damaged frame under an index entry (stopAtCorrupt covers the frames it walks).
    if (!CorruptError.isInstance(error)) throw error;
    return { ...base, ...countOf(codec, cycle, 0), problem: problemOf(error, path) };
  } finally {
    file.close();
  }
}

function countOf(
  codec: IndexCodec,
  cycle: number,
  records: number,
): Pick<CycleInfo, 'firstIndex' | 'lastIndex' | 'records'> {
  const base = cycle * codec.sequencesPerCycle;
  return records === 0
    ? { firstIndex: undefined, lastIndex: undefined, records }
    : { firstIndex: base, lastIndex: base + records - 1, records };
}

/**
 * The named readers' stored positions and lags, from a read-only mapping of the positions table
 * (none is created); a damaged table is a problem, not a throw.
 */
function describeReaders(
  files: CycleFiles,
  codec: IndexCodec,
  cycles: readonly CycleInfo[],
  problems: VerifyProblem[],
): NamedReaderInfo[] {
  const total = sum(cycles.map((cycle) => cycle.records));
  const first = cycles.find((cycle) => cycle.records > 0)?.firstIndex;
  let table: PositionTable | undefined;
  try {
    table = openReaderPositions(files.directory, true);
    if (table === undefined) return [];
    const readers: NamedReaderInfo[] = [];
    for (const { name, slot } of table.entries(false)) {
      let index: number | undefined;
      try {
        index = table.position(slot);
      } catch (error) {
        if (!CorruptError.isInstance(error)) throw error;
        problems.push(problemOf(error, table.path));
      }
      // Before the first record (a new name stores 0; retention may delete what a reader had
      // not read): the reader starts at the first record.
      if (index !== undefined && first !== undefined && index < first) index = first;
      readers.push({ name, index, lag: index === undefined ? total : lagOf(codec, cycles, index) });
    }
    return readers;
  } catch (error) {
    // The table itself, or a damaged name (after which its slots cannot be told apart).
    if (!CorruptError.isInstance(error)) throw error;
    problems.push(problemOf(error, error.path ?? files.directory));
    return [];
  } finally {
    table?.close();
  }
}

/** Records at or after `index`: what a reader positioned there has still to read. */
function lagOf(codec: IndexCodec, cycles: readonly CycleInfo[], index: number): number {
  const cycle = Math.floor(index / codec.sequencesPerCycle);
  const sequence = index - cycle * codec.sequencesPerCycle;
  let lag = 0;
  for (const info of cycles) {
    if (info.cycle > cycle) lag += info.records;
    else if (info.cycle === cycle) lag += Math.max(0, info.records - sequence);
  }
  return lag;
}

/** Size of the file at `path`, or undefined when it is gone. */
function sizeOf(path: string): number | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats?.size;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
