/**
 * Peer: lmdb 3.5.6 (lmdb-js over LMDB 0.9.90), the memory-mapped store Node users reach for, set
 * up as RESULTS.md measured it: `noSync: true` (LMDB never flushes; this also turns off
 * `overlappingSync`), `uint32` keys (the record's sequence number), `binary` values, and
 * `put()` without awaiting each one, so lmdb-js batches the writes of an event turn into one
 * transaction that its write thread commits. A round ends when the last `put()`'s promise
 * resolves: that transaction, and every one before it, is committed to the mapping.
 *
 * @module
 */
import { join } from 'node:path';

import type { RootDatabase, RootDatabaseOptions } from 'lmdb';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { checkStoredRecord, spotCheckSequences } from '../records.js';
import type { AppendTarget } from './append-target.js';

/** The options every lmdb row opens its store with (no durability, raw binary values). */
export const LMDB_OPTIONS = {
  noSync: true,
  encoding: 'binary',
  keyEncoding: 'uint32',
} as const satisfies RootDatabaseOptions;

/** An lmdb store keyed by sequence number, holding one record per key. */
export type LmdbRecordStore = RootDatabase<Buffer, number>;

/** An opened store and what the notes say about the lmdb-js build that opened it. */
export interface OpenedLmdbStore {
  readonly store: LmdbRecordStore;
  /** Whether lmdb-js runs with its V8 fast-API calls (a slower fallback otherwise). */
  readonly notes: string;
}

/**
 * Loads lmdb (its native addon loads with it, hence not at module load) and opens (creating)
 * a store under `directory` with {@link LMDB_OPTIONS}.
 */
export async function openLmdbRecordStore(directory: string): Promise<OpenedLmdbStore> {
  const { open, v8AccelerationEnabled } = await import('lmdb');
  return {
    store: open<Buffer, number>(join(directory, 'store'), LMDB_OPTIONS),
    notes: v8AccelerationEnabled ? 'lmdb V8 acceleration on' : 'lmdb V8 acceleration OFF',
  };
}

/**
 * Throws unless `store` holds exactly `count` entries, keys 0…count-1, whose values are the
 * records made from `template` (a spread of them compared byte for byte).
 */
export function verifyLmdbRecordStore(
  store: LmdbRecordStore,
  count: number,
  template: Buffer,
): void {
  // The read transaction may predate the last commit; read the newest state.
  store.resetReadTxn();
  const stats = store.getStats() as { readonly entryCount?: unknown };
  if (stats.entryCount !== count)
    throw new Error(`lmdb holds ${String(stats.entryCount)} entries, expected ${count}`);
  for (const sequence of spotCheckSequences(count)) {
    const value = store.getBinary(sequence);
    if (value === undefined) throw new Error(`lmdb has no entry for key ${sequence}`);
    checkStoredRecord(value, 0, value.length, sequence, template);
  }
}

/** Opens an empty lmdb store in a fresh directory. */
export async function createLmdbTarget(): Promise<AppendTarget> {
  const directory = createTemporaryDirectory();
  let opened: OpenedLmdbStore;
  try {
    opened = await openLmdbRecordStore(directory);
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  const { store } = opened;
  let nextKey = 0;
  let lastPut: Promise<boolean> = Promise.resolve(true);
  let closed = false;
  return {
    append(record: Buffer): boolean {
      // lmdb-js reads an asynchronous put's value when its write thread gets to it, not when
      // put() returns (a reused buffer ends up stored under many keys), so each record needs a
      // copy of its own (from Node's 8 KiB allocation pool: these records are < 4 KiB).
      const value = Buffer.allocUnsafe(record.length);
      record.copy(value);
      lastPut = store.put(nextKey++, value);
      return true;
    },
    drain: () => Promise.resolve(),
    async settle(): Promise<void> {
      if (!(await lastPut)) throw new Error('lmdb put() resolved false');
    },
    verify: (count, template) => {
      verifyLmdbRecordStore(store, count, template);
    },
    directory,
    notes: opened.notes,
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await store.close();
      }
      removeTemporaryDirectory(directory);
    },
  };
}
