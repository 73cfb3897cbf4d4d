/**
 * Appends that count only once durable (they survive power loss), 64 B records:
 * `@annal/wal` under sync `'each'` against what a Node user would do instead (RESULTS.md c).
 * How each row is timed and verified: `durable-measure.ts`.
 *
 * - `1-caller-64B`: one caller, each append durable before the next: `wal.appendSync` (the
 *   `-sync` rows: under 'each' it syncs on the calling thread) and `await wal.append` (its sync
 *   in the thread pool). The floor is the
 *   `write-fdatasync` limit row: `fs.writeSync` of the framed record into a preallocated file,
 *   then `fs.fdatasyncSync`, per record. (Issue target: annal ≥ 0.8× that row.) Peers:
 *   better-sqlite3 `synchronous=FULL` autocommit `INSERT`, classic-level `put(…, { sync: true })`,
 *   lmdb `putSync` with `overlappingSync: false`.
 * - `64-callers-64B`: 64 async loops each await their own appends, so a log that syncs once for
 *   everything queued meanwhile (group commit) serves them all with one sync. (Issue target:
 *   annal ≥ 50 k durable appends/s.) Peers: lmdb `await put()` + `await flushed` from the same
 *   64 loops (lmdb-js batches an event turn's puts into one commit), and the one-caller
 *   `write-fdatasync` loop as the reference a sync per record allows.
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
import { measureConcurrentCallers, measureOneCaller } from './durable-measure.js';

/** Payload bytes of every durable record. */
const PAYLOAD_BYTES = 64;

/** Concurrent callers of the group-commit scenario. */
export const DURABLE_CALLERS = 64;

const WRITE_FDATASYNC_DESCRIPTION =
  'plain Node: fs.writeSync of the u32-length frame at the next slot of a preallocated (zero-filled, synced) file, then fs.fdatasyncSync, per record';

function oneCallerAnnalRows(backends: readonly WalBackend[]): Implementation[] {
  return backends.flatMap((backend): Implementation[] => [
    {
      id: `annal-${backend}-sync`,
      role: 'annal',
      description: `@annal/wal Wal.open(directory, { backend: '${backend}', sync: 'each' }): wal.appendSync(topic, record), one at a time (returns durable: the sync runs on the JS thread)`,
      create: measureOneCaller(
        () => createAnnalWalDurableTarget(backend, 'appendSync'),
        PAYLOAD_BYTES,
        'returns after the sync of the topic made on the calling thread (msync of the range written, or pwritev + fdatasync), like the write-fdatasync row',
      ),
    },
    {
      id: `annal-${backend}`,
      role: 'annal',
      description: `@annal/wal Wal.open(directory, { backend: '${backend}', sync: 'each' }): await wal.append(topic, record), one at a time`,
      create: measureOneCaller(
        () => createAnnalWalDurableTarget(backend),
        PAYLOAD_BYTES,
        'resolves after the sync that covers the entry, run off the JS thread (nothing else queued, so one sync per record: the thread-pool round trip is what it costs beyond the -sync row)',
      ),
    },
  ]);
}

function concurrentAnnalRows(backends: readonly WalBackend[]): Implementation[] {
  return backends.map((backend) => ({
    id: `annal-${backend}`,
    role: 'annal',
    description: `@annal/wal Wal.open(directory, { backend: '${backend}', sync: 'each' }): ${DURABLE_CALLERS} async loops, each await wal.append(topic, record)`,
    create: measureConcurrentCallers(
      () => createAnnalWalDurableTarget(backend),
      PAYLOAD_BYTES,
      DURABLE_CALLERS,
      'group commit: appends made while a sync runs share the next one',
    ),
  }));
}

/** The `wal/durable` scenarios: annal rows for `backends` first, then the peers. */
export function buildWalDurableScenarios(
  backends: readonly WalBackend[] = WAL_BACKENDS,
): Scenario[] {
  return [
    {
      id: '1-caller-64B',
      description: `one caller appends ${PAYLOAD_BYTES}-byte records, each durable before the next`,
      payloadBytes: PAYLOAD_BYTES,
      implementations: [
        ...oneCallerAnnalRows(backends),
        {
          id: 'write-fdatasync',
          role: 'limit',
          description: WRITE_FDATASYNC_DESCRIPTION,
          create: measureOneCaller(
            createWriteFdatasyncTarget,
            PAYLOAD_BYTES,
            'one write and one fdatasync per record: the floor of a sync per record',
          ),
        },
        {
          id: 'better-sqlite3-full',
          role: 'peer',
          description:
            'better-sqlite3 12.11.1 (SQLite 3.53.2): journal_mode=WAL, synchronous=FULL, autocommit prepared INSERT per record',
          create: measureOneCaller(
            createBetterSqlite3DurableTarget,
            PAYLOAD_BYTES,
            'each INSERT commits and syncs the WAL before run() returns',
          ),
        },
        {
          id: 'classic-level-sync',
          role: 'peer',
          description:
            'classic-level 3.0.0 (LevelDB): await db.put(8-byte BE key, record, { sync: true }) per record',
          create: measureOneCaller(
            createClassicLevelDurableTarget,
            PAYLOAD_BYTES,
            'LevelDB appends to its log and syncs it on its thread before the put resolves',
          ),
        },
        {
          id: 'lmdb-put-sync',
          role: 'peer',
          description:
            'lmdb 3.5.6: putSync(uint32 key, record) per record, overlappingSync: false (a synced commit each)',
          create: measureOneCaller(
            () => createLmdbDurableTarget('sync'),
            PAYLOAD_BYTES,
            'each putSync is a transaction of its own, committed and synced before it returns',
          ),
        },
      ],
    },
    {
      id: `${DURABLE_CALLERS}-callers-64B`,
      description: `${DURABLE_CALLERS} concurrent callers append ${PAYLOAD_BYTES}-byte records, each awaiting its own until durable`,
      payloadBytes: PAYLOAD_BYTES,
      implementations: [
        ...concurrentAnnalRows(backends),
        {
          id: 'lmdb-put-flushed',
          role: 'peer',
          description: `lmdb 3.5.6 (overlappingSync default): ${DURABLE_CALLERS} async loops, each await put(uint32 key, record) then await flushed`,
          create: measureConcurrentCallers(
            () => createLmdbDurableTarget('flushed'),
            PAYLOAD_BYTES,
            DURABLE_CALLERS,
            "lmdb-js commits an event turn's puts as one transaction and resolves flushed once it is synced: its own group commit",
          ),
        },
        {
          id: 'write-fdatasync',
          role: 'peer',
          description: `${WRITE_FDATASYNC_DESCRIPTION}; one caller (the reference a sync per record allows)`,
          create: measureConcurrentCallers(
            createWriteFdatasyncTarget,
            PAYLOAD_BYTES,
            1,
            'one write and one fdatasync per record; rounds of the same size as the concurrent rows',
          ),
        },
      ],
    },
  ];
}

/** Durable appends, one caller and 64: annal's wal (per backend) against the peers. */
export const walDurableSuite: Suite = {
  id: 'wal/durable',
  title: 'Write-ahead log append, durable per record',
  tags: ['wal', 'durable', 'persistent'],
  scenarios: buildWalDurableScenarios(),
};
