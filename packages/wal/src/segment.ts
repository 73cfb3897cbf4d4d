/**
 * One segment file of a topic, whatever carries its bytes: what every backend shares — the
 * checks every frame must pass, and the scan that finds where valid data ends (the header is in
 * segment-header.ts).
 * {@link MappedSegment} (mapped-segment.ts) and {@link FileSegment} (file-segment.ts) move the
 * bytes.
 *
 * @module
 */
import { AlreadyExistsError, CorruptError } from '@annal/native';
import { createFileAtomically } from '@annal/native/internal';

import { frameChecksum, type FrameBuffer } from './checksum.js';
import { ReadAheadCheck } from './read-ahead-check.js';
import { checkSegmentHeader, encodeSegmentHeader, type SegmentHeader } from './segment-header.js';
import {
  BATCH_COMMIT_COUNT_OFFSET,
  BATCH_COMMIT_PAYLOAD_BYTES,
  FRAME_CHECKSUM_OFFSET,
  FRAME_HEADER_BYTES,
  KIND_BATCH_COMMIT,
  KIND_BATCH_MEMBER,
  KIND_END,
  KIND_RECORD,
  SEGMENT_HEADER_BYTES,
  SEGMENT_HEADER_USED_BYTES,
  frameBytes,
  frameSeed,
  isKnownKind,
  kindOf,
  lengthOf,
} from './layout.js';

/**
 * One frame as read: what it is, and where its payload is — valid until the next append, read
 * or sync on the topic (a backend may reuse the buffer).
 */
export interface Frame {
  /** The frame's kind (layout.ts); 0 where no frame was written yet. */
  kind: number;
  /** Payload length in bytes. */
  length: number;
  /** Bytes holding the payload, from `start`. */
  bytes: Uint8Array;
  start: number;
}

/**
 * Where a reader that is not backed by a mapping keeps the part of the file it last read (one per
 * cursor, so readers at different places never evict each other's bytes). Mapped segments need
 * none.
 */
export interface ReadWindow extends FrameBuffer {
  /** The segment the bytes come from. */
  segment: Segment | undefined;
  /** File position of `bytes[0]`. */
  base: number;
  /** File position up to which `bytes` holds what the file holds. */
  end: number;
}

/** Where a scan of a segment's frames stopped, and why. */
export interface ScanEnd {
  /** Position after the last whole, valid, committed frame: where the next frame goes. */
  position: number;
  /** Index the next record gets. */
  index: number;
  /** Records (not batch commits, not the end frame) before `position`. */
  records: number;
  /** Where scanning stopped: past `position` when it dropped an unfinished batch. */
  scannedTo: number;
  /** The index the frame at `scannedTo` would carry. */
  scannedIndex: number;
  /** True when an end frame closed the segment. */
  sealed: boolean;
  /** Set when a frame failed its checks: what is wrong (the frame is at `scannedTo`). */
  corruption?: string;
}

/** A segment. The topic decides what goes where; a segment checks and moves bytes. */
export abstract class Segment {
  readonly path: string;
  readonly topic: string;
  readonly firstIndex: number;
  readonly createdMs: number;
  /** Where the previous segment's end frame is (0: this is the topic's first segment). */
  readonly previousEnd: number;
  readonly lengthBytes: number;

  protected constructor(path: string, topic: string, header: Uint8Array, fileBytes: number) {
    this.path = path;
    this.topic = topic;
    this.lengthBytes = fileBytes;
    const { firstIndex, createdMs, previousEnd } = checkSegmentHeader(
      header,
      fileBytes,
      path,
      topic,
    );
    this.firstIndex = firstIndex;
    this.createdMs = createdMs;
    this.previousEnd = previousEnd;
  }

  /**
   * Creates the file of a segment (reserved with posix_fallocate, header synced, linked into
   * place, directory synced): a reader sees no file or a whole one.
   * @throws ERR_ANNAL_FULL when the disk has no room for it; ERR_ANNAL_ALREADY_EXISTS when a
   *   file is already there (the log never writes over one)
   */
  static createFile(path: string, topic: string, header: SegmentHeader): void {
    const created = createFileAtomically(path, header.segmentBytes, (buffer) => {
      encodeSegmentHeader(new Uint8Array(buffer, 0, SEGMENT_HEADER_USED_BYTES), header);
    });
    if (!created) throw segmentExists(topic, path);
  }

  // ---- what a backend provides ---------------------------------------------------------------

  /**
   * Writes a frame of `kind` for record index `index` at `position` (the caller checked that it
   * fits; frames are written in order), length word last. @returns the position after it
   */
  abstract writeFrame(position: number, kind: number, index: number, payload: Uint8Array): number;

  /** Zeroes `[from, to)`: frames a crash left unfinished, or cut by the truncate policy. */
  abstract zero(from: number, to: number): void;

  /**
   * The position of the first 4-byte word in `[from, to)` (both multiples of 4) that is not
   * zero, or ALL_ZEROS (zeros.ts): what recovery looks for past the end of the log.
   */
  abstract firstNonZero(from: number, to: number): number;

  /**
   * Makes the bytes of the frame at `position` — its header and, once the header says how long
   * it is, its whole frame (`bytesNeeded`) — readable; @returns the buffer and the index of
   * `position` in it. May read the file into `window`.
   */
  protected abstract bytesAt(
    position: number,
    bytesNeeded: number,
    window: ReadWindow | undefined,
  ): FrameBuffer;

  /** Where {@link bytesAt}'s last answer holds `position`. */
  protected abstract at: number;

  /** Makes everything written so far survive power loss (off the JS thread). */
  abstract sync(): Promise<void>;

  /** The same on the calling thread, which it blocks for the msync or fdatasync. */
  abstract syncSync(): void;

  /** Starts faulting the segment's pages in off the JS thread (where that applies). */
  abstract prefault(): void;

  /** Appends go to `position` on (after recovery, or in a new segment); frames come in order. */
  abstract appendFrom(position: number): void;

  /**
   * Hands everything written so far to the kernel (so it survives a crash of the process), on
   * the calling thread: a roll does this before the next segment exists.
   */
  abstract flush(): void;

  abstract close(): void;

  // ---- writing -------------------------------------------------------------------------------

  /** Writes a batch commit frame for `count` members, the first of which has `firstIndex`. */
  writeBatchCommit(position: number, firstIndex: number, count: number): number {
    const payload = this.#commitPayload;
    this.#commitView.setUint32(BATCH_COMMIT_COUNT_OFFSET, count, true);
    return this.writeFrame(position, KIND_BATCH_COMMIT, firstIndex, payload);
  }

  /** Writes the end frame: the writer moved to the next segment. */
  writeEnd(position: number, index: number): void {
    this.writeFrame(position, KIND_END, index, EMPTY);
  }

  readonly #commitPayload = new Uint8Array(BATCH_COMMIT_PAYLOAD_BYTES);
  readonly #commitView = new DataView(this.#commitPayload.buffer);

  // ---- reading -------------------------------------------------------------------------------

  /** Records ahead of a reader whose checksums passed. */
  readonly #ahead = new ReadAheadCheck();

  /**
   * The offset, in the buffer {@link bytesAt} answered with last, past which it does not hold
   * the file (a mapped segment: the segment's length; a file segment: the end of the window or
   * stage read): records ahead are checked up to there. -1 where none are to be checked.
   */
  protected aheadEnd(): number {
    return -1;
  }

  /**
   * True when the record at `position` (record `index`, `ahead` committed records from it)
   * passed its check ahead of the reader, checked now with the records after it in one call if
   * it was not already.
   */
  #checksAhead(
    buffer: FrameBuffer,
    at: number,
    position: number,
    index: number,
    ahead: number,
  ): boolean {
    const end = this.aheadEnd();
    if (end < 0) return false;
    if (this.#ahead.covers(position)) return true;
    return this.#ahead.check(buffer, at, end, position, index, ahead);
  }

  /**
   * Reads and checks the frame at `position`, expected to carry record index `index`, into
   * `frame`. @returns the frame; undefined where no frame was written yet (a zero word)
   * @throws ERR_ANNAL_CORRUPT naming topic, segment, byte offset and index when it fails a check
   */
  readFrame(
    position: number,
    index: number,
    frame: Frame,
    window: ReadWindow | undefined,
    ahead = 0,
  ): Frame | undefined {
    const problem = this.#probe(position, index, frame, window, ahead);
    if (problem === undefined) return frame.kind === 0 ? undefined : frame;
    throw this.corruption(position, problem, index);
  }

  /**
   * The structure of the frame at `position` without its checksum (kind 0 where none): enough
   * to step over it when seeking. The record itself is checked when it is read.
   */
  skimFrame(position: number, frame: Frame, window: ReadWindow | undefined): Frame {
    frame.kind = 0;
    frame.length = 0;
    if (position + FRAME_HEADER_BYTES > this.lengthBytes) return frame;
    const { view } = this.bytesAt(position, FRAME_HEADER_BYTES, window);
    const word = view.getUint32(this.at, true);
    const length = lengthOf(word);
    if (word === 0 || position + frameBytes(length) > this.lengthBytes) return frame;
    frame.kind = kindOf(word);
    frame.length = length;
    return frame;
  }

  /** A typed error for a bad frame at byte `position`, where record `index` should be. */
  corruption(position: number, problem: string, index?: number): CorruptError {
    const record = index === undefined ? '' : ` (record ${index})`;
    return new CorruptError(
      `topic ${JSON.stringify(this.topic)}: ${this.path} at byte ${position}${record}: ${problem}`,
      { path: this.path, offset: position, ...(index === undefined ? {} : { index }) },
    );
  }

  /**
   * Scans every frame from the first (or from `from`, a committed end an earlier scan found,
   * where the frame of `fromIndex` goes), checking each, and says where valid data ends and
   * why: what opening a topic does with its last segment, and a read-only log each time it
   * looks for what its writer appended since.
   */
  scan(
    window: ReadWindow | undefined,
    from = SEGMENT_HEADER_BYTES,
    fromIndex = this.firstIndex,
  ): ScanEnd {
    const frame: Frame = { kind: 0, length: 0, bytes: EMPTY, start: 0 };
    let position = from;
    let index = fromIndex;
    // The last point where everything before is committed (a batch start moves it no further).
    let committedPosition = position;
    let committedIndex = index;
    let members = 0;
    const end = (sealed: boolean, corruption?: string): ScanEnd => {
      const result: ScanEnd = {
        position: committedPosition,
        index: committedIndex,
        records: committedIndex - this.firstIndex,
        scannedTo: position,
        scannedIndex: index,
        sealed,
      };
      if (corruption !== undefined) result.corruption = corruption;
      return result;
    };
    for (;;) {
      const problem = this.#probe(position, index, frame, window);
      if (problem !== undefined) return end(false, problem);
      const kind = frame.kind;
      if (kind === 0) return end(false);
      if (kind === KIND_END) {
        if (members > 0) return end(false, 'an end frame inside a batch');
        position += frameBytes(0);
        committedPosition = position;
        return end(true);
      }
      if (kind === KIND_BATCH_COMMIT) {
        const count = commitCount(frame);
        if (count !== members) {
          return end(false, `a batch commit for ${count} records after ${members} members`);
        }
        members = 0;
      } else if (kind === KIND_BATCH_MEMBER) {
        members++;
        index++;
      } else {
        if (members > 0) return end(false, 'a record inside a batch');
        index++;
      }
      position += frameBytes(frame.length);
      if (members === 0) {
        committedPosition = position;
        committedIndex = index;
      }
    }
  }

  /**
   * Fills `frame` from `position` (kind 0 where no frame was written yet), checking it as a
   * read does, expected to carry record index `index`. @returns what is wrong with it, or
   * undefined
   */
  checkFrame(
    position: number,
    index: number,
    frame: Frame,
    window: ReadWindow | undefined,
  ): string | undefined {
    return this.#probe(position, index, frame, window);
  }

  /** Fills `frame` from `position`; @returns what is wrong with it, or undefined. */
  #probe(
    position: number,
    index: number,
    frame: Frame,
    window: ReadWindow | undefined,
    ahead = 0,
  ): string | undefined {
    frame.kind = 0;
    frame.length = 0;
    const size = this.lengthBytes;
    if (position + FRAME_HEADER_BYTES > size) return undefined;
    const word = this.bytesAt(position, FRAME_HEADER_BYTES, window).view.getUint32(this.at, true);
    if (word === 0) return undefined;
    const kind = kindOf(word);
    const length = lengthOf(word);
    if (!isKnownKind(kind)) return `unknown frame kind ${kind}`;
    if (position + frameBytes(length) > size) {
      return `a frame of ${length} payload bytes runs past the end of the segment (${size} bytes)`;
    }
    if (kind === KIND_BATCH_COMMIT && length !== BATCH_COMMIT_PAYLOAD_BYTES) {
      return `a batch commit of ${length} bytes`;
    }
    if (kind === KIND_END && length !== 0) return `an end frame of ${length} bytes`;
    const buffer = this.bytesAt(position, frameBytes(length), window);
    const at = this.at;
    if (
      ahead > 0 &&
      (kind === KIND_RECORD || kind === KIND_BATCH_MEMBER) &&
      this.#checksAhead(buffer, at, position, index, ahead)
    ) {
      frame.kind = kind;
      frame.length = length;
      frame.bytes = buffer.bytes;
      frame.start = at + FRAME_HEADER_BYTES;
      return undefined;
    }
    const view = buffer.view;
    const stored = view.getInt32(at + FRAME_CHECKSUM_OFFSET, true);
    // A batch commit is seeded with its batch's first index: its count says how far back.
    const seedIndex =
      kind === KIND_BATCH_COMMIT
        ? index - view.getUint32(at + FRAME_HEADER_BYTES + BATCH_COMMIT_COUNT_OFFSET, true)
        : index;
    const actual = frameChecksum(
      buffer,
      at + FRAME_HEADER_BYTES,
      length,
      frameSeed(kind, seedIndex),
    );
    if (stored !== actual) {
      const what = kind === KIND_BATCH_COMMIT ? 'the batch commit before' : 'the record at';
      return `checksum mismatch for ${what} index ${index} (stored ${stored >>> 0}, computed ${actual >>> 0})`;
    }
    frame.kind = kind;
    frame.length = length;
    frame.bytes = buffer.bytes;
    frame.start = at + FRAME_HEADER_BYTES;
    return undefined;
  }
}

/** Only the owning process creates segments, each once: one already there is not ours. */
export function segmentExists(topic: string, path: string): AlreadyExistsError {
  return new AlreadyExistsError(
    `topic ${JSON.stringify(topic)}: ${path} already exists; the log will not write over it`,
    { path },
  );
}

/** The member count a batch commit frame carries. */
export function commitCount(frame: Frame): number {
  const bytes = frame.bytes;
  const at = frame.start + BATCH_COMMIT_COUNT_OFFSET;
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

export const EMPTY = new Uint8Array(0);
