/**
 * `wal.verify()`: every frame and checksum of every segment file, checked the way a read and
 * recovery check them, going on past each problem so that one report lists them all. It reads
 * the files through descriptors (never mapped: a file cut while it is read is an error, not a
 * bus error), writes nothing, and takes no lock, so it also checks a wal another process writes.
 *
 * What counts, per segment file (oldest first):
 * - its header (magic, version, checksum, size, the first index its name says);
 * - each frame: kind, length, checksum seeded with its index, batches whole. After a frame that
 *   fails, the walk steps over it when its length word still makes sense (a flipped payload
 *   byte) and goes on with the next index; otherwise the rest of that file is not checked;
 * - a segment before the newest must end with its end frame, where the next one's header says,
 *   at the index the next one starts with;
 * - the newest segment ends at a zero word. What a crash leaves after its last committed frame
 *   (members of an unfinished batch, a frame without its length word, a cut stage write) is not
 *   a problem: recovery zeroes it. It is counted in `tornTailBytes`. Data further on is.
 *
 * Slightly over 400 lines on purpose: one walk, whose steps (header, link, frames, tail) share
 * one tally of problems; a third of it is the documentation of what counts.
 *
 * @module
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

import {
  DEFAULT_MAX_PROBLEMS,
  NotFoundError,
  type VerifyOptions as StoreVerifyOptions,
  type VerifyProblem,
  type VerifyReport as StoreVerifyReport,
} from '@annal/native';
import { fromErrno, problemOf } from '@annal/native/internal';

import { frameBuffer } from './checksum.js';
import { FileSegment, STAGE_BYTES, WINDOW_BYTES } from './file-segment.js';
import {
  KIND_BATCH_COMMIT,
  KIND_BATCH_MEMBER,
  KIND_END,
  SEGMENT_HEADER_BYTES,
  frameBytes,
  isKnownKind,
  parseSegmentFileName,
} from './layout.js';
import type { ResolvedWalOptions } from './options.js';
import { EMPTY, commitCount, type Frame, type ReadWindow, type Segment } from './segment.js';
import { ALL_ZEROS } from './zeros.js';

/** Options of `wal.verify()`: those of every verify, and which topic. */
export interface VerifyOptions extends StoreVerifyOptions {
  /** Only this topic (its plain log and its event partitions). Default: every topic. */
  readonly topic?: string | undefined;
}

/** What `wal.verify()` found: the report every store gives, and the torn tail it passed over. */
export interface VerifyReport extends StoreVerifyReport {
  /**
   * Bytes after the last committed frame of newest segments that a crash left there and the
   * next open to write zeroes (not a problem).
   */
  readonly tornTailBytes: number;
}

/** A topic's (or partition's) directory to check, and its name for messages. */
export interface VerifyTarget {
  readonly directory: string;
  readonly name: string;
}

/** The state of one verification: counts, problems and progress. */
class Verification {
  files = 0;
  records = 0;
  bytes = 0;
  tornTailBytes = 0;
  problemCount = 0;
  readonly problems: VerifyProblem[] = [];
  readonly #maxProblems: number;
  readonly #onProgress: ((doneBytes: number, totalBytes: number) => void) | undefined;
  readonly #totalBytes: number;
  readonly #step: number;
  #nextReport: number;

  constructor(options: VerifyOptions, totalBytes: number) {
    this.#maxProblems = options.maxProblems ?? DEFAULT_MAX_PROBLEMS;
    this.#onProgress = options.onProgress;
    this.#totalBytes = totalBytes;
    this.#step = Math.max(1, Math.ceil(totalBytes / 100));
    this.#nextReport = this.#step;
  }

  problem(path: string, offset: number, index: number | undefined, error: unknown): void {
    this.problemCount++;
    if (this.problems.length >= this.#maxProblems) return;
    // The place the walk names wins over the error's own (a gap is blamed on the segment before).
    this.problems.push({ ...problemOf(error, path, offset, index), path });
  }

  /** `done` bytes of all are checked: reports progress when it crossed the next step. */
  progress(done: number): void {
    if (this.#onProgress === undefined || done < this.#nextReport) return;
    const clamped = Math.min(done, this.#totalBytes);
    this.#nextReport = Math.min(
      this.#totalBytes,
      (Math.floor(clamped / this.#step) + 1) * this.#step,
    );
    if (clamped === this.#totalBytes) this.#nextReport = Number.POSITIVE_INFINITY;
    this.#onProgress(clamped, this.#totalBytes);
  }

  /** The last report, if the walk did not end on one. */
  finish(): void {
    if (this.#nextReport !== Number.POSITIVE_INFINITY) {
      this.#nextReport = this.#totalBytes;
      this.progress(this.#totalBytes);
    }
  }

  report(): VerifyReport {
    return {
      ok: this.problemCount === 0,
      files: this.files,
      records: this.records,
      bytes: this.bytes,
      problems: this.problems,
      problemCount: this.problemCount,
      tornTailBytes: this.tornTailBytes,
    };
  }
}

/** A segment file found: its path, the first index its name says, its size. */
interface SegmentFile {
  readonly path: string;
  readonly first: number;
  readonly bytes: number;
}

/** Checks every segment of `targets`. */
export function verifySegments(
  targets: readonly VerifyTarget[],
  walOptions: ResolvedWalOptions,
  options: VerifyOptions,
): VerifyReport {
  const listed = targets.map((target) => ({ target, files: segmentFiles(target.directory) }));
  const total = listed.reduce(
    (sum, { files }) => sum + files.reduce((bytes, file) => bytes + file.bytes, 0),
    0,
  );
  const verification = new Verification(options, total);
  // What a crash can leave after the end, whichever backend the writer used (recovery.ts).
  const allowance = frameBytes(walOptions.maxPayloadBytes) + STAGE_BYTES;
  let done = 0;
  for (const { target, files } of listed) {
    let previous: SegmentEnd | undefined;
    files.forEach((file, k) => {
      const end = checkSegment(verification, target.name, file, {
        newest: k === files.length - 1,
        previous,
        allowance,
        done,
      });
      done += file.bytes;
      if (end === GONE) {
        // Deleted by the owner's retention since it was listed: the next segment follows one
        // that is no longer there, so there is no link to check.
        previous = undefined;
      } else {
        previous = end;
        verification.files++;
        verification.bytes += file.bytes;
      }
      verification.progress(done);
    });
  }
  verification.finish();
  return verification.report();
}

/** How a segment ended, for the check of the one after it. */
interface SegmentEnd {
  readonly path: string;
  /** Where its end frame is; undefined when it has none. */
  readonly endFrame: number | undefined;
  /** The index after its last record. */
  readonly index: number;
}

/** What checking a segment file deleted since it was listed returns: it is not counted. */
const GONE = 'gone';

interface SegmentContext {
  readonly newest: boolean;
  readonly previous: SegmentEnd | undefined;
  readonly allowance: number;
  /** Bytes of the files before this one (for progress). */
  readonly done: number;
}

function checkSegment(
  verification: Verification,
  topic: string,
  file: SegmentFile,
  context: SegmentContext,
): SegmentEnd | undefined | typeof GONE {
  let segment: FileSegment;
  try {
    segment = FileSegment.open(file.path, topic, true);
  } catch (error) {
    // Deleted since it was listed: the owning process's retention let it go.
    if (NotFoundError.isInstance(error)) return GONE;
    verification.problem(file.path, 0, undefined, error);
    return undefined;
  }
  try {
    if (segment.firstIndex !== file.first) {
      verification.problem(
        file.path,
        0,
        undefined,
        segment.corruption(
          0,
          `the header says first index ${segment.firstIndex}, the file name ${file.first}`,
        ),
      );
    }
    checkLink(verification, segment, context.previous);
    return walkFrames(verification, segment, context);
  } catch (error) {
    // An I/O error in the middle of the file: the rest of it is not checked.
    verification.problem(file.path, 0, undefined, error);
    return undefined;
  } finally {
    segment.close();
  }
}

/** The segment before `segment` ends where `segment`'s header says, at its first index. */
function checkLink(
  verification: Verification,
  segment: Segment,
  previous: SegmentEnd | undefined,
): void {
  if (previous === undefined || segment.previousEnd === 0) return;
  if (previous.endFrame === segment.previousEnd && previous.index === segment.firstIndex) return;
  const found =
    previous.endFrame === undefined
      ? `has no end frame (its records end before index ${previous.index})`
      : `ends with an end frame at byte ${previous.endFrame} before index ${previous.index}`;
  verification.problem(
    previous.path,
    previous.endFrame ?? 0,
    previous.index,
    segment.corruption(
      0,
      `${previous.path} ${found}, where this segment's header says an end frame at byte ${segment.previousEnd} before index ${segment.firstIndex}: part of the log is missing`,
    ),
  );
}

function walkFrames(
  verification: Verification,
  segment: Segment,
  context: SegmentContext,
): SegmentEnd {
  const window: ReadWindow = {
    segment: undefined,
    base: 0,
    end: 0,
    ...frameBuffer(new ArrayBuffer(WINDOW_BYTES)),
  };
  const frame: Frame = { kind: 0, length: 0, bytes: EMPTY, start: 0 };
  let position = SEGMENT_HEADER_BYTES;
  let index = segment.firstIndex;
  let members = 0;
  let committedPosition = position;
  let endFrame: number | undefined;
  const size = segment.lengthBytes;
  for (;;) {
    verification.progress(context.done + position);
    const problem = segment.checkFrame(position, index, frame, window);
    if (problem !== undefined) {
      verification.problem(
        segment.path,
        position,
        index,
        segment.corruption(position, problem, index),
      );
      // Step over it when its length word still makes sense (a damaged payload or checksum).
      segment.skimFrame(position, frame, window);
      if (!isKnownKind(frame.kind) || frame.kind === KIND_END) break;
      position += frameBytes(frame.length);
      if (frame.kind === KIND_BATCH_COMMIT) members = 0;
      else index++;
      committedPosition = position;
      continue;
    }
    const kind = frame.kind;
    if (kind === 0) break;
    if (kind === KIND_END) {
      if (members > 0) {
        verification.problem(
          segment.path,
          position,
          index,
          segment.corruption(position, 'an end frame inside a batch', index),
        );
      }
      endFrame = position;
      position += frameBytes(0);
      committedPosition = position;
      break;
    }
    if (kind === KIND_BATCH_COMMIT) {
      const count = commitCount(frame);
      if (count !== members) {
        verification.problem(
          segment.path,
          position,
          index,
          segment.corruption(
            position,
            `a batch commit for ${count} records after ${members} members`,
            index,
          ),
        );
      } else {
        verification.records += members;
      }
      members = 0;
    } else if (kind === KIND_BATCH_MEMBER) {
      members++;
      index++;
    } else {
      if (members > 0) {
        verification.problem(
          segment.path,
          position,
          index,
          segment.corruption(position, 'a record inside a batch', index),
        );
        members = 0;
      }
      verification.records++;
      index++;
    }
    position += frameBytes(frame.length);
    if (members === 0) committedPosition = position;
  }
  if (context.newest && endFrame === undefined) {
    checkTail(verification, segment, committedPosition, position, context.allowance, size);
  }
  return { path: segment.path, endFrame, index: index - members };
}

/**
 * After the newest segment's last committed frame: what a crash leaves (up to `allowance` past
 * where the frames stop) is a torn tail; anything further is damage, as recovery says.
 */
function checkTail(
  verification: Verification,
  segment: Segment,
  committed: number,
  stopped: number,
  allowance: number,
  size: number,
): void {
  const crashEnd = Math.min(size, stopped + allowance);
  const beyond = segment.firstNonZero(crashEnd, size);
  if (beyond !== ALL_ZEROS) {
    verification.problem(
      segment.path,
      beyond,
      undefined,
      segment.corruption(
        beyond,
        `data past the end of the log at byte ${committed} by more than a crash can leave: damage, or pages written back out of order before a power loss`,
      ),
    );
  }
  const last = lastNonZero(segment.path, committed, crashEnd);
  if (last !== ALL_ZEROS) verification.tornTailBytes += last + 1 - committed;
}

/** The position of the last non-zero byte of the file at `path` in `[from, to)`, or ALL_ZEROS. */
function lastNonZero(path: string, from: number, to: number): number {
  if (to <= from) return ALL_ZEROS;
  const bytes = new Uint8Array(to - from);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fromErrno(error, { path });
  }
  try {
    const read = readSync(fd, bytes, 0, bytes.length, from);
    for (let at = read - 1; at >= 0; at--) if (bytes[at] !== 0) return from + at;
    return ALL_ZEROS;
  } catch (error) {
    throw fromErrno(error, { path, offset: from });
  } finally {
    closeSync(fd);
  }
}

/** The segment files of a topic's directory, oldest first. */
function segmentFiles(directory: string): SegmentFile[] {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch (error) {
    throw fromErrno(error, { path: directory });
  }
  const files: SegmentFile[] = [];
  for (const entry of entries) {
    const first = parseSegmentFileName(entry);
    if (first === undefined) continue;
    const path = join(directory, entry);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats !== undefined) files.push({ path, first, bytes: stats.size });
  }
  return files.sort((a, b) => a.first - b.first);
}
