/**
 * Peer: classic-level 3.0.0 (LevelDB with snappy, the backend of `level`), set up as RESULTS.md's
 * `classic-level-batch1000` row: 8-byte big-endian keys (the record's sequence number), Buffer
 * values, and a chained batch (`db.batch()`, `batch.put(key, value)`) written with
 * `await batch.write()` every 1,000 records, without `sync` (LevelDB hands its log write to the
 * kernel and returns). A round ends when its last, partial batch is written. LevelDB's
 * compactions run on its own thread, inside the timed rounds, as they would for a user.
 *
 * classic-level ships its linux-x64 binary inside the npm package (node-gyp-build finds it), so
 * nothing is compiled at install.
 *
 * @module
 */
import { join } from 'node:path';

import type { ClassicLevel } from 'classic-level';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { checkStoredRecord, spotCheckSequences } from '../records.js';
import type { AppendTarget } from './append-target.js';

/** Puts per chained batch (RESULTS.md: a chained batch of 1000 puts). */
export const CLASSIC_LEVEL_RECORDS_PER_BATCH = 1000;

/** Bytes of a key: the sequence number as an unsigned 64-bit big-endian integer. */
const KEY_BYTES = 8;

/** A LevelDB store keyed by sequence number, holding one record per key. */
export type ClassicLevelStore = ClassicLevel<Buffer, Buffer>;

/**
 * Writes `sequence` into `key` as 8 big-endian bytes, so LevelDB's byte order is sequence
 * order. (Sequence numbers stay below 2^32 here; the high word is 0.)
 */
export function writeSequenceKey(key: Buffer, sequence: number): Buffer {
  key.writeUInt32BE(Math.floor(sequence / 2 ** 32), 0);
  key.writeUInt32BE(sequence >>> 0, 4);
  return key;
}

/** The sequence number an 8-byte key of {@link writeSequenceKey} holds. */
export function readSequenceKey(key: Buffer): number {
  return key.readUInt32BE(0) * 2 ** 32 + key.readUInt32BE(4);
}

/** A buffer for one key. */
export function allocateKey(): Buffer {
  return Buffer.alloc(KEY_BYTES);
}

/**
 * Loads classic-level (its native addon loads with it, hence not at module load) and opens
 * (creating) a store under `directory` with Buffer keys and values.
 */
export async function openClassicLevelStore(directory: string): Promise<ClassicLevelStore> {
  const { ClassicLevel: Level } = await import('classic-level');
  const store = new Level<Buffer, Buffer>(join(directory, 'store'), {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
  });
  await store.open();
  return store;
}

/**
 * Throws unless `store` holds exactly `count` entries, keys 0…count-1 in order, whose values are
 * the records made from `template` (a spread of them compared byte for byte).
 */
export async function verifyClassicLevelStore(
  store: ClassicLevelStore,
  count: number,
  template: Buffer,
): Promise<void> {
  let expected = 0;
  for await (const key of store.keys()) {
    const sequence = readSequenceKey(key);
    if (sequence !== expected) throw new Error(`LevelDB key ${expected} is ${sequence}`);
    expected++;
  }
  if (expected !== count) throw new Error(`LevelDB holds ${expected} keys, expected ${count}`);
  const key = allocateKey();
  for (const sequence of spotCheckSequences(count)) {
    const value = await store.get(writeSequenceKey(key, sequence));
    if (value === undefined) throw new Error(`LevelDB has no entry for key ${sequence}`);
    checkStoredRecord(value, 0, value.length, sequence, template);
  }
}

/** Opens an empty LevelDB store in a fresh directory behind chained batches of 1,000 puts. */
export async function createClassicLevelTarget(): Promise<AppendTarget> {
  const directory = createTemporaryDirectory();
  let store: ClassicLevelStore;
  try {
    store = await openClassicLevelStore(directory);
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  // One key buffer serves every put: a chained batch copies key and value into LevelDB's
  // WriteBatch when put() is called (binding.batch_put), so the caller may reuse both.
  const key = allocateKey();
  let nextKey = 0;
  let batch = store.batch();
  let writing: Promise<void> = Promise.resolve();
  const writeBatch = (): Promise<void> => {
    const full = batch;
    batch = store.batch();
    return full.write();
  };
  let closed = false;
  return {
    append(record: Buffer): boolean {
      batch.put(writeSequenceKey(key, nextKey++), record);
      if (batch.length < CLASSIC_LEVEL_RECORDS_PER_BATCH) return true;
      // The caller awaits drain(), i.e. this write, before its next append.
      writing = writeBatch();
      return false;
    },
    drain: () => writing,
    // A round's last, partial batch is written too.
    async settle(): Promise<void> {
      await writing;
      if (batch.length > 0) await writeBatch();
    },
    verify: (count, template) => verifyClassicLevelStore(store, count, template),
    directory,
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        await store.close();
      }
      removeTemporaryDirectory(directory);
    },
  };
}
