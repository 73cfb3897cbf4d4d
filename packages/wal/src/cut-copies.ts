/**
 * What recovery cuts from a topic is kept, never deleted: a segment that recovery takes out of
 * the chain is moved, and one it zeroes a part of is copied first, into the topic's `cut/`
 * directory (layout.ts). The log never reads, rolls or deletes what is there; it is the user's
 * to inspect and remove.
 *
 * ```
 *  topics/<topic>/cut/20261204T081503123Z-00000000000000001036.wseg[.1]
 *                     UTC time of the cut   the file's own name       (.n: a second cut in
 *                                                                      the same millisecond)
 * ```
 *
 * @module
 */
import {
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  linkSync,
  openSync,
  unlinkSync,
} from 'node:fs';
import { basename, join } from 'node:path';

import { fsyncDirectorySync } from '@annal/native';
import { fromErrno, makeDirectorySync } from '@annal/native/internal';

import { CUT_DIRECTORY } from './layout.js';

/** Moves `path` (a file of `directory`) into `directory/cut/`. @returns where it now is */
export function moveToCut(directory: string, path: string): string {
  // A link never replaces a file: two cuts in the same millisecond get two names.
  const target = placeInCut(directory, path, (candidate) => linkSync(path, candidate));
  try {
    unlinkSync(path);
  } catch (error) {
    throw fromErrno(error, { path });
  }
  fsyncDirectorySync(join(directory, CUT_DIRECTORY));
  fsyncDirectorySync(directory);
  return target;
}

/** Copies `path` (a file of `directory`) into `directory/cut/`, durably. @returns the copy's path */
export function copyToCut(directory: string, path: string): string {
  const target = placeInCut(directory, path, (candidate) =>
    copyFileSync(path, candidate, constants.COPYFILE_EXCL),
  );
  try {
    const fd = openSync(target, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw fromErrno(error, { path: target });
  }
  fsyncDirectorySync(join(directory, CUT_DIRECTORY));
  return target;
}

/**
 * Puts `path` into cut/ under a name not taken yet, with `place` (which must fail with EEXIST
 * rather than replace a file). @returns the name used
 */
function placeInCut(directory: string, path: string, place: (target: string) => void): string {
  const cut = join(directory, CUT_DIRECTORY);
  try {
    makeDirectorySync(cut);
  } catch (error) {
    throw fromErrno(error, { path: cut });
  }
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  for (let attempt = 0; ; attempt++) {
    const suffix = attempt === 0 ? '' : `.${attempt}`;
    const target = join(cut, `${stamp}-${basename(path)}${suffix}`);
    try {
      place(target);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw fromErrno(error, { path: target });
      }
    }
  }
}
