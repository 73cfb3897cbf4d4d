/**
 * One durable batch: 2,000 records of 64 B appended as one unit and synced once, timed from the
 * call until all of it survives power loss. `@annal/wal`'s `await wal.appendBatch(topic,
 * records)` under sync `'each'` (members plus a commit frame, one sync; issue target: ≤ 2 ms)
 * against better-sqlite3 (`synchronous=FULL`, one transaction of 2,000 `INSERT`s), lmdb (one
 * `transactionSync` of 2,000 `putSync`s, `overlappingSync: false`), classic-level (one chained
 * batch of 2,000 puts written with `{ sync: true }`) and the floor: the 2,000 framed records in
 * one `fs.writeSync` into a preallocated file and one `fs.fdatasyncSync`. How each row is timed
 * and verified: `durable-measure.ts`.
 *
 * @module
 */
import { createAnnalWalDurableTarget } from '../../peers/durable/annal-wal.js';
import { createBetterSqlite3DurableTarget } from '../../peers/durable/better-sqlite3.js';
import { createClassicLevelDurableTarget } from '../../peers/durable/classic-level.js';
import { createLmdbDurableTarget } from '../../peers/durable/lmdb.js';
import { createWriteFdatasyncTarget } from '../../peers/durable/write-fdatasync.js';
import type { WalBackend } from '../../peers/annal-wal.js';
import type { Implementation, Scenario, Suite } from '../../suite.js';
import { WAL_BACKENDS } from './backends.js';
import { measureBatches } from './durable-measure.js';

/** Records per batch (the wal's default `maxBatchEntries`). */
export const BATCH_RECORDS = 2000;

/** Payload bytes of each record of a batch. */
const PAYLOAD_BYTES = 64;

function annalRows(backends: readonly WalBackend[]): Implementation[] {
  return backends.map((backend) => ({
    id: `annal-${backend}`,
    role: 'annal',
    description: `@annal/wal Wal.open(directory, { backend: '${backend}', sync: 'each' }): await wal.appendBatch(topic, ${BATCH_RECORDS} records)`,
    create: measureBatches(
      () => createAnnalWalDurableTarget(backend),
      PAYLOAD_BYTES,
      BATCH_RECORDS,
      backend === 'mmap'
        ? 'members plus a commit frame stored into the mapped segment, then one sync (msync of the range) for the batch; the returned indexes array is part of the call'
        : 'members plus a commit frame copied into the stage, then one sync for the batch (the stage written with pwritev on the JS thread, fdatasync in the libuv pool); the returned indexes array is part of the call',
    ),
  }));
}

/** The `wal/batch` scenario: annal rows for `backends` first, then the peers. */
export function buildWalBatchScenarios(backends: readonly WalBackend[] = WAL_BACKENDS): Scenario[] {
  return [
    {
      id: `${BATCH_RECORDS}x${PAYLOAD_BYTES}B`,
      description: `append ${BATCH_RECORDS} records of ${PAYLOAD_BYTES} B as one unit, durable when the call returns (one operation = one batch)`,
      payloadBytes: BATCH_RECORDS * PAYLOAD_BYTES,
      implementations: [
        ...annalRows(backends),
        {
          id: 'write-fdatasync',
          role: 'limit',
          description: `plain Node: the ${BATCH_RECORDS} u32-length frames copied into one Buffer, one fs.writeSync at the next slots of a preallocated (zero-filled, synced) file, one fs.fdatasyncSync`,
          create: measureBatches(
            createWriteFdatasyncTarget,
            PAYLOAD_BYTES,
            BATCH_RECORDS,
            'one write (two where the batch wraps at the end of the file) and one fdatasync per batch: the floor',
          ),
        },
        {
          id: 'better-sqlite3-full',
          role: 'peer',
          description: `better-sqlite3 12.11.1 (SQLite 3.53.2): journal_mode=WAL, synchronous=FULL, BEGIN + ${BATCH_RECORDS} prepared INSERTs + COMMIT`,
          create: measureBatches(
            createBetterSqlite3DurableTarget,
            PAYLOAD_BYTES,
            BATCH_RECORDS,
            'COMMIT syncs the WAL once for the transaction; WAL auto-checkpoints fall inside the timed batches',
          ),
        },
        {
          id: 'lmdb-transaction-sync',
          role: 'peer',
          description: `lmdb 3.5.6: transactionSync(() => ${BATCH_RECORDS} × putSync(uint32 key, record)), overlappingSync: false`,
          create: measureBatches(
            () => createLmdbDurableTarget('sync'),
            PAYLOAD_BYTES,
            BATCH_RECORDS,
            'one write transaction, committed and synced before transactionSync returns',
          ),
        },
        {
          id: 'classic-level-sync',
          role: 'peer',
          description: `classic-level 3.0.0 (LevelDB): chained batch of ${BATCH_RECORDS} put(8-byte BE key, record), await batch.write({ sync: true })`,
          create: measureBatches(
            createClassicLevelDurableTarget,
            PAYLOAD_BYTES,
            BATCH_RECORDS,
            'one log write and one sync on LevelDB’s thread per batch',
          ),
        },
      ],
    },
  ];
}

/** Durable batches: annal's wal (per backend) against the peers. */
export const walBatchSuite: Suite = {
  id: 'wal/batch',
  title: 'Write-ahead log batch append, durable per batch',
  tags: ['wal', 'batch', 'durable', 'persistent'],
  scenarios: buildWalBatchScenarios(),
};
