/**
 * Creating a directory with its parents, reporting the real reason when it cannot be: Node's
 * recursive mkdir says ENOENT when the file system is read-only (it retries the parent and
 * reports that), which would send a user looking for a missing path; and the coded error
 * `Wal.open` throws for each reason.
 *
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { InvalidArgumentError, PermissionError, ReadOnlyError } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

/**
 * Creates `path` and its missing parents. @throws the Node error of the first directory that
 * could not be created (EROFS, EACCES, ENOTDIR, …), never a misleading ENOENT
 */
export function makeDirectory(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    // The first missing directory, created alone, fails with the true errno.
    let missing = path;
    while (!existsSync(dirname(missing)) && dirname(missing) !== missing)
      missing = dirname(missing);
    mkdirSync(missing);
    throw error;
  }
}

/**
 * A failure to create or lock the directory, as a coded error naming `path` and saying what to
 * do: a wal always writes (its lock file, its segments), so a read-only file system says so.
 */
export function directoryError(error: unknown, path: string): Error {
  const coded = fromErrno(error, { path });
  const errno = (error as { code?: unknown } | null)?.code;
  if (errno === 'EROFS' || ReadOnlyError.isInstance(coded)) {
    return new ReadOnlyError(
      `Wal.open: ${path} is on a read-only file system; a wal writes its lock file and segments, so its directory must be on a writable one`,
      { path, cause: error },
    );
  }
  if (errno === 'ENOTDIR' || errno === 'EEXIST') {
    return new InvalidArgumentError(
      `Wal.open: ${path} cannot be a directory: a file is in the way (${errno})`,
      { path, field: 'directory', cause: error },
    );
  }
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new PermissionError(
      `Wal.open: no permission to create or write ${path} (${errno}); the process needs write access to the wal's directory`,
      { path, cause: error },
    );
  }
  return coded;
}
