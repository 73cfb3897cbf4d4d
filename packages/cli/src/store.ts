/**
 * What a PATH given to `annal` holds: a queue directory, a wal directory or a channel file,
 * told apart by the file names the packages write (docs/format.md) and, for a file, by whether a
 * channel reader accepts its header; nothing is opened for writing.
 *
 * @module
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

import { Channel, CYCLE_FILE_EXTENSION, METADATA_FILE_NAME } from '@annal/core';
import { CorruptError, NotFoundError, PermissionError, type AnnalError } from '@annal/native';
import { WAL_LOCK_FILE } from '@annal/wal';
import { fromErrno } from '@annal/native/internal';

/** The directory of a wal's topics (docs/format.md, "Wal directory"). */
const WAL_TOPICS_DIRECTORY = 'topics';

/** The kinds of store `annal` reads. */
export type StoreKind = 'queue' | 'wal' | 'channel';

/** A store found at a path. */
export interface Store {
  readonly kind: StoreKind;
  /** Absolute path of the directory (queue, wal) or file (channel). */
  readonly path: string;
}

/**
 * The store at `path`.
 * @throws ERR_ANNAL_NOT_FOUND when nothing is there or it holds nothing annal wrote (the message
 *   says what was looked for); ERR_ANNAL_PERMISSION when it cannot be read
 */
export function findStore(path: string): Store {
  const absolute = resolve(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch (error) {
    throw pathError(error, absolute);
  }
  if (!isDirectory) return fileStore(absolute);
  let names: string[];
  try {
    names = readdirSync(absolute);
  } catch (error) {
    throw pathError(error, absolute);
  }
  if (names.includes(WAL_LOCK_FILE) || names.includes(WAL_TOPICS_DIRECTORY)) {
    return { kind: 'wal', path: absolute };
  }
  if (
    names.includes(METADATA_FILE_NAME) ||
    names.some((name) => name.endsWith(CYCLE_FILE_EXTENSION))
  ) {
    return { kind: 'queue', path: absolute };
  }
  throw new NotFoundError(
    names.length === 0
      ? `annal: ${absolute} is an empty directory: no queue or wal was made there`
      : `annal: ${absolute} holds nothing annal wrote (a queue has ${METADATA_FILE_NAME} and *${CYCLE_FILE_EXTENSION} files, a wal has ${WAL_LOCK_FILE} and ${WAL_TOPICS_DIRECTORY}/)`,
    { path: absolute },
  );
}

function fileStore(path: string): Store {
  if (path.endsWith(CYCLE_FILE_EXTENSION)) {
    throw new NotFoundError(
      `annal: ${basename(path)} is a cycle file of the queue in ${dirname(path)}: give that directory`,
      { path },
    );
  }
  // A channel's reader checks its header (magic, version, checksum) and writes nothing: opening
  // one is how to tell whether this is a channel.
  try {
    Channel.open(path).close();
  } catch (error) {
    if (!CorruptError.isInstance(error)) throw pathError(error, path);
    throw new NotFoundError(
      `annal: ${path} is not a file annal wrote, or not one it can read (${error.message})`,
      { path, cause: error },
    );
  }
  return { kind: 'channel', path };
}

/** A user's words for why `path` cannot be looked at. */
function pathError(error: unknown, path: string): AnnalError {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new NotFoundError(`annal: ${path} does not exist`, { path, cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new PermissionError(`annal: no permission to read ${path}`, { path, cause: error });
  }
  return fromErrno(error, { path });
}
