/**
 * Creating a file so that it appears complete or not at all: what every file of a queue or a log
 * needs before readers may see it (cycle files, segments, metadata and reader tables).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { linkSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { MappedFile } from './mapped-file.js';
import { fromErrno } from './errors/from-errno.js';
import { fsyncDirectorySync } from './native-file.js';

/**
 * Creates `path` with `lengthBytes` reserved (posix_fallocate): `initialise` writes the mapped
 * temporary file, which is msync'd and fsync'd, then linked into place (a link never replaces
 * an existing file), and the directory is fsync'd. A reader therefore sees no file or a whole one.
 *
 * @returns true when this call created the file; false when one was already there (the caller
 *   then uses that one: another process created it first)
 * @throws ERR_ANNAL_FULL when the space cannot be reserved
 */
export function createFileAtomically(
  path: string,
  lengthBytes: number,
  initialise: (buffer: ArrayBuffer) => void,
): boolean {
  const directory = dirname(path);
  // A leading dot: listings of data files skip temporary files.
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let mapping: MappedFile;
  try {
    mapping = MappedFile.create(temporary, { lengthBytes, exclusive: true, mode: 0o644 });
  } catch (error) {
    // A full disk fails the reservation after the file was made: leave nothing behind.
    rmSync(temporary, { force: true });
    throw error;
  }
  try {
    initialise(mapping.buffer as ArrayBuffer);
    mapping.msyncSync();
    mapping.file.fsyncSync();
  } catch (error) {
    mapping.close();
    rmSync(temporary, { force: true });
    throw error;
  }
  mapping.close();
  let created = true;
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      rmSync(temporary, { force: true });
      throw fromErrno(error, { path });
    }
    created = false;
  }
  try {
    unlinkSync(temporary);
  } catch (error) {
    throw fromErrno(error, { path: temporary });
  }
  if (created) fsyncDirectorySync(directory);
  return created;
}
