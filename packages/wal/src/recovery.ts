/**
 * Opening a topic after whatever ended its last run: finds where appends go on, and says what it
 * found. Only a crash's leftovers are removed or cut without asking; anything else is damage,
 * reported (`onCorrupt: 'stop'`) or cut with a copy kept (`'truncate'`, cut-copies.ts).
 *
 * What a crash can leave, and what opening does with it:
 *
 * | found                                                     | cause                      | done                                   |
 * |-----------------------------------------------------------|----------------------------|----------------------------------------|
 * | frames past the last whole one in the last segment        | crash mid-append or -batch | zeroed (never acknowledged)            |
 * | a last segment whose header is all zeros                  | power loss at a roll       | removed if all zeros, else moved to cut/ |
 * | a last segment whose previous one lacks its end frame     | power loss at a roll       | reported; truncate: cut at the hole    |
 * | a bad frame, a cut or resized last segment, a bad header  | damage (or power loss)     | reported; truncate: cut there          |
 *
 * A segment before the last is never judged here: damage there is reported when a reader gets
 * to it, and appends go on. Neither a process crash nor a power loss can damage it: the log
 * writes only to the last segment and the end frame of the one before.
 *
 * @module
 */
import { closeSync, openSync, readSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';

import { CorruptError, fromErrno, syncDirectory } from '@annal/native';

import { copyToCut, moveToCut } from './cut-copies.js';
import { KIND_END, frameBytes, segmentFileName } from './layout.js';
import type { ResolvedWalOptions } from './options.js';
import {
  EMPTY,
  readHeaderOnDisk,
  type Frame,
  type ReadWindow,
  type ScanEnd,
  type Segment,
} from './segment.js';

/** What {@link recoverTopic} needs from the topic. */
export interface RecoveryContext {
  readonly name: string;
  readonly directory: string;
  readonly options: ResolvedWalOptions;
  /** First offsets of the segments found, ascending: recovery removes what it takes out. */
  readonly firstOffsets: number[];
  /**
   * Opens the segment file of first offset `first` with the topic's backend.
   * @throws ERR_ANNAL_CORRUPT on a bad header, or one naming another first offset
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
 * Recovers the topic's last segment. @returns undefined when the topic has no segment left
 * @throws ERR_ANNAL_CORRUPT (under `onCorrupt: 'stop'`) naming the file and byte position
 */
export function recoverTopic(context: RecoveryContext): Recovered | undefined {
  dropUnfinishedRoll(context);
  const lastPath = lastSegmentPath(context);
  if (lastPath === undefined) return undefined;
  const mended =
    context.options.onCorrupt === 'truncate'
      ? mendLastHeader(context, lastPath, context.firstOffsets.at(-1) as number)
      : 'intact';
  if (mended === 'moved') return recoverTopic(context);
  const segment = context.open(context.firstOffsets.at(-1) as number);
  let end: ScanEnd;
  try {
    end = segment.scan(context.newWindow());
    if (end.corruption !== undefined) {
      if (context.options.onCorrupt === 'stop')
        throw segment.corruption(end.scannedTo, end.corruption);
      const copy = mended === 'intact' ? copyToCut(context.directory, segment.path) : mended;
      context.warn(
        `annal wal: topic ${JSON.stringify(context.name)}: cut ${segment.path} at byte ${end.position} (offset ${end.offset}): ${end.corruption}; a copy of the segment as it was is in ${copy}`,
      );
      segment.zero(end.position, segment.lengthBytes);
    }
    const previous = checkPrevious(context, segment);
    if (previous !== undefined) return previous;
  } catch (error) {
    segment.close();
    throw error;
  }
  return { segment, end };
}

/**
 * A last segment whose header is all zeros was being installed from a spare when the power
 * failed: nothing in it was acknowledged (a sync fsyncs the header first). Only the last segment
 * can be such a roll; a zero header anywhere else is damage, reported when read.
 */
function dropUnfinishedRoll(context: RecoveryContext): void {
  const path = lastSegmentPath(context);
  if (path === undefined || !readHeaderOnDisk(path).zero) return;
  context.firstOffsets.pop();
  if (isAllZeros(path)) {
    rmSync(path);
    syncDirectory(context.directory);
    context.warn(
      `annal wal: topic ${JSON.stringify(context.name)}: removed ${path}, an empty segment whose header never reached the disk (a power loss at a roll)`,
    );
    return;
  }
  const moved = moveToCut(context.directory, path);
  context.warn(
    `annal wal: topic ${JSON.stringify(context.name)}: moved ${path} to ${moved}: its header never reached the disk (a power loss at a roll), so nothing in it was acknowledged`,
  );
}

/**
 * Under `'truncate'`: a last segment whose header is bad (or names another first offset than
 * `first`, its file name's) is moved to cut/ ('moved': recover the one before it), and one whose length is not what its header says is copied to cut/ and given
 * its length back (the frames past the cut then fail their checks and are cut).
 * @returns 'moved', the copy's path, or 'intact'
 */
function mendLastHeader(context: RecoveryContext, path: string, first: number): string {
  const header = readHeaderOnDisk(path);
  if (!header.valid || header.firstOffset !== first) {
    context.firstOffsets.pop();
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
 * Checks that the segment before `last` ends with the end frame `last`'s header points to. A
 * roll writes that frame before it makes `last` (so a crash of the process never misses it),
 * but a power loss can keep `last` and lose the old segment's tail: entries after such a hole
 * were never acknowledged (any sync that covered them covered the hole too).
 * @returns the recovered previous segment when truncating at a hole; undefined when whole
 */
function checkPrevious(context: RecoveryContext, last: Segment): Recovered | undefined {
  const firsts = context.firstOffsets;
  if (firsts.length < 2 || last.previousEnd === 0) return undefined;
  let previous: Segment;
  try {
    previous = context.open(firsts.at(-2) as number);
  } catch (error) {
    // Damage there is reported when a reader gets to it; appends go on after it.
    if (error instanceof CorruptError) return undefined;
    throw error;
  }
  const window = context.newWindow();
  let problem: string | undefined;
  try {
    const frame: Frame = { kind: 0, length: 0, bytes: EMPTY, start: 0 };
    const found = previous.readFrame(last.previousEnd, last.firstOffset, frame, window);
    if (found?.kind !== KIND_END)
      problem = found === undefined ? 'nothing' : `a frame of kind ${found.kind}`;
  } catch (error) {
    if (!(error instanceof CorruptError)) {
      previous.close();
      throw error;
    }
    problem = error.message;
  }
  if (problem === undefined) {
    previous.close();
    return undefined;
  }
  const what = `${previous.path} has ${problem} at byte ${last.previousEnd}, where ${last.path} says its end frame is: the end of ${previous.path} never reached the disk (a power loss before a sync completed) or the file is damaged`;
  if (context.options.onCorrupt === 'stop') {
    previous.close();
    throw new CorruptError(
      `topic ${JSON.stringify(context.name)}: ${what}. Open with onCorrupt: 'truncate' to go on from the last whole entry before it, keeping a copy of what is cut`,
      { path: previous.path, offset: last.previousEnd },
    );
  }
  const scanned = previous.scan(window);
  // An end frame elsewhere than the header says is no end either: appends go on before it.
  const position = scanned.sealed ? scanned.position - frameBytes(0) : scanned.position;
  const copy = copyToCut(context.directory, previous.path);
  last.close();
  const moved = moveToCut(context.directory, last.path);
  firsts.pop();
  previous.zero(position, previous.lengthBytes);
  context.warn(
    `annal wal: topic ${JSON.stringify(context.name)}: ${what}; cut at byte ${position} (offset ${scanned.offset}): ${previous.path} copied to ${copy}, ${last.path} moved to ${moved}`,
  );
  const end: ScanEnd = {
    position,
    offset: scanned.offset,
    entries: scanned.entries,
    scannedTo: position,
    sealed: false,
  };
  return { segment: previous, end };
}

function lastSegmentPath(context: RecoveryContext): string | undefined {
  const last = context.firstOffsets.at(-1);
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
      for (const word of words) if (word !== 0) return false;
      position += read;
    }
  } catch (error) {
    throw fromErrno(error, { path });
  } finally {
    closeSync(fd);
  }
}
