/**
 * Persistent append without any sync, 64 B and 1 KiB records: `@annal/core`'s appender against
 * what a Node user would use instead (the peers of RESULTS.md section b). Every row is a
 * self-timed child that appends in rounds of 4 MiB of payload and counts a round only once its
 * records have reached the kernel; see `shared.ts` for what is timed and how each store is
 * verified.
 *
 * The annal rows measure the appender two ways (issue 4), listed before the peers:
 * - **sustained** (`annal`, `annal-crc32c`): every round appends into one growing queue, so the
 *   rounds run over fresh preallocated blocks (posix_fallocate, a map, and the prefault of the
 *   next block running off the JS thread meanwhile) and, in a real run, the timed rounds alone
 *   append at least {@link SUSTAINED_TIMED_BYTES} of payload. This is what an appender that
 *   never stops costs, and what the peers, which all grow their store too, compare with.
 * - **warm block** (`annal-warm`, `annal-crc32c-warm`): every round appends into block 0 of a
 *   queue whose two blocks the appender has already allocated and prefaulted in full (waited for,
 *   untimed), so no round faults a page or allocates a block: the per-record cost alone. When
 *   block 0 has no room for another round, the queue is verified and replaced, untimed; see
 *   `peers/append/annal-core-warm.ts`.
 *
 * Every peer asked for installed and runs here, so none is left out; better-sqlite3 needs its
 * binding compiled once after install (see `peers/append/better-sqlite3.ts` and the README).
 *
 * @module
 */
import type { AppendTargetFactory } from '../../peers/append/append-target.js';
import { createAnnalCoreTarget } from '../../peers/append/annal-core.js';
import { createAnnalCoreWarmTarget } from '../../peers/append/annal-core-warm.js';
import { createBatchedWriteSyncTarget } from '../../peers/append/batched-write-sync.js';
import {
  SQLITE_RECORDS_PER_TRANSACTION,
  createBetterSqlite3Target,
} from '../../peers/append/better-sqlite3.js';
import { createLmdbTarget } from '../../peers/append/lmdb.js';
import { SONIC_BOOM_MIN_LENGTH, createSonicBoomTarget } from '../../peers/append/sonic-boom.js';
import type { Implementation, Scenario, Suite } from '../../suite.js';
import { APPEND_SIZES, appendImplementation, type AppendScenarioId } from './shared.js';

/** Payload the timed rounds of a sustained annal row append at least, in a real run: 1 GiB. */
export const SUSTAINED_TIMED_BYTES = 1024 * 1024 * 1024;

/** The annal rows of each `core/append` scenario (sustained, then warm block), before the peers. */
export const annalAppendImplementations: Readonly<
  Record<AppendScenarioId, readonly Implementation[]>
> = {
  '64B': annalRows(APPEND_SIZES[0]),
  '1KiB': annalRows(APPEND_SIZES[1]),
};

function annalRows(size: (typeof APPEND_SIZES)[number]): Implementation[] {
  const checksumModes = ['off', 'crc32c'] as const;
  const baseId = (checksums: (typeof checksumModes)[number]): string =>
    checksums === 'off' ? 'annal' : 'annal-crc32c';
  const sustained = checksumModes.map((checksums) =>
    appendImplementation(
      baseId(checksums),
      'annal',
      `@annal/core Queue (FAST_DAILY, 64 MiB blocks): appender.appendSync(record), checksums ${checksums}; sustained over ≥ 1 GiB of fresh queue`,
      size,
      () => createAnnalCoreTarget({ checksums }),
      'no sync (each record is in the page cache when append returns); sustained, not a warm block: rounds append into one growing queue, so they run over fresh preallocated blocks, and the timed rounds of a real run append at least 1 GiB',
      { minimumTimedBytes: SUSTAINED_TIMED_BYTES },
    ),
  );
  const warm = checksumModes.map((checksums) =>
    appendImplementation(
      `${baseId(checksums)}-warm`,
      'annal',
      `@annal/core Queue (FAST_DAILY, 64 MiB blocks): appender.appendSync(record), checksums ${checksums}; within a warm block (prefaulted in full, no block allocated during a round)`,
      size,
      (payloadBytes) => createAnnalCoreWarmTarget({ checksums }, payloadBytes),
      'no sync (each record is in the page cache when append returns); warm block, not sustained: every round appends into block 0 of a queue whose pages the appender prefaulted (writable) before the round, so no round faults a page or allocates a block; the queue is replaced, untimed, when block 0 has no room for another round',
    ),
  );
  const shared = appendImplementation(
    'annal-shared',
    'annal',
    '@annal/core Queue (FAST_DAILY, 64 MiB blocks): appender({ shared: true }).appendSync(record), checksums off; one shared appender, so its append lock is taken and released per record uncontended; sustained as the annal row',
    size,
    () => createAnnalCoreTarget({ checksums: 'off', shared: true }),
    'no sync; sustained over ≥ 1 GiB like the annal row; contended shared appenders are measured in core/shared',
    { minimumTimedBytes: SUSTAINED_TIMED_BYTES },
  );
  const deferred = appendImplementation(
    'annal-crc32c-deferred',
    'annal',
    '@annal/core Queue (FAST_DAILY, 64 MiB blocks): appender.claim(length), a copy, claim.commitDeferred() per record and appender.flush() every 64 records, checksums crc32c (one CRC32C call to the addon per flush); sustained as the annal row',
    size,
    () => createAnnalCoreTarget({ checksums: 'crc32c', deferred: true }),
    'no sync; sustained over ≥ 1 GiB like the annal row; how a worker draining bursts appends',
    { minimumTimedBytes: SUSTAINED_TIMED_BYTES },
  );
  return [...sustained, deferred, shared, ...warm];
}

/** A peer row, the same at every record size. */
interface AppendPeer {
  readonly id: string;
  readonly description: string;
  readonly createTarget: AppendTargetFactory;
  /** Batching, sync settings and what ends a round; the suite adds the round counts. */
  readonly notes: string;
}

const APPEND_PEERS: readonly AppendPeer[] = [
  {
    id: 'batched-write-sync',
    description:
      'plain Node: u32 length + payload copied into a 64 KiB Buffer, fs.writeSync when the next frame does not fit',
    createTarget: createBatchedWriteSyncTarget,
    notes:
      'one writeSync per 64 KiB, plus one short write for the partial batch at the end of each round; no fsync; file not preallocated',
  },
  {
    id: 'sonic-boom',
    description: `sonic-boom 5.0.2: sync: false, contentMode buffer, minLength ${SONIC_BOOM_MIN_LENGTH / 1024} KiB, u32-length frames; the producer awaits 'drain' when write() returns false`,
    createTarget: createSonicBoomTarget,
    notes:
      'one Buffer.allocUnsafe frame per record (sonic-boom holds references until written); async fs.write of ≤ 16 KiB (maxWrite) on the thread pool; a round ends when no write is in flight and flushSync() has written the tail (buffer mode: writeSync, no fsync); end() (which fsyncs) only in teardown, untimed',
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
    id: 'better-sqlite3',
    description: `better-sqlite3 12.11.1 (SQLite 3.53.2): journal_mode=WAL, synchronous=OFF, prepared INSERT (INTEGER PRIMARY KEY, BLOB) in transactions of ${SQLITE_RECORDS_PER_TRANSACTION}`,
    createTarget: createBetterSqlite3Target,
    notes: `COMMIT every ${SQLITE_RECORDS_PER_TRANSACTION} records and at the end of each round; never synced; WAL auto-checkpoints (every 1000 pages) fall inside the timed rounds`,
  },
];

/**
 * The `core/append` scenarios, each with `extra[scenario id]` first and then the peers. The
 * suite below passes {@link annalAppendImplementations}.
 */
export function buildAppendScenarios(
  extra: Readonly<Partial<Record<AppendScenarioId, readonly Implementation[]>>> = {},
): Scenario[] {
  return APPEND_SIZES.map((size): Scenario => ({
    id: size.label,
    description: `append ${size.payloadBytes}-byte records to a persistent store, no sync`,
    payloadBytes: size.payloadBytes,
    implementations: [
      ...(extra[size.label] ?? []),
      ...APPEND_PEERS.map((peer) =>
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

/** Appends without sync: annal's queue (sustained and warm block) against the peers of RESULTS.md b). */
export const coreAppendSuite: Suite = {
  id: 'core/append',
  title: 'Persistent append, no sync',
  tags: ['core', 'append', 'persistent'],
  scenarios: buildAppendScenarios(annalAppendImplementations),
};
