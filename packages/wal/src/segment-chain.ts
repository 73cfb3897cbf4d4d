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

  /** Lists (creating if need be) the topic's directory; removes what a crash left half-made. */
  constructor(name: string, directory: string, backend: ResolvedWalOptions['backend']) {
    this.#name = name;
    this.#directory = directory;
    this.#backend = backend;
    for (const entry of listDirectory(directory)) {
      const first = parseSegmentFileName(entry);
      if (first !== undefined) this.firstIndexes.push(first);
      // Only this process writes here (it owns the directory): a temporary file is a crash's.
      else if (isTemporaryFile(entry)) rmSync(join(directory, entry), { force: true });
    }
    this.firstIndexes.sort((a, b) => a - b);
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
        ? FileSegment.open(path, this.#name)
        : MappedSegment.open(path, this.#name);
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

/** Creates `directory` if needed and lists it; a refusal is a coded error naming it. */
function listDirectory(directory: string): string[] {
  try {
    makeDirectory(directory);
    return readdirSync(directory);
  } catch (error) {
    throw fromErrno(error, { path: directory });
  }
}
