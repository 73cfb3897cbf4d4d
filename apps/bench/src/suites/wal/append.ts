/**
 * Sustained append to a growing store, 64 B, 1 KiB and 4 KiB records, with no sync on the path
 * of an append: `@annal/wal`'s `appendSync` against what a Node user would use instead. The
 * rounds and what ends them are `core/append`'s (`suites/core/shared.ts`): 4 MiB of payload per
 * round, timed until every record has reached the kernel (a write, a commit or a store into the
 * mapping), then the store is verified record by record or by spot checks.
 *
 * The annal rows, one pair per entry of {@link WAL_BACKENDS}:
 * - `annal-<backend>`: sync `'none'`, the log's own cost;
 * - `annal-<backend>-every-200ms`: sync `{ everyMs: 200 }` (the default schedule), whose syncs
 *   run off the JS thread while the appends go on.
 * Both are sustained over at least {@link SUSTAINED_TIMED_BYTES} in a real run, like the
 * sustained `core/append` rows, so they cross many segment rolls. (Issue target: ≥ 5 M appends/s
 * at 64 B with the mmap backend, ≥ 1.5 M/s with the fd backend.)
 *
 * Peers: the 64 KiB-batched `fs.writeSync` of `core/append`, lmdb (`noSync`), classic-level
 * (chained batches of 1,000) and better-sqlite3 in WAL mode with `synchronous=OFF` and
 * `synchronous=NORMAL` (transactions of 1,000).
 *
 * @module
 */
import type { AppendTargetFactory } from '../../peers/append/append-target.js';
import {
  createAnnalWalTarget,
  describeWalFsync,
  type WalAppendFsync,
} from '../../peers/append/annal-wal.js';
import { createBatchedWriteSyncTarget } from '../../peers/append/batched-write-sync.js';
import {
  SQLITE_RECORDS_PER_TRANSACTION,
  betterSqlite3TargetFactory,
  type SqliteSynchronous,
} from '../../peers/append/better-sqlite3.js';
import {
  CLASSIC_LEVEL_RECORDS_PER_BATCH,
  createClassicLevelTarget,
} from '../../peers/append/classic-level.js';
import { createLmdbTarget } from '../../peers/append/lmdb.js';
import type { WalBackend } from '../../peers/annal-wal.js';
import type { Implementation, Scenario, Suite } from '../../suite.js';
import { SUSTAINED_TIMED_BYTES } from '../core/append.js';
import { appendImplementation, type RecordSize } from '../core/shared.js';
import { WAL_BACKENDS } from './backends.js';

/** The record sizes of `wal/append`, in scenario order. */
export const WAL_APPEND_SIZES = [
  { label: '64B', payloadBytes: 64 },
  { label: '1KiB', payloadBytes: 1024 },
  { label: '4KiB', payloadBytes: 4096 },
] as const satisfies readonly RecordSize[];

/** The fsync schedules of the annal rows, and the id suffix of each. */
const ANNAL_SCHEDULES: readonly { readonly suffix: string; readonly fsync: WalAppendFsync }[] = [
  { suffix: '', fsync: 'none' },
  { suffix: '-every-200ms', fsync: { everyMs: 200 } },
];

/** How each backend's appendSync hands an entry to the kernel. */
const WRITE_PATH: Readonly<Record<WalBackend, string>> = {
  mmap: 'each entry is stored into the mapped segment (in the page cache) when appendSync returns',
  fd: 'each entry is copied into the 256 KiB stage, written with one pwritev when it fills and at the end of the round (the event-loop turn)',
};

/** The annal rows of one record size: every backend × every schedule. */
function annalRows(size: RecordSize, backends: readonly WalBackend[]): Implementation[] {
  return backends.flatMap((backend) =>
    ANNAL_SCHEDULES.map(({ suffix, fsync }) =>
      appendImplementation(
        `annal-${backend}${suffix}`,
        'annal',
        `@annal/wal Wal.open(directory, { backend: '${backend}', ${describeWalFsync(fsync)} }): wal.appendSync(topic, record) per record into one topic; sustained over ≥ 1 GiB of fresh log`,
        size,
        () => createAnnalWalTarget({ backend, fsync }),
        `${WRITE_PATH[backend]}; ${
          fsync === 'none'
            ? 'no sync ever'
            : `appendSync never waits; the schedule's sync runs off the JS thread at most ${fsync.everyMs} ms after the first unsynced append, i.e. beside the following rounds`
        }`,
        { minimumTimedBytes: SUSTAINED_TIMED_BYTES },
      ),
    ),
  );
}

/** A peer row, the same at every record size. */
interface WalAppendPeer {
  readonly id: string;
  readonly description: string;
  readonly createTarget: AppendTargetFactory;
  readonly notes: string;
}

function sqlitePeer(synchronous: SqliteSynchronous): WalAppendPeer {
  return {
    id: `better-sqlite3-${synchronous.toLowerCase()}`,
    description: `better-sqlite3 12.11.1 (SQLite 3.53.2): journal_mode=WAL, synchronous=${synchronous}, prepared INSERT (INTEGER PRIMARY KEY, BLOB) in transactions of ${SQLITE_RECORDS_PER_TRANSACTION}`,
    createTarget: betterSqlite3TargetFactory(synchronous),
    notes: `COMMIT every ${SQLITE_RECORDS_PER_TRANSACTION} records and at the end of each round; ${synchronous === 'OFF' ? 'never synced' : 'no sync per commit in WAL mode; the WAL is synced at each checkpoint'}; WAL auto-checkpoints (every 1000 pages) fall inside the timed rounds`,
  };
}

const WAL_APPEND_PEERS: readonly WalAppendPeer[] = [
  {
    id: 'batched-write-sync',
    description:
      'plain Node: u32 length + payload copied into a 64 KiB Buffer, fs.writeSync when the next frame does not fit',
    createTarget: createBatchedWriteSyncTarget,
    notes:
      'one writeSync per 64 KiB, plus one short write for the partial batch at the end of each round; no fsync; file not preallocated',
  },
  {
    id: 'lmdb',
    description:
      'lmdb 3.5.6: put(uint32 sequence, binary payload) without awaiting each, noSync: true; lmdb-js commits an event turn of puts as one transaction',
    createTarget: createLmdbTarget,
    notes:
      'one Buffer copy per record (lmdb-js reads an async put value after put() returns); a round ends when the last put() resolves (committed to the map, never synced)',
  },
  {
    id: `classic-level-batch${CLASSIC_LEVEL_RECORDS_PER_BATCH}`,
    description: `classic-level 3.0.0 (LevelDB): chained batch of ${CLASSIC_LEVEL_RECORDS_PER_BATCH} put(8-byte BE sequence key, Buffer) awaited with batch.write(), no sync`,
    createTarget: createClassicLevelTarget,
    notes: `batch.write() every ${CLASSIC_LEVEL_RECORDS_PER_BATCH} records (awaited before the next put) and at the end of each round; never synced; compactions on LevelDB's thread fall inside the timed rounds`,
  },
  sqlitePeer('OFF'),
  sqlitePeer('NORMAL'),
];

/** The `wal/append` scenarios: annal rows for `backends`, then the peers. */
export function buildWalAppendScenarios(
  backends: readonly WalBackend[] = WAL_BACKENDS,
): Scenario[] {
  return WAL_APPEND_SIZES.map((size): Scenario => ({
    id: size.label,
    description: `append ${size.payloadBytes}-byte records to a growing persistent log, no sync on the append path`,
    payloadBytes: size.payloadBytes,
    implementations: [
      ...annalRows(size, backends),
      ...WAL_APPEND_PEERS.map((peer) =>
        appendImplementation(
          peer.id,
          'peer',
          peer.description,
          size,
          peer.createTarget,
          peer.notes,
        ),
      ),
    ],
  }));
}

/** Sustained appends: annal's wal (per backend, two fsync schedules) against the peers. */
export const walAppendSuite: Suite = {
  id: 'wal/append',
  title: 'Write-ahead log append, no sync on the append path',
  tags: ['wal', 'append', 'persistent'],
  scenarios: buildWalAppendScenarios(),
};
