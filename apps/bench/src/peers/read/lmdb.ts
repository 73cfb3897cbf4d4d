/**
 * Peer: lmdb 3.5.6 read sequentially with `getRange()` (a cursor walk inside one read
 * transaction), over the store `core/append`'s lmdb row writes: `uint32` keys = sequence
 * numbers, `binary` values, `noSync`. Each entry arrives as `{ key, value }` with the value as a
 * Buffer copied out of the mapping, which is what lmdb-js gives a user. Filled in setup with
 * `putSync` inside synchronous transactions of 65,536 records, then read from the page cache
 * (hot), like RESULTS.md's read-back.
 *
 * @module
 */
import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import {
  openLmdbRecordStore,
  verifyLmdbRecordStore,
  type LmdbRecordStore,
  type OpenedLmdbStore,
} from '../append/lmdb.js';
import { stampSequence } from '../records.js';
import { badRecordError, type ReadSource } from './read-source.js';

/** Records per write transaction while filling (bounds a transaction's dirty pages). */
const FILL_RECORDS_PER_TRANSACTION = 65_536;

/** Puts records 0…count-1 made from `template` under keys 0…count-1 (setup; untimed). */
export function fillStore(store: LmdbRecordStore, count: number, template: Buffer): void {
  const record = Buffer.from(template);
  for (let first = 0; first < count; first += FILL_RECORDS_PER_TRANSACTION) {
    const end = Math.min(count, first + FILL_RECORDS_PER_TRANSACTION);
    store.transactionSync(() => {
      // putSync copies the value into the transaction before it returns, so one buffer serves.
      for (let sequence = first; sequence < end; sequence++) {
        stampSequence(record, sequence);
        store.putSync(sequence, record, { append: true });
      }
    });
  }
}

/** Fills an lmdb store in a fresh directory with `count` records and opens it for reading. */
export async function createLmdbSource(count: number, template: Buffer): Promise<ReadSource> {
  const directory = createTemporaryDirectory();
  let opened: OpenedLmdbStore | undefined;
  try {
    opened = await openLmdbRecordStore(directory);
    fillStore(opened.store, count, template);
    verifyLmdbRecordStore(opened.store, count, template);
  } catch (error) {
    await opened?.store.close();
    removeTemporaryDirectory(directory);
    throw error;
  }
  const reader = opened.store;
  const payloadBytes = template.length;
  let closed = false;
  return {
    readAll(): number {
      let expected = 0;
      for (const { key, value } of reader.getRange()) {
        const sequence = value.readUInt32LE(0);
        if (key !== expected || value.length !== payloadBytes || sequence !== expected)
          throw badRecordError(expected, value.length, sequence);
        expected++;
      }
      return expected;
    },
    notes: opened.notes,
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await reader.close();
      }
      removeTemporaryDirectory(directory);
    },
  };
}
