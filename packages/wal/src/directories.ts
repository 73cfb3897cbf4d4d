/**
 * Creating the wal's directory with its parents, and the coded error `Wal.open` throws for each
 * reason it cannot be.
 *
 * @module
 */
import { statSync } from 'node:fs';

import { InvalidArgumentError, NotFoundError, PermissionError, ReadOnlyError } from '@annal/native';
import { fromErrno, makeDirectorySync } from '@annal/native/internal';

/** Creates `path` and its missing parents (see `makeDirectorySync` in `@annal/native`). */
export function makeDirectory(path: string): void {
  makeDirectorySync(path);
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

/**
 * Checks, writing nothing, that `directory` holds a wal (its `topics` directory): what
 * `Wal.open(directory, { readOnly: true })` needs before it looks.
 * @throws ERR_ANNAL_NOT_FOUND naming a missing directory; ERR_ANNAL_INVALID_ARGUMENT naming a
 *   path that is not a directory, or a directory that is not a wal; ERR_ANNAL_PERMISSION
 */
export function checkWalDirectory(directory: string, topics: string): void {
  const kind = (path: string): 'directory' | 'other' | 'missing' => {
    try {
      return statSync(path).isDirectory() ? 'directory' : 'other';
    } catch (error) {
      const errno = (error as { code?: unknown } | null)?.code;
      if (errno === 'ENOENT') return 'missing';
      if (errno === 'ENOTDIR') return 'other';
      throw directoryError(error, path);
    }
  };
  const found = kind(directory);
  if (found === 'missing') {
    throw new NotFoundError(
      `Wal.open: ${directory} does not exist (a read-only open never creates a wal)`,
      { path: directory, field: 'directory' },
    );
  }
  if (found === 'other') {
    throw new InvalidArgumentError(`Wal.open: ${directory} is not a directory`, {
      path: directory,
      field: 'directory',
    });
  }
  if (kind(topics) !== 'directory') {
    throw new InvalidArgumentError(
      `Wal.open: ${directory} is not a wal: it has no topics/ directory (a wal opened once to write has one)`,
      { path: directory, field: 'directory' },
    );
  }
}

/** What a write through a wal opened with `readOnly: true` throws. */
export function readOnlyError(directory: string, what: string): ReadOnlyError {
  return new ReadOnlyError(
    `${what}: the wal in ${directory} was opened with readOnly: true, which never writes; open it without readOnly (in the process that owns it) to write`,
    { path: directory },
  );
}
