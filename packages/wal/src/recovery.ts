/**
 * Opening a topic after whatever ended its last run: finds where appends go on, and says what it
 * found. Only a crash's leftovers are removed or cut without asking; anything else is damage,
 * reported (`onCorrupt: 'stop'`) or cut with a copy kept (`'truncate'`, cut-copies.ts).
 *
 * What a crash or a power loss can leave, and what opening does with it:
 *
 * | found                                                        | cause                      | done under 'stop' / 'truncate'                  |
 * |--------------------------------------------------------------|----------------------------|-------------------------------------------------|
 * | frames past the last whole one, within what a crash leaves   | crash mid-append or -batch | zeroed (never acknowledged)                     |
 * | data further past the end                                    | power loss, or damage      | reported / copied to cut/, zeroed               |
 * | a last segment whose header is all zeros, every byte zero    | power loss at a roll       | removed                                         |
 * | the same over data                                           | power loss, or damage      | reported / moved to cut/                        |
 * | a bad frame, a cut or resized last segment, a bad header     | damage (or power loss)     | reported / cut there, a copy kept               |
 * | a segment before the last that is not whole up to its end    | power loss at a roll       | reported / cut at its hole, copies kept; then   |
 * |   frame                                                      |   (or damage)              |   the one before that is checked the same way   |
 *
 * Segments further back are not judged here (a sync that completed covered them): damage there
 * is reported when a reader gets to it, and appends go on.
 *
 * @module
 */
import { closeSync, openSync, readSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';

import { CorruptError, fsyncDirectorySync } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

import { copyToCut, moveToCut } from './cut-copies.js';
import { STAGE_BYTES } from './file-segment.js';
import { frameBytes, segmentFileName } from './layout.js';
import { ALL_ZEROS, firstNonZeroIn } from './zeros.js';
import type { ResolvedWalOptions } from './options.js';
import type { ReadWindow, ScanEnd, Segment } from './segment.js';
import { readHeaderOnDisk } from './segment-header.js';

/** What {@link recoverTopic} needs from the topic. */
export interface RecoveryContext {
  readonly name: string;
  readonly directory: string;
  readonly options: ResolvedWalOptions;
  /** First indexes of the segments found, ascending: recovery removes what it takes out. */
  readonly firstIndexes: number[];
  /**
   * Opens the segment file of first index `first` with the topic's backend.
   * @throws ERR_ANNAL_CORRUPT on a bad header, or one naming another first index
   */
  open(first: number): Segment;
  /** A window for reads under the `fd` backend. */
  newWindow(): ReadWindow | undefined;
  /** Says what recovery did (a warning on stderr unless `quiet`). */
  warn(message: string): void;
}

/** Where appends go on: the last segment and how its scan ended. */
export interface Recovered {
  readonly segment: Segment;
  readonly end: ScanEnd;
}

/**
 * Recovers the topic's last segment, and checks the one before it. @returns undefined when the
 * topic has no segment left
 * @throws ERR_ANNAL_CORRUPT (under `onCorrupt: 'stop'`) naming the file and byte position
 */
export function recoverTopic(context: RecoveryContext): Recovered | undefined {
  dropUnfinishedRoll(context);
  const lastPath = lastSegmentPath(context);
  if (lastPath === undefined) return undefined;
  const mended =
    context.options.onCorrupt === 'truncate'
      ? mendLastHeader(context, lastPath, context.firstIndexes.at(-1) as number)
      : 'intact';
  if (mended === 'moved') return recoverTopic(context);
  const segment = context.open(context.firstIndexes.at(-1) as number);
  let end: ScanEnd;
  try {
    end = segment.scan(context.newWindow());
    let copy = mended === 'intact' ? undefined : mended;
    if (end.corruption !== undefined) {
      if (context.options.onCorrupt === 'stop') {
        throw segment.corruption(end.scannedTo, end.corruption, end.scannedIndex);
      }
      copy ??= copyToCut(context.directory, segment.path);
      context.warn(
        `annal wal: topic ${JSON.stringify(context.name)}: cut ${segment.path} at byte ${end.position} (index ${end.index}): ${end.corruption}; a copy of the segment as it was is in ${copy}`,
      );
      segment.zero(end.position, segment.lengthBytes);
    } else {
      clearTail(context, segment, end, copy);
    }
    if (checkPrevious(context, segment) === 'cut') {
      segment.close();
      return recoverTopic(context);
    }
  } catch (error) {
    segment.close();
    throw error;
  }
  return { segment, end };
}

/**
 * Past the last committed frame, a segment holds zeros, except what a crash of the writer can
 * leave: members of a batch without its commit, then one frame whose length word was never
 * stored (its payload at most `maxPayloadBytes`), and under `fd` the rest of a stage write cut
 * short (at most 256 KiB). That is zeroed: none of it was acknowledged. Anything further on was
 * not written by a crash (damage, or pages written back out of order before a power loss) and
 * must not stay there, where later appends could line up with its frames: reported under
 * `'stop'`, zeroed after a copy to cut/ under `'truncate'`.
 */
function clearTail(
  context: RecoveryContext,
  segment: Segment,
  end: ScanEnd,
  copied: string | undefined,
): void {
  const options = context.options;
  const allowance =
    frameBytes(options.maxPayloadBytes) + (options.backend === 'fd' ? STAGE_BYTES : 0);
  const crashEnd = Math.min(segment.lengthBytes, end.scannedTo + allowance);
  const beyond = segment.firstNonZero(crashEnd, segment.lengthBytes);
  if (beyond !== ALL_ZEROS) {
    const what = `${segment.path} holds data at byte ${beyond}, past the end of the log at byte ${end.position} (index ${end.index}) by more than a crash can leave: damage, or pages written back out of order before a power loss`;
    if (options.onCorrupt === 'stop') {
      throw new CorruptError(
        `topic ${JSON.stringify(context.name)}: ${what}. Open with onCorrupt: 'truncate' to zero it, keeping a copy`,
        { path: segment.path, offset: beyond, index: end.index },
      );
    }
    const copy = copied ?? copyToCut(context.directory, segment.path);
    segment.zero(end.position, segment.lengthBytes);
    context.warn(
      `annal wal: topic ${JSON.stringify(context.name)}: ${what}; zeroed from byte ${end.position} (a copy of the segment as it was is in ${copy})`,
    );
    return;
  }
  if (segment.firstNonZero(end.position, crashEnd) !== ALL_ZEROS)
    segment.zero(end.position, crashEnd);
}

/**
 * A last segment whose header is all zeros was being installed from a spare when the power
 * failed: nothing in it was acknowledged (a sync fsyncs the header first). Only the last segment
 * can be such a roll; a zero header anywhere else is damage, reported when read. An empty one is
 * removed; one holding data is moved to cut/ under `'truncate'`, and reported under `'stop'` (a
 * header zeroed by damage would look the same, and its records may have been acknowledged).
 */
function dropUnfinishedRoll(context: RecoveryContext): void {
  const path = lastSegmentPath(context);
  if (path === undefined || !readHeaderOnDisk(path).zero) return;
  if (isAllZeros(path)) {
    context.firstIndexes.pop();
    try {
      rmSync(path);
    } catch (error) {
      throw fromErrno(error, { path });
    }
    fsyncDirectorySync(context.directory);
    context.warn(
      `annal wal: topic ${JSON.stringify(context.name)}: removed ${path}, an empty segment whose header never reached the disk (a power loss at a roll)`,
    );
    return;
  }
  const what = `${path} has an all-zero header over data: a roll cut by a power loss (nothing in it was acknowledged), or a damaged header`;
  if (context.options.onCorrupt === 'stop') {
    throw new CorruptError(
      `topic ${JSON.stringify(context.name)}: ${what}. Open with onCorrupt: 'truncate' to move it to cut/ and go on before it`,
      { path, offset: 0 },
    );
  }
  context.firstIndexes.pop();
  const moved = moveToCut(context.directory, path);
  context.warn(`annal wal: topic ${JSON.stringify(context.name)}: ${what}; moved to ${moved}`);
}

/**
 * Under `'truncate'`: a last segment whose header is bad (or names another first index than
 * `first`, its file name's) is moved to cut/ ('moved': recover the one before it), and one whose
 * length is not what its header says is copied to cut/ and given its length back (the frames
 * past the cut then fail their checks and are cut).
 * @returns 'moved', the copy's path, or 'intact'
 */
function mendLastHeader(context: RecoveryContext, path: string, first: number): string {
  const header = readHeaderOnDisk(path);
  if (!header.valid || header.firstIndex !== first) {
    context.firstIndexes.pop();
    const moved = moveToCut(context.directory, path);
    context.warn(
      `annal wal: topic ${JSON.stringify(context.name)}: moved ${path} to ${moved}: its header is damaged`,
    );
    return 'moved';
  }
  if (header.segmentBytes !== header.fileBytes) {
    const copy = copyToCut(context.directory, path);
    try {
      truncateSync(path, header.segmentBytes);
    } catch (error) {
      throw fromErrno(error, { path });
    }
    context.warn(
      `annal wal: topic ${JSON.stringify(context.name)}: ${path} had ${header.fileBytes} bytes where its header says ${header.segmentBytes}; given its length back (a copy as it was is in ${copy})`,
    );
    return copy;
  }
  return 'intact';
}

/**
 * Checks, frame by frame, the segment before `last`: it must be whole and end with the end frame
 * `last`'s header points to. A roll writes that frame before it makes `last` (so a crash of the
 * process never misses it), but a power loss can keep `last` and lose any page of the old
 * segment that no sync had covered yet (pages reach the disk in any order); records after such a
 * hole were never acknowledged (a sync that covered them covered the hole too).
 * @returns 'cut' when it cut the log in that segment (`'truncate'`: recover it as the last one),
 *   else 'whole'
 */
function checkPrevious(context: RecoveryContext, last: Segment): 'cut' | 'whole' {
  const firsts = context.firstIndexes;
  if (firsts.length < 2 || last.previousEnd === 0) return 'whole';
  let previous: Segment;
  try {
    previous = context.open(firsts.at(-2) as number);
  } catch (error) {
    // A damaged header there is reported when a reader gets to it; appends go on after it.
    if (error instanceof CorruptError) return 'whole';
    throw error;
  }
  try {
    const scanned = previous.scan(context.newWindow());
    const endFrame = scanned.position - frameBytes(0);
    if (scanned.sealed && endFrame === last.previousEnd && scanned.index === last.firstIndex) {
      return 'whole';
    }
    const found =
      scanned.corruption ??
      (scanned.sealed
        ? `an end frame at byte ${endFrame} before index ${scanned.index}`
        : `no frame at byte ${scanned.scannedTo} (after index ${scanned.index - 1})`);
    const what = `${previous.path} is not whole: ${found}, where ${last.path} says it ends with an end frame at byte ${last.previousEnd} before index ${last.firstIndex}: pages of it never reached the disk (a power loss before a sync completed) or it is damaged`;
    if (context.options.onCorrupt === 'stop') {
      throw new CorruptError(
        `topic ${JSON.stringify(context.name)}: ${what}. Open with onCorrupt: 'truncate' to go on from the last whole record before it, keeping a copy of what is cut`,
        { path: previous.path, offset: scanned.scannedTo, index: scanned.scannedIndex },
      );
    }
    // An end frame elsewhere than the header says is no end either: appends go on before it.
    const position = scanned.sealed ? endFrame : scanned.position;
    const copy = copyToCut(context.directory, previous.path);
    const moved = moveToCut(context.directory, last.path);
    firsts.pop();
    previous.zero(position, previous.lengthBytes);
    context.warn(
      `annal wal: topic ${JSON.stringify(context.name)}: ${what}; cut at byte ${position} (index ${scanned.index}): ${previous.path} copied to ${copy}, ${last.path} moved to ${moved}`,
    );
    return 'cut';
  } finally {
    previous.close();
  }
}

function lastSegmentPath(context: RecoveryContext): string | undefined {
  const last = context.firstIndexes.at(-1);
  return last === undefined ? undefined : join(context.directory, segmentFileName(last));
}

/** True when every byte of the file at `path` is zero (read in 1 MiB pieces). */
function isAllZeros(path: string): boolean {
  // Recovery is rare and segments are at most 1 GiB: a read through the file is fine here.
  const buffer = new Uint8Array(1024 * 1024);
  const words = new Int32Array(buffer.buffer);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fromErrno(error, { path });
  }
  try {
    for (let position = 0; ;) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) return true;
      buffer.fill(0, read);
      if (firstNonZeroIn(buffer, 0, buffer.length, words) !== ALL_ZEROS) return false;
      position += read;
    }
  } catch (error) {
    throw fromErrno(error, { path });
  } finally {
    closeSync(fd);
  }
}
