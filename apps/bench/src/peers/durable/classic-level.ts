/**
 * Peer: classic-level 3.0.0 (LevelDB) with synchronous writes, as RESULTS.md's
 * `classic-level-put` durable row: `await db.put(key, record, { sync: true })` per record
 * (LevelDB appends to its log and fsyncs it on its thread before the promise resolves), and a
 * batch as one chained batch of puts written with `await batch.write({ sync: true })` (one log
 * write, one sync). Keys are the 8-byte big-endian sequence numbers of `peers/append/classic-level.ts`.
 *
 * @module
 */
import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import {
  allocateKey,
  openClassicLevelStore,
  verifyClassicLevelStore,
  writeSequenceKey,
  type ClassicLevelStore,
} from '../append/classic-level.js';
import type { DurableTarget } from './durable-target.js';

/** Synchronous writes: each resolves once LevelDB has synced its log. */
const SYNC = { sync: true } as const;

/** Opens an empty LevelDB store in a fresh directory for synchronous writes. */
export async function createClassicLevelDurableTarget(): Promise<DurableTarget> {
  const directory = createTemporaryDirectory();
  let store: ClassicLevelStore;
  try {
    store = await openClassicLevelStore(directory);
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  // A chained batch copies its keys when put() is called, so one key buffer serves a batch; a
  // put of its own gets a fresh key (the caller's await covers the record, not our key).
  const batchKey = allocateKey();
  let nextKey = 0;
  let closed = false;
  return {
    async append(record: Buffer): Promise<void> {
      await store.put(writeSequenceKey(allocateKey(), nextKey++), record, SYNC);
    },
    async appendBatch(records: readonly Buffer[]): Promise<void> {
      const batch = store.batch();
      for (const record of records) batch.put(writeSequenceKey(batchKey, nextKey++), record);
      await batch.write(SYNC);
    },
    verify: (count, template) => verifyClassicLevelStore(store, count, template),
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await store.close();
      }
      removeTemporaryDirectory(directory);
    },
  };
}
