/**
 * Peer: classic-level 3.0.0 (LevelDB) read in key order with `for await (const [key, value] of
 * db.iterator())`, as RESULTS.md's read-back; classic-level's iterator fetches entries from
 * LevelDB in chunks behind that loop, each value a Buffer of its own. The store of
 * `peers/append/classic-level.ts` (8-byte big-endian sequence keys), filled in setup (untimed)
 * with chained batches of 1,000 puts, then read from the page cache (hot).
 *
 * @module
 */
import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import {
  CLASSIC_LEVEL_RECORDS_PER_BATCH,
  allocateKey,
  openClassicLevelStore,
  readSequenceKey,
  verifyClassicLevelStore,
  writeSequenceKey,
  type ClassicLevelStore,
} from '../append/classic-level.js';
import { stampSequence } from '../records.js';
import { badRecordError, type ReadSource } from './read-source.js';

async function fillStore(store: ClassicLevelStore, count: number, template: Buffer): Promise<void> {
  const record = Buffer.from(template);
  const key = allocateKey();
  for (let first = 0; first < count; first += CLASSIC_LEVEL_RECORDS_PER_BATCH) {
    const batch = store.batch();
    const end = Math.min(count, first + CLASSIC_LEVEL_RECORDS_PER_BATCH);
    // A chained batch copies key and value when put() is called.
    for (let sequence = first; sequence < end; sequence++) {
      stampSequence(record, sequence);
      batch.put(writeSequenceKey(key, sequence), record);
    }
    await batch.write();
  }
}

/** Fills a LevelDB store in a fresh directory with `count` records and opens it for reading. */
export async function createClassicLevelSource(
  count: number,
  template: Buffer,
): Promise<ReadSource> {
  const directory = createTemporaryDirectory();
  let store: ClassicLevelStore | undefined;
  try {
    store = await openClassicLevelStore(directory);
    await fillStore(store, count, template);
    await verifyClassicLevelStore(store, count, template);
  } catch (error) {
    await store?.close();
    removeTemporaryDirectory(directory);
    throw error;
  }
  const opened = store;
  const payloadBytes = template.length;
  let closed = false;
  return {
    async readAll(): Promise<number> {
      let expected = 0;
      for await (const [key, value] of opened.iterator()) {
        const sequence = value.readUInt32LE(0);
        if (
          readSequenceKey(key) !== expected ||
          value.length !== payloadBytes ||
          sequence !== expected
        )
          throw badRecordError(expected, value.length, sequence);
        expected++;
      }
      return expected;
    },
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await opened.close();
      }
      removeTemporaryDirectory(directory);
    },
  };
}
