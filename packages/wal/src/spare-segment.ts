/**
 * Segment files made ahead of the roll that needs them. Creating a segment in full — reserve
 * it, fsync, link, fsync the directory — stalls the appending thread for milliseconds; a roll
 * that finds a spare only writes the header and links it into place, and the fsyncs that make
 * the new file durable join the next sync of the schedule instead (figures:
 * docs/decisions/2026-12-04-wal-fd-backend-and-spares.md).
 *
 * ```
 *  topics/<topic>/.spare-<hex>.tmp    reserved (posix_fallocate) and fsynced, all zeros; made
 *                                     while the active segment passes half full; a leading dot,
 *                                     so no listing of segments sees it
 * ```
 *
 * A crash can leave a spare behind (opening a topic removes it), and a power loss can leave a
 * linked segment whose header never reached the disk: all zeros, it holds nothing anyone was
 * promised (the sync that would have acknowledged a record in it fsyncs the header and the
 * directory first), so opening the topic takes it out (recovery.ts).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, rmSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

import { NativeFile, fsyncDirectorySync } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

import { SEGMENT_HEADER_USED_BYTES } from './layout.js';
import { segmentExists } from './segment.js';
import { encodeSegmentHeader, type SegmentHeader } from './segment-header.js';

const SPARE_PREFIX = '.spare-';
const TEMPORARY_SUFFIX = '.tmp';
const HEADER_BYTES = SEGMENT_HEADER_USED_BYTES;

/** True for the temporary files of a topic directory: spares and unfinished atomic creations. */
export function isTemporaryFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMPORARY_SUFFIX);
}

/**
 * Makes a spare of `lengthBytes` in `directory`: reserved, zero, fsynced (in the libuv pool).
 * @returns its path
 * @throws (rejects) ERR_ANNAL_FULL when the disk has no room: the roll then creates its segment
 *   itself and reports the full disk to the appender
 */
export async function prepareSpare(directory: string, lengthBytes: number): Promise<string> {
  const path = join(
    directory,
    `${SPARE_PREFIX}${randomBytes(6).toString('hex')}${TEMPORARY_SUFFIX}`,
  );
  const file = NativeFile.open(path, { create: true, exclusive: true, mode: 0o644 });
  try {
    file.allocate(0, lengthBytes);
    await file.fsync();
  } catch (error) {
    file.close();
    rmSync(path, { force: true });
    throw error;
  }
  file.close();
  return path;
}

/**
 * Turns the spare at `spare` into the segment at `path`: writes its header, links it into place
 * (a link never replaces a file) and removes the spare's name. Nothing is fsynced: the caller
 * must {@link syncInstalled} before it promises anything in the new segment is durable.
 * @throws ERR_ANNAL_ALREADY_EXISTS when `path` exists
 */
export function installSpare(
  spare: string,
  path: string,
  topic: string,
  header: SegmentHeader,
): void {
  const bytes = new Uint8Array(HEADER_BYTES);
  encodeSegmentHeader(bytes, header);
  const file = NativeFile.open(spare);
  try {
    file.writevSync([bytes], 0);
  } finally {
    file.close();
  }
  try {
    linkSync(spare, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw segmentExists(topic, path);
    throw fromErrno(error, { path });
  }
  try {
    unlinkSync(spare);
  } catch (error) {
    throw fromErrno(error, { path: spare });
  }
}

/** fsyncs installed segment files, then their directory (all in the libuv pool). */
export async function syncInstalled(directory: string, paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((path) => syncPath(path)));
  await syncPath(directory);
}

/** {@link syncInstalled} on the calling thread. */
export function syncInstalledSync(directory: string, paths: readonly string[]): void {
  for (const path of paths) syncPathSync(path);
  fsyncDirectorySync(directory);
}

function syncPathSync(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
