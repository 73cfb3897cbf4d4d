/**
 * Reading 64 B records from a persistent store: what a Node user would use instead of
 * `@annal/core`'s reader (the read-back peers of RESULTS.md section d).
 *
 * - `64B`: sequential, front to back. Setup fills the store (untimed); every round then reads
 *   all N records in order and checks each one's length and sequence number; see `shared.ts`.
 * - `seek-64B`: random access by index (`seek.ts`).
 *
 * @module
 */
import { createAnnalCoreSource } from '../../peers/read/annal-core.js';
import { createFramedFileSource, READ_CHUNK_BYTES } from '../../peers/read/framed-file-read.js';
import { createLmdbSource } from '../../peers/read/lmdb.js';
import type { Implementation, Scenario, Suite } from '../../suite.js';
import { seekScenario } from './seek.js';
import { readImplementation, type ReadCounts, type RecordSize } from './shared.js';

/** The one record size of `core/read`. */
export const READ_SIZE = { label: '64B', payloadBytes: 64 } as const satisfies RecordSize;

/** Records per round: 2^20 as in RESULTS.md (1M), 2^16 in a smoke run (which fills less). */
export const READ_COUNTS: ReadCounts = { full: 1_048_576, smoke: 65_536 };

/** The annal rows of the `64B` scenario, listed before the peers. */
export const annalReadImplementations: readonly Implementation[] = (['off', 'crc32c'] as const).map(
  (checksums) =>
    readImplementation(
      checksums === 'off' ? 'annal' : 'annal-crc32c',
      'annal',
      `@annal/core Queue reader: next() over the mapped file, zero-copy, checksums ${checksums}`,
      READ_SIZE,
      READ_COUNTS,
      (count, template) => createAnnalCoreSource(count, template, checksums),
      'a Reader positioned with toStart() each round',
    ),
);

/** The `core/read` scenarios, with `extra` rows first and then the peers. */
export function buildReadScenarios(extra: readonly Implementation[] = []): Scenario[] {
  return [
    {
      id: READ_SIZE.label,
      description: `read ${READ_SIZE.payloadBytes}-byte records sequentially from a filled persistent store`,
      payloadBytes: READ_SIZE.payloadBytes,
      implementations: [
        ...extra,
        readImplementation(
          'framed-file-read',
          'peer',
          `plain Node: u32-length-framed file, fs.readSync into one reused ${READ_CHUNK_BYTES / 1024 / 1024} MiB Buffer, frames parsed in place`,
          READ_SIZE,
          READ_COUNTS,
          createFramedFileSource,
          'file written by the 64 KiB batched writeSync (68 B per record); one pread per MiB; length and sequence number read through a DataView, no per-record allocation',
        ),
        readImplementation(
          'lmdb-get-range',
          'peer',
          'lmdb 3.5.6: for…of over getRange() (cursor walk in one read transaction), uint32 keys, binary values',
          READ_SIZE,
          READ_COUNTS,
          createLmdbSource,
          "filled with putSync in synchronous transactions of 65,536 (noSync); each entry is a { key, value } object with the value copied into a Buffer (lmdb-js's getRange); key, length and sequence number checked",
        ),
      ],
    },
  ];
}

/** Sequential and random reads: annal's queue against the peers of RESULTS.md d). */
export const coreReadSuite: Suite = {
  id: 'core/read',
  title: 'Sequential read of a persistent store',
  tags: ['core', 'read', 'persistent'],
  scenarios: [...buildReadScenarios(annalReadImplementations), seekScenario],
};
