/**
 * Peer: lmdb 3.5.6 with durable commits (not `noSync`), `uint32` keys (the sequence number) and
 * `binary` values, in one of the two ways RESULTS.md section c measured it:
 *
 * - `'sync'`: opened with `overlappingSync: false`, so a synchronous commit syncs the map before
 *   it returns. One record is `putSync(key, record)` outside any transaction (a transaction of
 *   its own, committed and synced); a batch is one `transactionSync` of `putSync`s.
 * - `'flushed'`: the default `overlappingSync: true`: `put(key, record)` is queued for lmdb-js's
 *   write thread, which commits what an event turn queued as one transaction, and a record is
 *   durable once `await put(…)` and then `await store.flushed` resolve. Concurrent callers share
 *   the commits and their syncs: lmdb's own group commit, which is why the 64-caller rows use it.
 *
 * @module
 */
import { join } from 'node:path';

import type { RootDatabaseOptions } from 'lmdb';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { verifyLmdbRecordStore, type LmdbRecordStore } from '../append/lmdb.js';
import type { DurableTarget } from './durable-target.js';

/** How a durable lmdb row commits and syncs; see the module comment. */
export type LmdbDurability = 'sync' | 'flushed';

function storeOptions(durability: LmdbDurability): RootDatabaseOptions {
  return {
    encoding: 'binary',
    keyEncoding: 'uint32',
    ...(durability === 'sync' ? { overlappingSync: false } : {}),
  };
}

/** Opens an empty, durable lmdb store in a fresh directory. */
export async function createLmdbDurableTarget(durability: LmdbDurability): Promise<DurableTarget> {
  const directory = createTemporaryDirectory();
  let store: LmdbRecordStore;
  let accelerated: boolean;
  try {
    // Loaded here, not at module load: its native addon loads with it.
    const { open, v8AccelerationEnabled } = await import('lmdb');
    store = open<Buffer, number>(join(directory, 'store'), storeOptions(durability));
    accelerated = v8AccelerationEnabled;
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  let nextKey = 0;
  let closed = false;
  const notes = `${durability === 'sync' ? 'overlappingSync: false' : 'overlappingSync: true (default)'}; lmdb V8 acceleration ${accelerated ? 'on' : 'OFF'}`;
  return {
    append:
      durability === 'sync'
        ? (record: Buffer): void => {
            store.putSync(nextKey++, record);
          }
        : async (record: Buffer): Promise<void> => {
            // The key is taken now, so records are stored in call order; lmdb reads `record`
            // when its write thread gets to it, before put()'s promise resolves.
            if (!(await store.put(nextKey++, record))) throw new Error('lmdb put() resolved false');
            await store.flushed;
          },
    appendBatch:
      durability === 'sync'
        ? (records: readonly Buffer[]): void => {
            store.transactionSync(() => {
              // putSync copies each value into the transaction before it returns.
              for (const record of records) store.putSync(nextKey++, record);
            });
          }
        : async (records: readonly Buffer[]): Promise<void> => {
            let last: Promise<boolean> = Promise.resolve(true);
            for (const record of records) last = store.put(nextKey++, record);
            if (!(await last)) throw new Error('lmdb put() resolved false');
            await store.flushed;
          },
    verify: (count, template) => {
      verifyLmdbRecordStore(store, count, template);
    },
    notes,
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await store.close();
      }
      removeTemporaryDirectory(directory);
    },
  };
}
