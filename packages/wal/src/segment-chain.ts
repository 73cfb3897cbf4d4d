/**
 * The segment files of one topic, oldest first: found on disk when the topic opens, each opened
 * (mapped, or behind a descriptor under `fd`) only when first needed, and let go oldest first
 * by retention.
 *
 * @module
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { fromErrno } from '@annal/native/internal';

import { frameBuffer } from './checksum.js';
import { makeDirectory } from './directories.js';
import { FileSegment, WINDOW_BYTES } from './file-segment.js';
import { parseSegmentFileName, segmentFileName } from './layout.js';
import { MappedSegment } from './mapped-segment.js';
import type { ResolvedWalOptions } from './options.js';
import type { ReadWindow, Segment } from './segment.js';
import { readHeaderOnDisk } from './segment-header.js';
import { isTemporaryFile } from './spare-segment.js';

export class SegmentChain {
  /** First indexes of the segments, ascending (recovery takes out what it removes). */
  readonly firstIndexes: number[] = [];
  readonly #name: string;
  readonly #directory: string;
  readonly #backend: ResolvedWalOptions['backend'];
  /** The segments opened so far, by first index. */
  readonly #open = new Map<number, Segment>();
  readonly #readOnly: boolean;

  /**
   * Lists (creating if need be) the topic's directory; removes what a crash left half-made.
   * `readOnly`: only lists (another process may own the directory, and its temporary files).
   */
  constructor(
    name: string,
    directory: string,
    backend: ResolvedWalOptions['backend'],
    readOnly = false,
  ) {
    this.#name = name;
    this.#directory = directory;
    this.#backend = backend;
    this.#readOnly = readOnly;
    for (const entry of listDirectory(directory, readOnly)) {
      const first = parseSegmentFileName(entry);
      if (first !== undefined) this.firstIndexes.push(first);
      // Only this process writes here (it owns the directory): a temporary file is a crash's.
      else if (!readOnly && isTemporaryFile(entry)) rmSync(join(directory, entry), { force: true });
    }
    this.firstIndexes.sort((a, b) => a - b);
  }

  /**
   * For a read-only log, whose writer is another process: lists the directory again, adds the
   * segments it rolled to since, and takes out (closing them) the oldest its retention deleted.
   * @returns how many were taken out at the front (positions in the list move down by that)
   */
  relist(): number {
    const found: number[] = [];
    for (const entry of listDirectory(this.#directory, true)) {
      const first = parseSegmentFileName(entry);
      if (first !== undefined) found.push(first);
    }
    found.sort((a, b) => a - b);
    const firsts = this.firstIndexes;
    const oldest = found[0];
    let removed = 0;
    while (
      removed < firsts.length &&
      (oldest === undefined || (firsts[removed] as number) < oldest)
    ) {
      removed++;
    }
    if (removed > 0) this.removeOldest(removed);
    const newest = firsts.at(-1) ?? -1;
    for (const first of found) if (first > newest) firsts.push(first);
    return removed;
  }

  /** The path of the segment whose first index is `first`. */
  pathOf(first: number): string {
    return join(this.#directory, segmentFileName(first));
  }

  /** Segment `k` of the list, opened if it is not yet. */
  segment(k: number): Segment {
    const first = this.firstIndexes[k] as number;
    let segment = this.#open.get(first);
    if (segment === undefined) {
      segment = this.openFile(first);
      this.#open.set(first, segment);
    }
    return segment;
  }

  /** Adds `segment` (just opened, the newest unless already listed). */
  add(segment: Segment): void {
    const first = segment.firstIndex;
    if (this.firstIndexes.at(-1) !== first) this.firstIndexes.push(first);
    this.#open.set(first, segment);
  }

  /** When segment `k` was created (its header), without mapping or opening it for long. */
  createdMs(k: number): number {
    const first = this.firstIndexes[k] as number;
    return this.#open.get(first)?.createdMs ?? readHeaderOnDisk(this.pathOf(first)).createdMs;
  }

  /**
   * Takes the oldest `count` segments out of the chain, closing those that are open.
   * @returns their first indexes and the open segments among them (to forget their syncs)
   */
  removeOldest(count: number): { first: number; segment: Segment | undefined }[] {
    return this.firstIndexes.splice(0, count).map((first) => {
      const segment = this.#open.get(first);
      segment?.close();
      this.#open.delete(first);
      return { first, segment };
    });
  }

  /**
   * Opens the segment file of first index `first` with the configured backend.
   * @throws ERR_ANNAL_CORRUPT when its header is bad or names another first index (a file
   *   copied or renamed into place)
   */
  openFile(first: number): Segment {
    const path = this.pathOf(first);
    const segment =
      this.#backend === 'fd'
        ? FileSegment.open(path, this.#name, this.#readOnly)
        : MappedSegment.open(path, this.#name, this.#readOnly);
    if (segment.firstIndex !== first) {
      segment.close();
      throw segment.corruption(
        0,
        `the header says first index ${segment.firstIndex}, the file name ${first}`,
      );
    }
    return segment;
  }

  /** A read buffer for a cursor under the `fd` backend; none under `mmap`. */
  newWindow(bytes = WINDOW_BYTES): ReadWindow | undefined {
    if (this.#backend !== 'fd') return undefined;
    return { segment: undefined, base: 0, end: 0, ...frameBuffer(new ArrayBuffer(bytes)) };
  }

  close(): void {
    for (const segment of this.#open.values()) segment.close();
    this.#open.clear();
  }
}

/**
 * Creates `directory` if needed (unless `readOnly`) and lists it; a refusal is a coded error
 * naming it.
 */
function listDirectory(directory: string, readOnly: boolean): string[] {
  try {
    if (!readOnly) makeDirectory(directory);
    return readdirSync(directory);
  } catch (error) {
    throw fromErrno(error, { path: directory });
  }
}
