/**
 * A queue's directory as the file system sees it: created when needed, and every refusal turned
 * into a coded error naming the path.
 *
 * @module
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import {
  AnnalError,
  InvalidArgumentError,
  NotFoundError,
  PermissionError,
  ReadOnlyError,
} from '@annal/native';
import { fromErrno, makeDirectorySync } from '@annal/native/internal';

/**
 * Makes sure `directory` is a directory this process can use: creates it (unless read-only),
 * and turns whatever the file system says into a coded error naming the path.
 */
export function openDirectory(directory: string, readOnly: boolean): void {
  let stats: Stats | undefined;
  try {
    stats = statSync(directory);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT')
      throw directoryError(error, directory, readOnly);
  }
  if (stats !== undefined && !stats.isDirectory()) {
    throw new InvalidArgumentError(
      `Queue.open: ${directory} is not a directory (a queue is a directory of cycle files)`,
      { path: directory, field: 'directory' },
    );
  }
  if (stats === undefined && readOnly) {
    throw new NotFoundError(
      `Queue.open: ${directory} does not exist, and a read-only queue is never created`,
      { path: directory, field: 'directory' },
    );
  }
  try {
    if (stats === undefined) makeDirectorySync(directory);
    accessSync(
      directory,
      readOnly ? constants.R_OK | constants.X_OK : constants.R_OK | constants.W_OK | constants.X_OK,
    );
  } catch (error) {
    throw directoryError(error, directory, readOnly);
  }
}

/** A coded error naming the queue directory for what the file system said about it. */
export function directoryError(error: unknown, directory: string, readOnly: boolean): AnnalError {
  if (AnnalError.isInstance(error)) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'EROFS') {
    return new ReadOnlyError(
      `Queue.open: ${directory} is on a read-only file system: open it with { readOnly: true } to read it`,
      { path: directory, field: 'directory', cause: error },
    );
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new PermissionError(
      `Queue.open: no permission to ${readOnly ? 'read' : 'read and write'} ${directory}${readOnly ? '' : ' (to only read it, open it with { readOnly: true })'}`,
      { path: directory, field: 'directory', cause: error },
    );
  }
  return fromErrno(error, { path: directory, field: 'directory' });
}
