/**
 * What every `@annal/wal` row shares: a log opened in a fresh temporary directory with the
 * storage backend as a parameter, the one topic the rows append to, and the check that the
 * topic holds exactly the records appended. The rows themselves are in `peers/append`,
 * `peers/durable` and `peers/read`.
 *
 * @module
 */
import { Wal, type WalOptions } from '@annal/wal';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../fixtures/temporary-directory.js';
import { checkStoredRecord, readSequence, spotCheckSequences } from './records.js';

/** A storage backend of `@annal/wal` (`Wal.open({ backend })`). */
export type WalBackend = NonNullable<WalOptions['backend']>;

/** The topic every wal row appends to and reads from. */
export const WAL_TOPIC = 'bench';

/** Named reader that {@link verifyWalTopic} reads with; no row reads with it. */
const VERIFY_READER = 'bench-verify';

/** Entries per `readBatch` of {@link verifyWalTopic} (the option's default and maximum use). */
const VERIFY_BATCH_ENTRIES = 2000;

/** An open log and the temporary directory it lives in. */
export interface OpenedWal {
  readonly wal: Wal;
  readonly directory: string;
}

/**
 * Opens a new log in a fresh temporary directory with `options` (which name the backend and the
 * fsync schedule; everything else keeps its default unless given).
 */
export function openWalInTemporaryDirectory(
  options: Omit<WalOptions, 'dir'> & { readonly backend: WalBackend },
): OpenedWal {
  const directory = createTemporaryDirectory();
  try {
    return { wal: Wal.open({ ...options, dir: directory }), directory };
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
}

/** Closes the log (its final sync, if its schedule has one, included) and removes its directory. */
export async function closeWal(opened: OpenedWal): Promise<void> {
  try {
    await opened.wal.close();
  } finally {
    removeTemporaryDirectory(opened.directory);
  }
}

/**
 * Throws unless {@link WAL_TOPIC} holds exactly `count` entries, offsets 0…count-1, each of the
 * template's length and carrying its offset as its sequence number, with a spread of them
 * compared to `template` byte for byte (as the peers are checked; comparing all of a sustained
 * row's 16 M entries would take longer than the child may run, and the log checks every frame's
 * CRC32C as it reads it). Reads with a named reader of its own, so it runs once, after the
 * timed work.
 */
export function verifyWalTopic(wal: Wal, count: number, template: Buffer): void {
  const compared = spotCheckSequences(count);
  let nextCompared = 0;
  let read = 0;
  for (;;) {
    const entries = wal.readBatch(WAL_TOPIC, {
      reader: VERIFY_READER,
      maxEntries: VERIFY_BATCH_ENTRIES,
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
    if (entries.length === 0) break;
    for (const entry of entries) {
      const data = entry.data;
      const sequence = readSequence(data, 0);
      if (entry.offset !== read || data.length !== template.length || sequence !== read) {
        throw new Error(
          `entry ${read}: offset ${entry.offset}, length ${data.length}, sequence number ${sequence}`,
        );
      }
      if (compared[nextCompared] === read) {
        const stored = Buffer.from(data.buffer, data.byteOffset, data.length);
        checkStoredRecord(stored, 0, data.length, read, template);
        nextCompared++;
      }
      read++;
    }
  }
  if (read !== count) throw new Error(`read back ${read} entries, expected ${count}`);
}
