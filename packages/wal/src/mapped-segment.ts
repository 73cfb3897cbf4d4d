/**
 * The `mmap` backend: a segment mapped whole. Frames are written with stores into the mapping
 * (no syscall per record) and read in place; a record is in the page cache, and so survives a
 * crash of the process, as soon as its length word is stored.
 *
 * @module
 */
import { MappedFile } from '@annal/native';

import { frameBuffer, frameChecksum, type FrameBuffer } from './checksum.js';
import { firstNonZeroIn } from './zeros.js';
import {
  FRAME_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  frameBytes,
  frameChecksumIndex,
  frameSeed,
  frameWordIndex,
  packWord,
} from './layout.js';
import { Segment } from './segment.js';

export class MappedSegment extends Segment {
  readonly #mapping: MappedFile;
  readonly #buffer: FrameBuffer;
  /** What was written since the last sync: a sync msyncs that range, not the whole mapping. */
  #dirtyFrom = Number.POSITIVE_INFINITY;
  #dirtyTo = 0;
  /** The ranges syncs running in the pool cover, and how many run. */
  #pendingFrom = Number.POSITIVE_INFINITY;
  #pendingTo = 0;
  #pending = 0;
  protected at = 0;

  private constructor(path: string, topic: string, mapping: MappedFile, buffer: FrameBuffer) {
    super(path, topic, buffer.bytes, buffer.bytes.length);
    this.#mapping = mapping;
    this.#buffer = buffer;
  }

  /**
   * Maps an existing segment and checks its header (`readOnly`: mapped PROT_READ, for a log
   * another process writes). @throws ERR_ANNAL_CORRUPT
   */
  static open(path: string, topic: string, readOnly = false): MappedSegment {
    const mapping = MappedFile.open(path, { readOnly });
    try {
      return new MappedSegment(path, topic, mapping, frameBuffer(mapping.buffer as ArrayBuffer));
    } catch (error) {
      mapping.close();
      throw error;
    }
  }

  writeFrame(position: number, kind: number, index: number, payload: Uint8Array): number {
    const length = payload.length;
    const buffer = this.#buffer;
    const payloadAt = position + FRAME_HEADER_BYTES;
    copyBytes.call(buffer.bytes, payload, payloadAt);
    // Checksummed where it landed: the mapping is word-aligned, the caller's bytes may not be.
    const words = buffer.words;
    words[frameChecksumIndex(position)] = frameChecksum(
      buffer,
      payloadAt,
      length,
      frameSeed(kind, index),
    );
    // The length word last (little-endian, as every platform Node supports stores words).
    words[frameWordIndex(position)] = packWord(kind, length);
    const end = position + frameBytes(length);
    if (position < this.#dirtyFrom) this.#dirtyFrom = position;
    if (end > this.#dirtyTo) this.#dirtyTo = end;
    return end;
  }

  appendFrom(): void {
    // Stores go straight into the mapping: nothing to set up.
  }

  flush(): void {
    // A store into the mapping is in the page cache already.
  }

  zero(from: number, to: number): void {
    this.#buffer.bytes.fill(0, from, to);
    if (from < this.#dirtyFrom) this.#dirtyFrom = from;
    if (to > this.#dirtyTo) this.#dirtyTo = to;
  }

  firstNonZero(from: number, to: number): number {
    return firstNonZeroIn(this.#buffer.bytes, from, to, this.#buffer.words);
  }

  protected bytesAt(position: number): FrameBuffer {
    this.at = position;
    return this.#buffer;
  }

  /** The mapping is the whole segment, at file positions: records ahead are checked in it. */
  protected override aheadEnd(): number {
    return this.lengthBytes;
  }

  async sync(): Promise<void> {
    const from = this.#dirtyFrom;
    const to = this.#dirtyTo;
    this.#dirtyFrom = Number.POSITIVE_INFINITY;
    this.#dirtyTo = 0;
    if (from >= to) return;
    if (from < this.#pendingFrom) this.#pendingFrom = from;
    if (to > this.#pendingTo) this.#pendingTo = to;
    this.#pending++;
    try {
      await this.#mapping.msync(from, to - from);
    } finally {
      if (--this.#pending === 0) {
        this.#pendingFrom = Number.POSITIVE_INFINITY;
        this.#pendingTo = 0;
      }
    }
  }

  syncSync(): void {
    // Ranges a sync in the pool is still writing back are not durable yet: redone here (pages
    // already clean cost little), since a record is only as durable as everything before it.
    const from = Math.min(this.#dirtyFrom, this.#pendingFrom);
    const to = Math.max(this.#dirtyTo, this.#pendingTo);
    this.#dirtyFrom = Number.POSITIVE_INFINITY;
    this.#dirtyTo = 0;
    if (from < to) this.#mapping.msyncSync(from, to - from);
  }

  prefault(): void {
    // A failed prefault only costs speed: appends fault the pages in themselves.
    this.#mapping.prefault(SEGMENT_HEADER_BYTES).catch(() => undefined);
  }

  close(): void {
    this.#mapping.close();
  }
}

/**
 * `Uint8Array.prototype.set`, called as `copyBytes.call(target, source, offset)` for the
 * per-record copy: why directly, and why declared in each module that calls it, is
 * docs/decisions/2026-12-05-direct-typed-array-set.md.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(target, …)
const copyBytes = Uint8Array.prototype.set;
