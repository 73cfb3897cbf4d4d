/**
 * The cycle files of one queue directory: naming, listing, and one shared open `CycleFile` per
 * cycle for the appender and readers of a `Queue` object.
 *
 * @module
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import { syncDirectory } from '@annal/native';

import { CycleFile } from './cycle-file.js';
import { CYCLE_FILE_EXTENSION, type CycleFileConfiguration } from './layout.js';
import { MetadataFile } from './metadata-file.js';
import { cycleAt, cycleFileStem, cycleStartMs, parseCycleFileStem } from './roll-cycle.js';

/** How new cycle files are shaped (from the queue's options). */
export interface CycleShape {
  readonly cycleLengthMs: number;
  readonly epochMs: number;
  readonly blockSize: number;
  readonly indexCount: number;
  readonly indexSpacing: number;
  readonly sequenceBits: number;
  readonly checksums: boolean;
  readonly maxPayloadLength: number;
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
  readonly shape: CycleShape;
  readonly readOnly: boolean;
  readonly #listener: CycleFileListener;
  readonly #open = new Map<number, CycleFile>();
  #metadata: MetadataFile | undefined;
  #metadataOpened = false;

  constructor(
    directory: string,
    shape: CycleShape,
    readOnly: boolean,
    listener: CycleFileListener = {},
  ) {
    this.directory = directory;
    this.shape = shape;
    this.readOnly = readOnly;
    this.#listener = listener;
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
    for (const name of readdirSync(this.directory)) {
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
    this.#open.set(cycle, file);
    this.#listener.onAcquired?.(cycle, file.path);
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
      this.metadata()?.recordCycle(cycle);
      return existing;
    }
    const configuration: CycleFileConfiguration = { ...this.shape, cycle, createdAtMs: nowMs };
    const file = CycleFile.create(this.pathOf(cycle), configuration);
    this.#open.set(cycle, file);
    this.#listener.onAcquired?.(cycle, file.path);
    this.metadata()?.recordCycle(cycle);
    return file;
  }

  /**
   * The first existing cycle after `cycle`, or undefined. Looks at the metadata file's highest
   * cycle first, so a tailer waiting at the end of the newest cycle lists no directory.
   */
  nextCycleAfter(cycle: number): number | undefined {
    const metadata = this.metadata();
    if (metadata !== undefined && metadata.highestCycle() <= cycle) return undefined;
    return this.listCycles().find((candidate) => candidate > cycle);
  }

  /** The directory's metadata file (created on first use unless read-only; undefined if absent). */
  metadata(): MetadataFile | undefined {
    if (!this.#metadataOpened) {
      this.#metadata = MetadataFile.open(this.directory, this.readOnly);
      this.#metadataOpened = this.#metadata !== undefined || !this.readOnly;
    }
    return this.#metadata;
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
    if (deleted.length > 0) syncDirectory(this.directory);
    return deleted;
  }

  /** Unmaps every open file. */
  close(): void {
    for (const cycle of [...this.#open.keys()]) this.release(cycle);
    this.#metadata?.close();
    this.#metadata = undefined;
    this.#metadataOpened = false;
  }
}
