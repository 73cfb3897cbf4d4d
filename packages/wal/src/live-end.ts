/**
 * The end of a topic opened read-only (`Wal.open(directory, { readOnly: true })`), whose writer,
 * if any, is another process: how far its records can be read. Nothing is recovered or cut; the
 * newest segment is scanned, and scanned again from where the last scan stopped whenever a read
 * gets there, following the writer onto the segments it rolls to.
 *
 * What a scan stops at:
 * - a zero word (nothing written yet, or a frame whose writer died before its length word);
 * - members of a batch whose commit frame is not there yet: not readable until it is, as in the
 *   writer's process;
 * - a frame that fails its checks. A live writer never leaves one (its length word is stored
 *   last), so after a second look it is damage: {@link LiveEnd.damage}, which a read that gets
 *   there throws, as opening the log to write would.
 *
 * @module
 */
import type { CorruptError } from '@annal/native';

import { SEGMENT_HEADER_BYTES } from './layout.js';
import type { ReadWindow, ScanEnd, Segment } from './segment.js';
import type { SegmentChain } from './segment-chain.js';
import { readHeaderOnDisk } from './segment-header.js';

export class LiveEnd {
  readonly #chain: SegmentChain;
  readonly #window: ReadWindow | undefined;
  /** The newest segment scanned, and where its scan stopped. */
  #segment: Segment | undefined;
  #position = SEGMENT_HEADER_BYTES;
  #index: number;
  #sealed = false;
  /** A bad frame where the readable records end, seen twice; undefined when there is none. */
  damage: CorruptError | undefined;

  constructor(chain: SegmentChain) {
    this.#chain = chain;
    this.#window = chain.newWindow();
    this.#index = chain.firstIndexes.at(-1) ?? 0;
  }

  /**
   * Scans on from where the last scan stopped, onto newer segments the chain lists (the caller
   * relisted it). @returns the index after the newest readable record
   */
  advance(): number {
    const chain = this.#chain;
    const firsts = chain.firstIndexes;
    for (;;) {
      let segment = this.#segment;
      // Retention of the writer deleted it (this log fell behind by whole segments).
      if (segment !== undefined && !firsts.includes(segment.firstIndex)) {
        segment = this.#segment = undefined;
      }
      if (segment === undefined) {
        if (firsts.length === 0) return this.#index;
        const k = firsts.length - 1;
        if (!this.#begin(k)) return this.#index;
        segment = this.#segment as Segment;
      }
      if (!this.#sealed) this.#scan(segment);
      if (!this.#sealed) return this.#index;
      const next = firsts.indexOf(segment.firstIndex) + 1;
      if (next >= firsts.length || !this.#begin(next)) return this.#index;
    }
  }

  /** Starts scanning segment `k`, unless its header is not there (a power loss at a roll). */
  #begin(k: number): boolean {
    const chain = this.#chain;
    if (readHeaderOnDisk(chain.pathOf(chain.firstIndexes[k] as number)).zero) return false;
    const segment = chain.segment(k);
    this.#segment = segment;
    this.#position = SEGMENT_HEADER_BYTES;
    this.#index = segment.firstIndex;
    this.#sealed = false;
    return true;
  }

  #scan(segment: Segment): void {
    let end = this.#scanOnce(segment);
    // A frame being written as it was read (stores reach another process's view in order on
    // every platform Node runs on, but pages of a file read through a descriptor may not): one
    // more look before calling it damage.
    if (end.corruption !== undefined) end = this.#scanOnce(segment);
    this.damage =
      end.corruption === undefined
        ? undefined
        : segment.corruption(end.scannedTo, end.corruption, end.scannedIndex);
    this.#position = end.position;
    this.#index = end.index;
    this.#sealed = end.sealed;
  }

  #scanOnce(segment: Segment): ScanEnd {
    // What the window holds may predate the writer's last appends.
    if (this.#window !== undefined) this.#window.segment = undefined;
    return segment.scan(this.#window, this.#position, this.#index);
  }
}

/** Makes `window` read the file again at its next use (the writer may have written there). */
export function forgetWindow(window: ReadWindow | undefined): void {
  if (window !== undefined) window.segment = undefined;
}
