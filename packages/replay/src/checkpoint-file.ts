/**
 * The checkpoint file of a projection: its state and the index of the last record folded into
 * it, written together so that one never moves without the other.
 *
 * Format (UTF-8 JSON, one object, version 1):
 *
 *   { "format": "annal-projection", "version": 1, "index": <number>,
 *     "state": <the serialized state>, "crc32c": <CRC32C of the JSON text of [index, state]> }
 *
 * Written to `<path>.<random>.tmp` in the same directory, fsync'd, renamed over `path`, and the
 * directory fsync'd: after a crash (or a power loss) the file holds the old checkpoint or the new
 * one, whole. A file that does not parse, has another format or version, or fails its checksum
 * is reported as ERR_ANNAL_CORRUPT, never read as a checkpoint.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { CorruptError, NotFoundError, crc32c } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

const FORMAT = 'annal-projection';
const VERSION = 1;
const encoder = new TextEncoder();

/** A checkpoint as stored. */
export interface Checkpoint {
  readonly index: number;
  /** The state as `serialize` made it (JSON-compatible). */
  readonly state: unknown;
}

function checksumOf(index: number, state: unknown): number {
  return crc32c(encoder.encode(JSON.stringify([index, state])));
}

/**
 * The checkpoint at `path`, or undefined when there is none yet.
 * @throws ERR_ANNAL_CORRUPT naming the file when it is not a whole, valid checkpoint
 */
export function readCheckpoint(path: string): Checkpoint | undefined {
  if (!existsSync(path)) {
    // Refused now rather than at the first checkpoint, after the fold's work.
    const directory = dirname(path);
    if (!existsSync(directory)) {
      throw new NotFoundError(
        `project: the checkpoint's directory ${directory} does not exist (checkpoint ${path}); create it first`,
        { path: directory, field: 'checkpoint' },
      );
    }
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fromErrno(error, { path });
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new CorruptError(`${path} is not a projection checkpoint (not JSON)`, {
      path,
      offset: 0,
      cause: error,
    });
  }
  const { format, version, index, state, crc32c: stored } = parsed;
  if (format !== FORMAT || version !== VERSION) {
    throw new CorruptError(
      `${path} is not a version-${VERSION} projection checkpoint (format ${JSON.stringify(format)}, version ${JSON.stringify(version)})`,
      { path, offset: 0, field: format !== FORMAT ? 'format' : 'version' },
    );
  }
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
    throw new CorruptError(`${path}: index ${JSON.stringify(index)} is not a record index`, {
      path,
      field: 'index',
    });
  }
  if (stored !== checksumOf(index, state)) {
    throw new CorruptError(`${path}: the checkpoint fails its checksum (damaged or edited)`, {
      path,
      field: 'crc32c',
    });
  }
  return { index, state };
}

/** Replaces the checkpoint at `path` with `checkpoint`, atomically and durably. */
export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const { index, state } = checkpoint;
  const text = JSON.stringify({
    format: FORMAT,
    version: VERSION,
    index,
    state,
    crc32c: checksumOf(index, state),
  });
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temporary, 'wx', 0o644);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    const directoryFd = openSync(directory, 'r');
    try {
      fsyncSync(directoryFd);
    } finally {
      closeSync(directoryFd);
    }
  } catch (error) {
    rmSync(temporary, { force: true });
    throw fromErrno(error, { path });
  }
}
