/**
 * What every `@annal/wal` row shares: a log opened in a fresh temporary directory with the
 * storage backend as a parameter, the one topic the rows append to, and the check that the
 * topic holds exactly the records appended. The rows themselves are in `peers/append`,
 * `peers/durable` and `peers/read`.
 *
 * @module
 */
import { Wal, type WalOptions, type WalRecordView } from '@annal/wal';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../fixtures/temporary-directory.js';
import { checkStoredRecord, readSequence, spotCheckSequences } from './records.js';

/** A storage backend of `@annal/wal` (`Wal.open(directory, { backend })`). */
export type WalBackend = NonNullable<WalOptions['backend']>;

/** The topic every wal row appends to and reads from. */
export const WAL_TOPIC = 'bench';

/** Named reader that {@link verifyWalTopic} reads with; no row reads with it. */
const VERIFY_READER = 'bench-verify';

/** Records per `poll` of {@link verifyWalTopic}. */
const VERIFY_BATCH_RECORDS = 2000;

/** An open log and the temporary directory it lives in. */
export interface OpenedWal {
  readonly wal: Wal;
  readonly directory: string;
}

/**
 * Opens a new log in a fresh temporary directory with `options` (which name the backend and the
 * sync schedule; everything else keeps its default unless given).
 */
export function openWalInTemporaryDirectory(
  options: WalOptions & { readonly backend: WalBackend },
): OpenedWal {
  const directory = createTemporaryDirectory();
  try {
    return { wal: Wal.open(directory, options), directory };
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
 * Throws unless {@link WAL_TOPIC} holds exactly `count` records, indexes 0…count-1, each of the
 * template's length and carrying its index as its sequence number, with a spread of them
 * compared to `template` byte for byte (as the peers are checked; comparing all of a sustained
 * row's 16 M records would take longer than the child may run, and the log checks every frame's
 * CRC32C as it reads it). Reads with a named reader of its own, so it runs once, after the
 * timed work.
 */
export function verifyWalTopic(wal: Wal, count: number, template: Buffer): void {
  const compared = spotCheckSequences(count);
  let nextCompared = 0;
  let read = 0;
  const reader = wal.reader(WAL_TOPIC, { name: VERIFY_READER });
  try {
    const check = (record: WalRecordView): void => {
      const bytes = record.buffer;
      const at = record.offset;
      const length = record.length;
      const sequence = readSequence(bytes, at);
      if (record.index !== read || length !== template.length || sequence !== read) {
        throw new Error(
          `record ${read}: index ${record.index}, length ${length}, sequence number ${sequence}`,
        );
      }
      if (compared[nextCompared] === read) {
        const stored = Buffer.from(bytes.buffer, bytes.byteOffset + at, length);
        checkStoredRecord(stored, 0, length, read, template);
        nextCompared++;
      }
      read++;
    };
    while (reader.poll(check, VERIFY_BATCH_RECORDS) > 0);
  } finally {
    reader.close();
  }
  if (read !== count) throw new Error(`read back ${read} records, expected ${count}`);
}
