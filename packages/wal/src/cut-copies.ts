/**
 * What recovery cuts from a topic is kept, never deleted: a segment that recovery takes out of
 * the chain is moved, and one it zeroes a part of is copied first, into the topic's `cut/`
 * directory (layout.ts). The log never reads, rolls or deletes what is there; it is the user's
 * to inspect and remove.
 *
 * ```
 *  topics/<topic>/cut/20261204T081503123Z-00000000000000001036.wseg
 *                     UTC time of the cut   the file's own name
 * ```
 *
 * @module
 */
import {
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
} from 'node:fs';
import { basename, join } from 'node:path';

import { fromErrno, syncDirectory } from '@annal/native';

import { CUT_DIRECTORY } from './layout.js';

/** Moves `path` (a file of `directory`) into `directory/cut/`. @returns where it now is */
export function moveToCut(directory: string, path: string): string {
  const target = cutPath(directory, path);
  try {
    renameSync(path, target);
  } catch (error) {
    throw fromErrno(error, { path });
  }
  syncDirectory(join(directory, CUT_DIRECTORY));
  syncDirectory(directory);
  return target;
}

/** Copies `path` (a file of `directory`) into `directory/cut/`, durably. @returns the copy's path */
export function copyToCut(directory: string, path: string): string {
  const target = cutPath(directory, path);
  try {
    copyFileSync(path, target, constants.COPYFILE_EXCL);
    const fd = openSync(target, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw fromErrno(error, { path: target });
  }
  syncDirectory(join(directory, CUT_DIRECTORY));
  return target;
}

function cutPath(directory: string, path: string): string {
  const cut = join(directory, CUT_DIRECTORY);
  try {
    mkdirSync(cut, { recursive: true });
  } catch (error) {
    throw fromErrno(error, { path: cut });
  }
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  return join(cut, `${stamp}-${basename(path)}`);
}
