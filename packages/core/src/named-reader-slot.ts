/**
 * What makes a reader named: an OFD lock on `readers/<name>.lock` (one open reader per name,
 * across processes) and a slot in the queue's positions table (readers.annalr) holding its
 * position.
 *
 * @module
 */
import { join } from 'node:path';

import { FileLock, InvalidArgumentError, NotFoundError, ReadOnlyError } from '@annal/native';
import {
  encodePathSegment,
  fromErrno,
  makeDirectorySync,
  safePath,
  type PositionTable,
} from '@annal/native/internal';

import type { CycleFiles } from './cycle-files.js';
import { describeValue } from './describe-value.js';
import { MAX_READER_NAME_BYTES } from './layout.js';

/** Directory (inside the queue) of the lock files of named readers. */
export const READER_LOCK_DIRECTORY = 'readers';

const textEncoder = new TextEncoder();

/** A name held by a reader: its lock (release it on failure or close) and its slot. */
export interface NamedReaderSlot {
  readonly lock: FileLock;
  readonly positions: PositionTable;
  readonly slot: number;
  /** The stored position (0 for a new name). */
  readonly position: number;
  /** True when the name is new (the reader starts at the beginning of the queue). */
  readonly created: boolean;
}

/**
 * Takes `name` for a reader of `files`' queue.
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT for an empty name or one over 40 UTF-8 bytes;
 *   ERR_ANNAL_READ_ONLY for a read-only queue; ERR_ANNAL_LOCKED when a reader of that name is
 *   open (in any process); ERR_ANNAL_TOO_LARGE when every slot is taken; ERR_ANNAL_CORRUPT when
 *   the positions table or the name's stored position is damaged
 */
export function claimName(files: CycleFiles, name: string): NamedReaderSlot {
  const encoded = encodeName(name); // validates before anything is created
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
    const positions = files.readerPositions();
    if (positions === undefined) {
      throw new NotFoundError(`${files.directory} has no positions table for named readers`, {
        path: files.directory,
      });
    }
    const { slot, position, created } = positions.claim(encoded, 0);
    return { lock, positions, slot, position, created };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** UTF-8 bytes of a reader name, validated. */
export function encodeName(name: string): Uint8Array {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(
      `a reader name must be a non-empty string: name=${typeof name === 'string' ? '""' : describeValue(name)}`,
      {
        field: 'name',
      },
    );
  }
  const encoded = textEncoder.encode(name);
  if (encoded.length > MAX_READER_NAME_BYTES) {
    throw new InvalidArgumentError(
      `a reader name may have at most ${MAX_READER_NAME_BYTES} UTF-8 bytes: name=${JSON.stringify(name)} has ${encoded.length}`,
      { field: 'name' },
    );
  }
  return encoded;
}
