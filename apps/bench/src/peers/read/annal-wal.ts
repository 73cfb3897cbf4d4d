/**
 * `@annal/wal` as a read source: one topic filled in setup (untimed) with `appendSync` under
 * fsync `'none'`; each round reads all of it with `wal.readBatch(topic, { reader, maxEntries })`
 * and checks every entry's offset, length and sequence number. `readBatch` returns each entry as
 * `{ offset, data }` with `data` a copy of the payload, which is what the API gives a user.
 *
 * Every round reads with a named reader it has never used, so it starts at offset 0 and consumes
 * the topic as a first-time consumer would: under `'strictly-once'` the reader's offset is
 * stored into its slot of the mapped readers table after every batch, under at-least-once every
 * `persistEvery` entries. (A topic has {@link READER_SLOTS} slots; the row fails when its rounds
 * would need more, which no budget here comes near.)
 *
 * @module
 */
import { READER_SLOTS, type Consistency } from '@annal/wal';

import { closeWal, openWalInTemporaryDirectory, WAL_TOPIC, type WalBackend } from '../annal-wal.js';
import { readSequence, stampSequence } from '../records.js';
import { badRecordError, type ReadSource } from './read-source.js';

/** Entries per `readBatch` (the option's default). */
export const WAL_READ_BATCH_ENTRIES = 2000;

/** How a row's description and notes name a consistency mode. */
export function describeConsistency(consistency: Consistency): string {
  return consistency === 'strictly-once'
    ? "'strictly-once'"
    : `{ atLeastOnce: { persistEvery: ${consistency.atLeastOnce.persistEvery} } }`;
}

/** A read source over a new `@annal/wal` log whose topic holds `count` records. */
export async function createAnnalWalSource(
  backend: WalBackend,
  consistency: Consistency,
  count: number,
  template: Buffer,
): Promise<ReadSource> {
  const opened = openWalInTemporaryDirectory({ backend, fsync: 'none', consistency });
  const { wal } = opened;
  try {
    const record = Buffer.from(template);
    for (let sequence = 0; sequence < count; sequence++) {
      stampSequence(record, sequence);
      wal.appendSync(WAL_TOPIC, record);
    }
  } catch (error) {
    await closeWal(opened);
    throw error;
  }
  const payloadBytes = template.length;
  const options = {
    reader: '',
    maxEntries: WAL_READ_BATCH_ENTRIES,
    // Larger than any batch, so that maxEntries alone ends one (the default is 1 MiB).
    maxBytes: WAL_READ_BATCH_ENTRIES * payloadBytes,
  };
  let rounds = 0;
  let closed = false;
  return {
    readAll(): number {
      if (rounds >= READER_SLOTS) {
        throw new Error(`round ${rounds} would need reader slot ${rounds + 1} of ${READER_SLOTS}`);
      }
      options.reader = `round-${rounds++}`;
      let expected = 0;
      for (;;) {
        const entries = wal.readBatch(WAL_TOPIC, options);
        if (entries.length === 0) break;
        for (const entry of entries) {
          const data = entry.data;
          const sequence = readSequence(data, 0);
          if (entry.offset !== expected || data.length !== payloadBytes || sequence !== expected) {
            throw badRecordError(expected, data.length, sequence);
          }
          expected++;
        }
      }
      return expected;
    },
    notes: `backend ${backend}, consistency ${describeConsistency(consistency)}; filled with appendSync (fsync: 'none'), default 32 MiB segments; readBatch with maxEntries ${WAL_READ_BATCH_ENTRIES} and maxBytes ${WAL_READ_BATCH_ENTRIES} × payload (so maxEntries ends every batch); each entry's data is a copy (Uint8Array.slice); a fresh named reader per round`,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await closeWal(opened);
    },
  };
}
