/**
 * The cycle files of one queue directory: naming, listing, and one shared open `CycleFile` per
 * cycle for the appender and readers of a `Queue` object.
 *
 * @module
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import { AnnalError, CorruptError, fsyncDirectorySync } from '@annal/native';
import { fromErrno, type PositionTable } from '@annal/native/internal';

import { CycleFile } from './cycle-file.js';
import { CYCLE_FILE_EXTENSION, type CycleFileConfiguration } from './layout.js';
import { MetadataFile } from './metadata-file.js';
import { openReaderPositions } from './reader-positions.js';
import { cycleAt, cycleFileStem, cycleStartMs, parseCycleFileStem } from './roll-cycle.js';

/** How new cycle files are shaped (from the queue's options). */
export interface CycleShape {
  readonly cycleLengthMs: number;
  readonly epochMs: number;
  readonly blockBytes: number;
  readonly indexCount: number;
  readonly indexSpacing: number;
  readonly sequenceBits: number;
  readonly checksums: boolean;
  readonly maxPayloadBytes: number;
  readonly headerBytes: number;
}

/** Told when a Queue maps a cycle file (acquired) and unmaps it (released). */
export interface CycleFileListener {
  readonly onAcquired?: ((cycle: number, path: string) => void) | undefined;
  readonly onReleased?: ((cycle: number, path: string) => void) | undefined;
}

/** The cycle files of a directory. Threading: one JS thread (each thread opens its own Queue). */
export class CycleFiles {
  readonly directory: string;
  readonly readOnly: boolean;
  #shape: CycleShape;
  /**
   * False while the shape comes from the options (the directory had no cycle file yet): the
   * first file that appears, by whoever created it, replaces it, so a reader never needs the
   * writer's options.
   */
  #shapeFromFile: boolean;
  readonly #listener: CycleFileListener;
  readonly #open = new Map<number, CycleFile>();
  #metadata: MetadataFile | undefined;
  #metadataOpened = false;
  #positions: PositionTable | undefined;

  /**
   * @param shape - the shape of the newest cycle file, or (`shapeFromFile` false, none exists)
   *   the one the options give new files
   */
  constructor(
    directory: string,
    shape: CycleShape,
    shapeFromFile: boolean,
    readOnly: boolean,
    listener: CycleFileListener = {},
  ) {
    this.directory = directory;
    this.#shape = shape;
    this.#shapeFromFile = shapeFromFile;
    this.readOnly = readOnly;
    this.#listener = listener;
  }

  /**
   * How cycle files are shaped: as the newest file says once one exists (checked at every
   * listing until then), else as the options say.
   */
  get shape(): CycleShape {
    return this.#shape;
  }

  /** Path of the file for `cycle`. */
  pathOf(cycle: number): string {
    const start = cycleStartMs(cycle, this.shape.epochMs, this.shape.cycleLengthMs);
    return join(this.directory, cycleFileStem(start) + CYCLE_FILE_EXTENSION);
  }

  /**
   * Cycle numbers that have a file, ascending (a readdir: not for hot loops). Files of another
   * cycle length or epoch map to the cycle containing their start.
   */
  listCycles(): number[] {
    const cycles: number[] = [];
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch (error) {
      // E.g. the directory was deleted or its permissions changed under an open queue.
      throw fromErrno(error, { path: this.directory, field: 'directory' });
    }
    if (!this.#shapeFromFile) this.#adoptShape(names);
    for (const name of names) {
      if (!name.endsWith(CYCLE_FILE_EXTENSION) || name.startsWith('.')) continue;
      const startMs = parseCycleFileStem(name.slice(0, -CYCLE_FILE_EXTENSION.length));
      if (startMs === undefined) continue;
      cycles.push(cycleAt(startMs, this.shape.epochMs, this.shape.cycleLengthMs));
    }
    return cycles.sort((a, b) => a - b);
  }

  /** The open file of `cycle`, opening it if it exists; undefined if it does not. */
  get(cycle: number): CycleFile | undefined {
    const existing = this.#open.get(cycle);
    if (existing !== undefined) return existing;
    let file: CycleFile;
    try {
      file = CycleFile.open(this.pathOf(cycle), this.readOnly);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_ANNAL_NOT_FOUND') return undefined;
      throw error;
    }
    try {
      checkNamedCycle(file, cycle, this.shape);
    } catch (error) {
      file.close();
      throw error;
    }
    this.#open.set(cycle, file);
    this.#listener.onAcquired?.(cycle, file.path);
    return file;
  }

  /**
   * A separate read-only mapping of the file of `cycle`, for inspecting it (describe, verify)
   * without keeping its blocks mapped in this object: the caller closes it.
   *
   * @throws ERR_ANNAL_NOT_FOUND when it is gone; ERR_ANNAL_CORRUPT when its header is damaged or
   *   names another cycle
   */
  openForInspection(cycle: number): CycleFile {
    const file = CycleFile.open(this.pathOf(cycle), true);
    try {
      checkNamedCycle(file, cycle, this.shape);
    } catch (error) {
      file.close();
      throw error;
    }
    return file;
  }

  /**
   * The file of `cycle`, creating it (atomically) if needed, for an appender: the metadata file
   * then records it as the highest cycle if it is (readers waiting at an end-of-cycle mark look
   * there before listing the directory).
   */
  getOrCreate(cycle: number, nowMs: number): CycleFile {
    const existing = this.get(cycle);
    if (existing !== undefined) {
      // An appender that died between creating this file and recording it left the record
      // behind: readers would stop before it, and before everything appended to it since.
      this.#hint()?.recordCycle(cycle);
      return existing;
    }
    const configuration: CycleFileConfiguration = { ...this.shape, cycle, createdAtMs: nowMs };
    const file = CycleFile.create(this.pathOf(cycle), configuration);
    // Ours, or (when another process created it first) the shape the queue now has.
    if (!this.#shapeFromFile) this.#adoptShape([]);
    this.#open.set(cycle, file);
    this.#listener.onAcquired?.(cycle, file.path);
    // A hint for readers: a damaged metadata file does not stop appending.
    this.#hint()?.recordCycle(cycle);
    return file;
  }

  /**
   * The first existing cycle after `cycle`, or undefined. Looks at the metadata file's highest
   * cycle first, so a tailer waiting at the end of the newest cycle lists no directory.
   */
  nextCycleAfter(cycle: number): number | undefined {
    const metadata = this.#hint();
    if (metadata !== undefined && metadata.highestCycle() <= cycle) return undefined;
    return this.listCycles().find((candidate) => candidate > cycle);
  }

  /**
   * The metadata file as a hint for readers: a damaged one is no hint (they list the directory
   * instead).
   */
  #hint(): MetadataFile | undefined {
    try {
      return this.metadata();
    } catch (error) {
      if (error instanceof CorruptError) return undefined;
      throw error;
    }
  }

  /** The directory's metadata file (created on first use unless read-only; undefined if absent). */
  metadata(): MetadataFile | undefined {
    if (!this.#metadataOpened) {
      this.#metadata = MetadataFile.open(this.directory, this.readOnly);
      this.#metadataOpened = this.#metadata !== undefined || !this.readOnly;
    }
    return this.#metadata;
  }

  /**
   * The named readers' positions table (created on first use unless read-only; undefined if
   * absent). @throws ERR_ANNAL_CORRUPT when it is damaged
   */
  readerPositions(): PositionTable | undefined {
    this.#positions ??= openReaderPositions(this.directory, this.readOnly);
    return this.#positions;
  }

  /** Unmaps the file of `cycle` if this object has it open (views over it then read empty). */
  release(cycle: number): void {
    const file = this.#open.get(cycle);
    if (file === undefined) return;
    this.#open.delete(cycle);
    file.close();
    this.#listener.onReleased?.(cycle, file.path);
  }

  /**
   * Unmaps and deletes the files of `cycles`, then fsyncs the directory once.
   *
   * @returns the cycles whose file was deleted
   */
  delete(cycles: readonly number[]): number[] {
    const deleted: number[] = [];
    for (const cycle of cycles) {
      this.release(cycle);
      try {
        unlinkSync(this.pathOf(cycle));
        deleted.push(cycle);
      } catch (error) {
        // Another process deleted it first: the outcome is the same.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (deleted.length > 0) fsyncDirectorySync(this.directory);
    return deleted;
  }

  /** Takes the shape of the newest cycle file among `names` (read afresh when empty), if any. */
  #adoptShape(names: readonly string[]): void {
    const shape = shapeOfNewestFile(this.directory, names.length > 0 ? names : undefined);
    if (shape === undefined) return;
    this.#shape = shape;
    this.#shapeFromFile = true;
  }

  /** Unmaps every open file. */
  close(): void {
    for (const cycle of [...this.#open.keys()]) this.release(cycle);
    this.#metadata?.close();
    this.#metadata = undefined;
    this.#metadataOpened = false;
    this.#positions?.close();
    this.#positions = undefined;
  }
}

/**
 * Checks that `file`, found under the name of `cycle`, is that cycle's file: a file copied or
 * renamed into another cycle's name would hand out its records under that cycle's indices (and
 * a reader at its end-of-cycle mark would come back to it for ever).
 *
 * @throws ERR_ANNAL_CORRUPT (field `cycle`) when its header says another cycle
 */
export function checkNamedCycle(file: CycleFile, cycle: number, shape: CycleShape): void {
  const c = file.configuration;
  const named = cycleStartMs(cycle, shape.epochMs, shape.cycleLengthMs);
  const own = cycleStartMs(c.cycle, c.epochMs, c.cycleLengthMs);
  if (own !== named) {
    throw new CorruptError(
      `${file.path}: its header says cycle ${c.cycle} (starting ${new Date(own).toISOString()}), but its name is that of the cycle starting ${new Date(named).toISOString()}`,
      { path: file.path, offset: 0, field: 'cycle' },
    );
  }
}

/**
 * The shape recorded by the newest cycle file in `directory` (whose entries are `names`, or read
 * now) whose header checks out, or undefined when it has none. A damaged file (empty, cut,
 * random, a stray `*.annalq`) is passed over here, so the rest of the queue stays reachable; it
 * is reported to whoever reads or appends to it.
 */
export function shapeOfNewestFile(
  directory: string,
  names?: readonly string[],
): CycleShape | undefined {
  let entries = names;
  if (entries === undefined) {
    try {
      entries = readdirSync(directory);
    } catch {
      return undefined;
    }
  }
  const newestFirst = entries
    .filter((name) => name.endsWith(CYCLE_FILE_EXTENSION) && !name.startsWith('.'))
    .filter((name) => parseCycleFileStem(name.slice(0, -CYCLE_FILE_EXTENSION.length)) !== undefined)
    .sort()
    .reverse();
  for (const name of newestFirst) {
    let file: CycleFile;
    try {
      file = CycleFile.open(join(directory, name), true);
    } catch (error) {
      if (error instanceof AnnalError) continue;
      throw error;
    }
    return shapeOf(file);
  }
  return undefined;
}

/** What `file`'s header says of the queue's shape; closes it. */
function shapeOf(file: CycleFile): CycleShape {
  try {
    const c = file.configuration;
    return {
      cycleLengthMs: c.cycleLengthMs,
      epochMs: c.epochMs,
      blockBytes: c.blockBytes,
      indexCount: c.indexCount,
      indexSpacing: c.indexSpacing,
      sequenceBits: c.sequenceBits,
      checksums: c.checksums,
      maxPayloadBytes: c.maxPayloadBytes,
      headerBytes: c.headerBytes,
    };
  } finally {
    file.close();
  }
}
