/**
 * The `fd` backend: a segment behind a file descriptor, written with pwritev and read with
 * preadv, never mapped — so an I/O error is a coded error instead of a bus error, and a log
 * holds no mappings (vm.max_map_count, resident memory).
 *
 * A syscall per record would cost more than the record (figures in
 * docs/decisions/2026-12-04-wal-fd-backend-and-spares.md), so records are staged:
 *
 * ```
 *  file  | handed to the kernel (pwritev) ........ | stage (this process only)   |
 *        0                                         stageStart                    stageStart + stageUsed
 * ```
 *
 * - An append copies its frame into the stage (256 KiB). The stage is written when it is full,
 *   at the end of the current turn of the event loop (setImmediate), at a sync and at close; a
 *   frame larger than the stage is written on its own.
 * - A write puts the bytes after the stage's first length word down first and that word last
 *   (two pwritevs): a write cut short by SIGKILL (the kernel stops copying when a fatal signal
 *   is pending) then leaves a zero word where the stage began, never a frame with half a
 *   payload, and opening the topic zeroes what such a write left past the end (see topic.ts).
 * - A sync writes the stage on the JS thread, so its bytes are in the kernel when the turn ends
 *   (the promise below), then fdatasyncs in the libuv pool.
 * - Reads are served from the stage when they reach it, and from the file otherwise, through
 *   the reader's own window (64 KiB per preadv).
 *
 * What a crash of the process keeps: everything appended before the current turn of the event
 * loop (and all that `await append` acknowledged); the records of the current turn may be lost.
 * docs/durability.md says the same per backend.
 *
 * @module
 */
import { IoError, NativeFile, type AnnalError } from '@annal/native';
import { crc32cNative, fromErrno } from '@annal/native/internal';

import { frameBuffer, frameChecksum, type FrameBuffer } from './checksum.js';
import {
  FRAME_CHECKSUM_OFFSET,
  FRAME_HEADER_BYTES,
  frameChecksumIndex,
  frameWordIndex,
  SEGMENT_HEADER_BYTES,
  frameBytes,
  frameSeed,
  packWord,
} from './layout.js';
import { Segment, type ReadWindow } from './segment.js';
import { ALL_ZEROS, firstNonZeroIn } from './zeros.js';

/** Bytes staged before a write: ~3,600 records of 64 B per syscall. */
export const STAGE_BYTES = 256 * 1024;
/** Bytes a reader's window reads at once. */
export const WINDOW_BYTES = 64 * 1024;

/** Eight zero bytes: what the file holds past the last frame. */
const NO_FRAME = frameBuffer(new ArrayBuffer(8));

export class FileSegment extends Segment {
  readonly #file: NativeFile;
  readonly #stage: FrameBuffer;
  /** File position of the stage's first byte: everything before it is in the kernel. */
  #stageStart: number;
  #stageUsed = 0;
  #flushScheduled = false;
  readonly #flushTask = (): void => this.#flushLater();
  #failure: AnnalError | undefined;
  #closed = false;
  protected at = 0;
  /**
   * Where the buffer {@link bytesAt} answered with last stops holding the file (in its own
   * offsets): a window's bytes read, the stage's bytes written. -1 after NO_FRAME.
   */
  #heldEnd = -1;

  private constructor(path: string, topic: string, file: NativeFile, header: Uint8Array) {
    const length = file.lengthBytes();
    super(path, topic, header, length);
    this.#file = file;
    this.#stage = frameBuffer(new ArrayBuffer(STAGE_BYTES));
    // Nothing is staged until the topic says where appends go (appendFrom).
    this.#stageStart = length;
  }

  /**
   * Opens an existing segment and checks its header (`readOnly`: O_RDONLY, for a log another
   * process writes). @throws ERR_ANNAL_CORRUPT
   */
  static open(path: string, topic: string, readOnly = false): FileSegment {
    const file = NativeFile.open(path, { readOnly });
    try {
      const header = new Uint8Array(SEGMENT_HEADER_BYTES);
      file.readvSync([header], 0);
      return new FileSegment(path, topic, file, header);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** Appends go to `position` on (after recovery or creation); frames are written in order. */
  appendFrom(position: number): void {
    this.flush();
    this.#stageStart = position;
  }

  writeFrame(position: number, kind: number, index: number, payload: Uint8Array): number {
    if (this.#failure !== undefined) throw this.#failure;
    const length = payload.length;
    const size = frameBytes(length);
    if (position !== this.#stageStart + this.#stageUsed) {
      // The topic writes frames in order: anything else is a bug in annal, never the user's.
      throw new IoError(
        `${this.path}: internal error: a frame written at byte ${position}, where the stage ends at ${this.#stageStart + this.#stageUsed}`,
        { path: this.path, offset: position },
      );
    }
    if (this.#stageUsed + size > this.#stage.bytes.length) {
      this.flush();
      if (size > this.#stage.bytes.length) return this.#writeAlone(position, kind, index, payload);
    }
    const stage = this.#stage;
    const at = this.#stageUsed;
    const payloadAt = at + FRAME_HEADER_BYTES;
    copyBytes.call(stage.bytes, payload, payloadAt);
    // A reused stage holds old bytes: the padding to the next frame must be zeros, as on disk.
    const padEnd = at + size;
    if (payloadAt + length < padEnd) stage.bytes.fill(0, payloadAt + length, padEnd);
    const words = stage.words;
    words[frameChecksumIndex(at)] = frameChecksum(stage, payloadAt, length, frameSeed(kind, index));
    words[frameWordIndex(at)] = packWord(kind, length);
    this.#stageUsed = padEnd;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flushTask);
    }
    return position + size;
  }

  /** Hands the stage to the kernel now (its first length word last). */
  flush(): void {
    const used = this.#stageUsed;
    if (used === 0) return;
    const start = this.#stageStart;
    const bytes = this.#stage.bytes;
    this.#writeWordLast(
      bytes.subarray(0, FRAME_CHECKSUM_OFFSET),
      [bytes.subarray(FRAME_CHECKSUM_OFFSET, used)],
      start,
    );
    this.#stageStart = start + used;
    this.#stageUsed = 0;
  }

  zero(from: number, to: number): void {
    const zeros = new Uint8Array(Math.min(to - from, 1024 * 1024));
    for (let at = from; at < to; at += zeros.length) {
      this.#write([zeros.subarray(0, Math.min(zeros.length, to - at))], at);
    }
  }

  firstNonZero(from: number, to: number): number {
    // Recovery only, before anything is staged: read the file in 1 MiB pieces.
    const piece = new Int32Array(Math.min(to - from, 1024 * 1024) >> 2);
    const bytes = new Uint8Array(piece.buffer);
    for (let at = from; at < to; at += bytes.length) {
      const length = Math.min(bytes.length, to - at);
      let read: number;
      try {
        read = this.#file.readvSync([bytes.subarray(0, length)], at);
      } catch (error) {
        throw fromErrno(error, { path: this.path, offset: at });
      }
      const found = firstNonZeroIn(bytes, 0, read & ~3, piece);
      if (found !== ALL_ZEROS) return at + found;
      if (read < length) return ALL_ZEROS;
    }
    return ALL_ZEROS;
  }

  async sync(): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    this.flush();
    try {
      await this.#file.fdatasync();
    } catch (error) {
      this.#failure ??= fromErrno(error, { path: this.path });
      throw this.#failure;
    }
  }

  syncSync(): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.flush();
    try {
      this.#file.fdatasyncSync();
    } catch (error) {
      this.#failure ??= fromErrno(error, { path: this.path });
      throw this.#failure;
    }
  }

  prefault(): void {
    // Nothing is mapped: the page cache fills as the stage is written.
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#failure === undefined) this.flush();
    } finally {
      // A sync still running in the pool holds a descriptor of its own (the addon dups it).
      this.#file.close();
    }
  }

  protected bytesAt(
    position: number,
    bytesNeeded: number,
    window: ReadWindow | undefined,
  ): FrameBuffer {
    const stageStart = this.#stageStart;
    if (position >= stageStart) {
      if (position >= stageStart + this.#stageUsed) {
        this.at = 0;
        this.#heldEnd = -1;
        return NO_FRAME;
      }
      this.at = position - stageStart;
      this.#heldEnd = this.#stageUsed;
      return this.#stage;
    }
    if (window === undefined) {
      // Every cursor of the fd backend has a window (topic.ts): a bug in annal, never the user's.
      throw new IoError(
        `${this.path}: internal error: a read at byte ${position} without a window`,
        {
          path: this.path,
          offset: position,
        },
      );
    }
    if (window.segment !== this || position < window.base || position + bytesNeeded > window.end) {
      this.#fill(window, position, bytesNeeded);
    }
    this.at = position - window.base;
    this.#heldEnd = window.end - window.base;
    return window;
  }

  /**
   * Records ahead are checked in the window or the stage a frame was read from, as far as it
   * holds the file: a run stops at the first frame cut by its end.
   */
  protected override aheadEnd(): number {
    return this.#heldEnd;
  }

  /** Reads the file from `position` into `window`: at least `bytesNeeded`, else what is there. */
  #fill(window: ReadWindow, position: number, bytesNeeded: number): void {
    if (window.bytes.length < bytesNeeded) {
      const grown = frameBuffer(new ArrayBuffer(frameBytes(bytesNeeded)));
      window.bytes = grown.bytes;
      window.view = grown.view;
      window.words = grown.words;
    }
    // Only bytes the kernel already has are read, and only those count: past them the file
    // still holds zeros that a staged frame will overwrite.
    const length = Math.min(window.bytes.length, this.#stageStart - position);
    let read = 0;
    try {
      read = this.#file.readvSync([window.bytes.subarray(0, length)], position);
    } catch (error) {
      throw fromErrno(error, { path: this.path, offset: position });
    }
    window.segment = this;
    window.base = position;
    window.end = position + read;
    if (read < bytesNeeded) window.bytes.fill(0, read, bytesNeeded);
  }

  #flushLater(): void {
    this.#flushScheduled = false;
    if (this.#closed || this.#failure !== undefined) return;
    try {
      this.flush();
    } catch (error) {
      // Nobody waits on this write: the next append or sync reports it.
      this.#failure = fromErrno(error, { path: this.path });
    }
  }

  /** Large frames skip the stage: written on their own, length word last. */
  #writeAlone(position: number, kind: number, index: number, payload: Uint8Array): number {
    const header = frameBuffer(new ArrayBuffer(FRAME_HEADER_BYTES));
    header.words[frameChecksumIndex(0)] =
      crc32cNative(payload, 0, payload.length, frameSeed(kind, index)) | 0;
    header.words[frameWordIndex(0)] = packWord(kind, payload.length);
    this.#writeWordLast(
      header.bytes.subarray(0, FRAME_CHECKSUM_OFFSET),
      [header.bytes.subarray(FRAME_CHECKSUM_OFFSET), payload],
      position,
    );
    this.#stageStart = position + frameBytes(payload.length);
    return this.#stageStart;
  }

  /**
   * Writes `rest` after the length word, then `word` (the frame's length word) at `position`: a
   * cut write leaves word 0.
   */
  #writeWordLast(word: Uint8Array, rest: Uint8Array[], position: number): void {
    this.#write(rest, position + FRAME_CHECKSUM_OFFSET);
    this.#write([word], position);
  }

  #write(buffers: Uint8Array[], position: number): void {
    try {
      this.#file.writevSync(buffers, position);
    } catch (error) {
      this.#failure ??= fromErrno(error, { path: this.path, offset: position });
      throw this.#failure;
    }
  }
}

/**
 * `Uint8Array.prototype.set`, called as `copyBytes.call(target, source, offset)` for the
 * per-record copy: why directly, and why declared in each module that calls it, is
 * docs/decisions/2026-12-05-direct-typed-array-set.md.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(target, …)
const copyBytes = Uint8Array.prototype.set;
