/**
 * Reading a filled topic front to back, 64 B and 1 KiB records: `@annal/wal`'s
 * a named reader's `poll(handler, 2000)`, against the read-back
 * peers of RESULTS.md section d. Setup fills the store (untimed); every round reads all N records
 * in order and checks each one's length and sequence number, and the count; see
 * `suites/core/shared.ts` for the rounds.
 *
 * The annal rows, one pair per entry of {@link WAL_BACKENDS}: `annal-<backend>-strictly-once`
 * (the reader's place stored once per poll) and `annal-<backend>-at-least-once` (stored
 * every {@link AT_LEAST_ONCE_PERSIST_EVERY} records).
 *
 * @module
 */
import type { Consistency } from '@annal/wal';

import type { WalBackend } from '../../peers/annal-wal.js';
import {
  WAL_READ_BATCH_ENTRIES,
  createAnnalWalSource,
  describeConsistency,
} from '../../peers/read/annal-wal.js';
import { createBetterSqlite3Source } from '../../peers/read/better-sqlite3.js';
import { createClassicLevelSource } from '../../peers/read/classic-level.js';
import { createFramedFileSource, READ_CHUNK_BYTES } from '../../peers/read/framed-file-read.js';
import { createLmdbSource } from '../../peers/read/lmdb.js';
import type { Implementation, Scenario, Suite } from '../../suite.js';
import { readImplementation, type ReadCounts, type RecordSize } from '../core/shared.js';
import { WAL_BACKENDS } from './backends.js';

/** How often the at-least-once rows store a reader's place, in records (every 5th batch). */
export const AT_LEAST_ONCE_PERSIST_EVERY = 10_000;

/** A record size of `wal/read` and how many records a round reads at it. */
interface WalReadSize extends RecordSize {
  readonly counts: ReadCounts;
}

/** 64 MiB of payload per round at 64 B, 256 MiB at 1 KiB; a smoke run reads 1/16 of that. */
export const WAL_READ_SIZES = [
  { label: '64B', payloadBytes: 64, counts: { full: 1_048_576, smoke: 65_536 } },
  { label: '1KiB', payloadBytes: 1024, counts: { full: 262_144, smoke: 16_384 } },
] as const satisfies readonly WalReadSize[];

const CONSISTENCIES: readonly { readonly suffix: string; readonly consistency: Consistency }[] = [
  { suffix: 'strictly-once', consistency: 'strictly-once' },
  {
    suffix: 'at-least-once',
    consistency: { atLeastOnce: { persistEvery: AT_LEAST_ONCE_PERSIST_EVERY } },
  },
];

function annalRows(size: WalReadSize, backends: readonly WalBackend[]): Implementation[] {
  return backends.flatMap((backend) =>
    CONSISTENCIES.map(({ suffix, consistency }) =>
      readImplementation(
        `annal-${backend}-${suffix}`,
        'annal',
        `@annal/wal Wal.open(directory, { backend: '${backend}', consistency: ${describeConsistency(consistency)} }): wal.reader(topic, { name }).poll(handler, ${WAL_READ_BATCH_ENTRIES}) until 0, the handler reading the flyweight in place`,
        size,
        size.counts,
        (count, template) => createAnnalWalSource(backend, consistency, count, template),
        consistency === 'strictly-once'
          ? 'the named reader’s place is stored (its slot’s two checksummed copies) once per poll, before its first handler call'
          : `the named reader’s place is stored every ${AT_LEAST_ONCE_PERSIST_EVERY} records`,
      ),
    ),
  );
}

function peerRows(size: WalReadSize): Implementation[] {
  return [
    readImplementation(
      'framed-file-read',
      'peer',
      `plain Node: u32-length-framed file, fs.readSync into one reused ${READ_CHUNK_BYTES / 1024 / 1024} MiB Buffer, frames parsed in place`,
      size,
      size.counts,
      createFramedFileSource,
      'file written by the 64 KiB batched writeSync; one pread per MiB; length and sequence number read through a DataView, no per-record allocation or copy',
    ),
    readImplementation(
      'lmdb-get-range',
      'peer',
      'lmdb 3.5.6: for…of over getRange() (cursor walk in one read transaction), uint32 keys, binary values',
      size,
      size.counts,
      createLmdbSource,
      "filled with putSync in synchronous transactions of 65,536 (noSync); each entry is a { key, value } object with the value copied into a Buffer (lmdb-js's getRange); key, length and sequence number checked",
    ),
    readImplementation(
      'better-sqlite3-iterate',
      'peer',
      'better-sqlite3 12.11.1 (SQLite 3.53.2): prepared SELECT id, payload FROM log ORDER BY id, .raw().iterate()',
      size,
      size.counts,
      createBetterSqlite3Source,
      'WAL mode, filled with synchronous=OFF in transactions of 65,536; each row an [id, Buffer] array; id, length and sequence number checked',
    ),
    readImplementation(
      'classic-level-iterator',
      'peer',
      'classic-level 3.0.0 (LevelDB): for await (const [key, value] of db.iterator())',
      size,
      size.counts,
      createClassicLevelSource,
      'filled with chained batches of 1,000 puts (no sync); 8-byte BE keys, Buffer values; key, length and sequence number checked',
    ),
  ];
}

/** The `wal/read` scenarios: annal rows for `backends` first, then the peers. */
export function buildWalReadScenarios(backends: readonly WalBackend[] = WAL_BACKENDS): Scenario[] {
  return WAL_READ_SIZES.map((size): Scenario => ({
    id: size.label,
    description: `read a filled topic of ${size.payloadBytes}-byte entries front to back`,
    payloadBytes: size.payloadBytes,
    implementations: [...annalRows(size, backends), ...peerRows(size)],
  }));
}

/** Sequential reads with named readers: annal's wal (per backend) against the peers. */
export const walReadSuite: Suite = {
  id: 'wal/read',
  title: 'Write-ahead log sequential read',
  tags: ['wal', 'read', 'persistent'],
  scenarios: buildWalReadScenarios(),
};
