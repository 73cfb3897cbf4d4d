/**
 * One segment file of a topic, mapped whole: creating it (complete or not at all), checking its
 * header, writing frames and reading them back with every check a frame must pass.
 *
 * @module
 */
import {
  AlreadyExistsError,
  CRC32C_NATIVE_THRESHOLD_BYTES,
  CorruptError,
  MappedFile,
  createFileAtomically,
  crc32c,
  crc32cJs,
  crc32cNative,
} from '@annal/native';

import {
  CREATED_MS_OFFSET,
  FIRST_OFFSET_OFFSET,
  FRAME_HEADER_BYTES,
  HEADER_BYTES_OFFSET,
  HEADER_CRC_OFFSET,
  KIND_BATCH_COMMIT,
  KIND_BATCH_MEMBER,
  KIND_END,
  KIND_ENTRY,
  MAGIC_OFFSET,
  SEGMENT_BYTES_OFFSET,
  SEGMENT_HEADER_BYTES,
  SEGMENT_HEADER_CHECKED_BYTES,
  SEGMENT_MAGIC,
  SEGMENT_VERSION,
  VERSION_OFFSET,
  frameBytes,
  frameSeed,
  kindOf,
  lengthOf,
  packWord,
} from './layout.js';

/** One frame as read: where it is, what it is, and the entry offset it carries. */
export interface Frame {
  /** Byte position of the frame in the segment. */
  position: number;
  kind: number;
  /** Payload length in bytes. */
  length: number;
}

/** Where a scan of a segment's frames stopped, and why. */
export interface ScanEnd {
  /** Position after the last whole, valid, committed frame: where the next frame goes. */
  position: number;
  /** Offset the next entry gets. */
  offset: number;
  /** Where scanning stopped: past `position` when it dropped an unfinished batch. */
  scannedTo: number;
  /** True when an end frame closed the segment. */
  sealed: boolean;
  /** Set when a frame failed its checks: what is wrong (the frame is at `scannedTo`). */
  corruption?: string;
}

/** A mapped segment. The topic decides what goes where; this checks and moves bytes. */
export class Segment {
  readonly path: string;
  readonly firstOffset: number;
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  readonly #mapping: MappedFile;
  readonly #topic: string;

  private constructor(path: string, topic: string, mapping: MappedFile) {
    this.path = path;
    this.#topic = topic;
    this.#mapping = mapping;
    const buffer = mapping.buffer as ArrayBuffer;
    this.bytes = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
    this.firstOffset = this.#checkHeader();
  }

  /**
   * Creates the segment file whose first entry is `firstOffset` (reserved with posix_fallocate,
   * header synced, linked into place, directory synced) and maps it.
   * @throws ERR_ANNAL_FULL when the disk has no room for it
   */
  static create(
    path: string,
    topic: string,
    firstOffset: number,
    segmentBytes: number,
    nowMs: number,
  ): Segment {
    const created = createFileAtomically(path, segmentBytes, (buffer) => {
      const view = new DataView(buffer);
      view.setUint32(MAGIC_OFFSET, SEGMENT_MAGIC, true);
      view.setUint32(VERSION_OFFSET, SEGMENT_VERSION, true);
      view.setUint32(HEADER_BYTES_OFFSET, SEGMENT_HEADER_BYTES, true);
      view.setFloat64(SEGMENT_BYTES_OFFSET, segmentBytes, true);
      view.setFloat64(FIRST_OFFSET_OFFSET, firstOffset, true);
      view.setFloat64(CREATED_MS_OFFSET, nowMs, true);
      const header = new Uint8Array(buffer, 0, SEGMENT_HEADER_CHECKED_BYTES);
      view.setUint32(HEADER_CRC_OFFSET, crc32c(header), true);
    });
    // Only the owning process creates segments, each once: one already there is not ours.
    if (!created) {
      throw new AlreadyExistsError(
        `topic ${JSON.stringify(topic)}: ${path} already exists; the log will not write over it`,
        { path },
      );
    }
    return Segment.open(path, topic);
  }

  /** Maps an existing segment and checks its header. @throws ERR_ANNAL_CORRUPT */
  static open(path: string, topic: string): Segment {
    const mapping = MappedFile.open(path);
    try {
      return new Segment(path, topic, mapping);
    } catch (error) {
      mapping.close();
      throw error;
    }
  }

  get lengthBytes(): number {
    return this.bytes.length;
  }

  /** Faults the pages in off the JS thread, so appends never wait for a first touch. */
  prefault(): void {
    // A failed prefault only costs speed: appends fault the pages in themselves.
    this.#mapping.prefault(SEGMENT_HEADER_BYTES).catch(() => undefined);
  }

  /** Makes everything written so far survive power loss (in the libuv pool). */
  syncAsync(): Promise<void> {
    return this.#mapping.syncAsync();
  }

  close(): void {
    this.#mapping.close();
  }

  // ---- writing -----------------------------------------------------------------------------

  /**
   * Writes a frame of `kind` for entry offset `offset` at `position` (the caller checked that it
   * fits), length word last. @returns the position after it
   */
  writeFrame(position: number, kind: number, offset: number, payload: Uint8Array): number {
    const length = payload.length;
    const view = this.#view;
    this.bytes.set(payload, position + FRAME_HEADER_BYTES);
    view.setUint32(position + 4, checksum(payload, 0, length, frameSeed(kind, offset)), true);
    view.setUint32(position, packWord(kind, length), true);
    return position + frameBytes(length);
  }

  /** Writes a batch commit frame for `count` members, the first of which has `firstOffset`. */
  writeBatchCommit(position: number, firstOffset: number, count: number): number {
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, count, true);
    return this.writeFrame(position, KIND_BATCH_COMMIT, firstOffset, payload);
  }

  /** Writes the end frame: the writer moved to the next segment. */
  writeEnd(position: number, offset: number): void {
    this.writeFrame(position, KIND_END, offset, EMPTY);
  }

  /** Zeroes `[from, to)`: frames a crash left unfinished, or cut by the truncate policy. */
  zero(from: number, to: number = this.bytes.length): void {
    this.bytes.fill(0, from, to);
  }

  // ---- reading -----------------------------------------------------------------------------

  /**
   * Reads and checks the frame at `position`, expected to carry entry offset `offset`.
   * @returns the frame; undefined where no frame was written yet (a zero word)
   * @throws ERR_ANNAL_CORRUPT naming topic, segment and offset when it fails a check
   */
  readFrame(position: number, offset: number, frame: Frame): Frame | undefined {
    const problem = this.#check(position, offset, frame);
    if (problem === undefined) return frame.kind === 0 ? undefined : frame;
    throw this.corruption(position, problem);
  }

  /** A typed error for a bad frame at `position`. */
  corruption(position: number, problem: string): CorruptError {
    return new CorruptError(
      `topic ${JSON.stringify(this.#topic)}: ${this.path} at byte ${position}: ${problem}`,
      { path: this.path, offset: position },
    );
  }

  /**
   * Scans every frame from the first, checking each, and says where valid data ends and why:
   * what opening a topic does with its last segment.
   */
  scan(): ScanEnd {
    const frame: Frame = { position: 0, kind: 0, length: 0 };
    let position = SEGMENT_HEADER_BYTES;
    let offset = this.firstOffset;
    // The last point where everything before is committed (a batch start moves it no further).
    let committedPosition = position;
    let committedOffset = offset;
    let members = 0;
    const end = (sealed: boolean, corruption?: string): ScanEnd => {
      const result: ScanEnd = {
        position: committedPosition,
        offset: committedOffset,
        scannedTo: position,
        sealed,
      };
      if (corruption !== undefined) result.corruption = corruption;
      return result;
    };
    for (;;) {
      const problem = this.#check(position, offset, frame);
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
        const count = this.#view.getUint32(position + FRAME_HEADER_BYTES, true);
        if (count !== members) {
          return end(false, `a batch commit for ${count} entries after ${members} members`);
        }
        members = 0;
      } else if (kind === KIND_BATCH_MEMBER) {
        members++;
        offset++;
      } else {
        if (members > 0) return end(false, 'an entry inside a batch');
        offset++;
      }
      position += frameBytes(frame.length);
      if (members === 0) {
        committedPosition = position;
        committedOffset = offset;
      }
    }
  }

  /** Fills `frame` from `position`; @returns what is wrong with it, or undefined. */
  #check(position: number, offset: number, frame: Frame): string | undefined {
    frame.position = position;
    frame.kind = 0;
    frame.length = 0;
    const size = this.bytes.length;
    if (position + FRAME_HEADER_BYTES > size) return undefined;
    const word = this.#view.getUint32(position, true);
    if (word === 0) return undefined;
    const kind = kindOf(word);
    const length = lengthOf(word);
    if (kind < KIND_ENTRY || kind > KIND_END) return `unknown frame kind ${kind}`;
    if (position + frameBytes(length) > size) {
      return `a frame of ${length} payload bytes runs past the end of the segment (${size} bytes)`;
    }
    if (kind === KIND_BATCH_COMMIT && length !== 4) return `a batch commit of ${length} bytes`;
    if (kind === KIND_END && length !== 0) return `an end frame of ${length} bytes`;
    const stored = this.#view.getUint32(position + 4, true);
    // A batch commit is seeded with its batch's first offset: its count says how far back.
    const seedOffset =
      kind === KIND_BATCH_COMMIT
        ? offset - this.#view.getUint32(position + FRAME_HEADER_BYTES, true)
        : offset;
    const actual = checksum(
      this.bytes,
      position + FRAME_HEADER_BYTES,
      length,
      frameSeed(kind, seedOffset),
    );
    if (stored !== actual) {
      const what = kind === KIND_BATCH_COMMIT ? 'the batch commit before' : 'the entry at';
      return `checksum mismatch for ${what} offset ${offset} (stored ${stored}, computed ${actual})`;
    }
    frame.kind = kind;
    frame.length = length;
    return undefined;
  }

  #checkHeader(): number {
    const view = this.#view;
    const size = this.bytes.length;
    const fail = (problem: string): never => {
      throw new CorruptError(`topic ${JSON.stringify(this.#topic)}: ${this.path}: ${problem}`, {
        path: this.path,
        offset: 0,
      });
    };
    if (size < SEGMENT_HEADER_BYTES) fail(`${size} bytes, shorter than a segment header`);
    if (view.getUint32(MAGIC_OFFSET, true) !== SEGMENT_MAGIC) fail('not a segment (bad magic)');
    const version = view.getUint32(VERSION_OFFSET, true);
    if (version !== SEGMENT_VERSION)
      fail(`format version ${version}; this build reads ${SEGMENT_VERSION}`);
    const stored = view.getUint32(HEADER_CRC_OFFSET, true);
    const actual = crc32c(this.bytes.subarray(0, SEGMENT_HEADER_CHECKED_BYTES));
    if (stored !== actual) fail('header checksum mismatch');
    if (view.getUint32(HEADER_BYTES_OFFSET, true) !== SEGMENT_HEADER_BYTES) fail('bad header size');
    const declared = view.getFloat64(SEGMENT_BYTES_OFFSET, true);
    if (declared !== size) fail(`header says ${declared} bytes, the file has ${size}`);
    const firstOffset = view.getFloat64(FIRST_OFFSET_OFFSET, true);
    if (!(Number.isSafeInteger(firstOffset) && firstOffset >= 0))
      fail(`bad first offset ${firstOffset}`);
    return firstOffset;
  }
}

const EMPTY = new Uint8Array(0);

/** CRC32C of `bytes[offset, offset + length)` from `seed`: in JS when short (no native call). */
function checksum(bytes: Uint8Array, offset: number, length: number, seed: number): number {
  if (length < CRC32C_NATIVE_THRESHOLD_BYTES) return crc32cJs(bytes, offset, length, seed);
  return crc32cNative(bytes, offset, length, seed) >>> 0;
}
