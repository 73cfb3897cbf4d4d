/**
 * What makes a reader named: an OFD lock on `readers/<name>.lock` (one open reader per name,
 * across processes) and a slot in the queue's metadata file holding its position.
 *
 * @module
 */
import { join } from 'node:path';

import { FileLock, NotFoundError, ReadOnlyError } from '@annal/native';
import { encodePathSegment, fromErrno, makeDirectorySync, safePath } from '@annal/native/internal';

import type { CycleFiles } from './cycle-files.js';
import { encodeName, type MetadataFile } from './metadata-file.js';

/** Directory (inside the queue) of the lock files of named readers. */
export const READER_LOCK_DIRECTORY = 'readers';

/** A name held by a reader: its lock (release it on failure or close) and its slot. */
export interface NamedReaderSlot {
  readonly lock: FileLock;
  readonly metadata: MetadataFile;
  readonly slot: number;
  /** True when the name is new (the reader starts at the beginning of the queue). */
  readonly created: boolean;
}

/**
 * Takes `name` for a reader of `files`' queue.
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT for an empty name or one over 40 UTF-8 bytes;
 *   ERR_ANNAL_READ_ONLY for a read-only queue; ERR_ANNAL_LOCKED when a reader of that name is
 *   open (in any process)
 */
export function claimName(files: CycleFiles, name: string): NamedReaderSlot {
  encodeName(name); // validates before anything is created
  if (files.readOnly) {
    throw new ReadOnlyError(
      `a named reader keeps its position in the queue, which was opened read-only`,
      { path: files.directory, field: 'name' },
    );
  }
  const lockDirectory = join(files.directory, READER_LOCK_DIRECTORY);
  try {
    makeDirectorySync(lockDirectory);
  } catch (error) {
    throw fromErrno(error, { path: lockDirectory });
  }
  const lock = FileLock.acquireOrThrow(safePath(lockDirectory, `${encodePathSegment(name)}.lock`));
  try {
    const metadata = files.metadata();
    if (metadata === undefined) {
      throw new NotFoundError(`${files.directory} has no metadata file for named readers`, {
        path: files.directory,
      });
    }
    const { slot, created } = metadata.slotFor(name);
    return { lock, metadata, slot, created };
  } catch (error) {
    lock.release();
    throw error;
  }
}
