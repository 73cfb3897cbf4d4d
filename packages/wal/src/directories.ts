/**
 * Creating the wal's directory with its parents, and the coded error `Wal.open` throws for each
 * reason it cannot be.
 *
 * @module
 */
import { InvalidArgumentError, PermissionError, ReadOnlyError } from '@annal/native';
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
