/**
 * Random access by index: `reader.seek(index)` then `next()` on a queue of 2^20 records of 64 B,
 * against lmdb's `get(key)` on the same records keyed by sequence number. Each operation picks
 * the next index of a fixed pseudo-random permutation, reads the record and checks its sequence
 * number, so a wrong seek fails the row. The queue's seek is an index lookup (two levels) and a
 * scan of at most `indexSpacing` − 1 frames (FAST_DAILY: 64).
 *
 * @module
 */
import { createFilledQueue } from '../../peers/read/annal-core.js';
import { fillStore } from '../../peers/read/lmdb.js';
import { openLmdbRecordStore } from '../../peers/append/lmdb.js';
import { createRecordTemplate, readSequence } from '../../peers/records.js';
import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import type { Implementation, Scenario, TimedMeasurement } from '../../suite.js';

const RECORDS = 1 << 20;
const PAYLOAD_BYTES = 64;
/** Seeks per sample: tens of microseconds of work. */
const SEEKS_PER_SAMPLE = 100;

/** A fixed permutation of 0…count-1 (xorshift-driven Fisher–Yates), so every row seeks alike. */
function permutation(count: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let k = 0; k < count; k++) order[k] = k;
  let state = 0x9e3779b9;
  for (let k = count - 1; k > 0; k--) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = (state >>> 0) % (k + 1);
    const swap = order[k] as number;
    order[k] = order[j] as number;
    order[j] = swap;
  }
  return order;
}

/**
 * A timed measurement that reads the record of each index of a fixed random permutation in
 * turn, through `read` (which returns the sequence number it found there), and checks it.
 */
function randomReads(
  read: (k: number) => number | undefined,
  teardown: () => void | Promise<void>,
  notes: string,
): TimedMeasurement {
  const order = permutation(RECORDS);
  let cursor = 0;
  return {
    kind: 'timed',
    callsPerSample: SEEKS_PER_SAMPLE,
    operation: () => {
      const k = order[cursor] as number;
      cursor = (cursor + 1) & (RECORDS - 1);
      const found = read(k);
      if (found !== k) throw new Error(`reading record ${k} found record ${String(found)}`);
    },
    teardown,
    notes: `2^20 records of 64 B; batch of ${SEEKS_PER_SAMPLE} reads per sample; ${notes}`,
  };
}

const annalSeek: Implementation = {
  id: 'annal',
  role: 'annal',
  description:
    '@annal/core reader.seek(firstIndex + k) then next(): index lookup and a bounded scan, zero-copy read',
  create(): TimedMeasurement {
    const { directory, queue } = createFilledQueue(RECORDS, createRecordTemplate(PAYLOAD_BYTES));
    const reader = queue.reader();
    const first = reader.toStart().next()?.index ?? 0;
    return randomReads(
      (k) => {
        const record = reader.seek(first + k) ? reader.next() : undefined;
        return record === undefined ? undefined : readSequence(record.buffer, record.offset);
      },
      () => {
        queue.close();
        removeTemporaryDirectory(directory);
      },
      'FAST_DAILY: an index entry every 64 records',
    );
  },
};

const lmdbGet: Implementation = {
  id: 'lmdb-get',
  role: 'peer',
  description:
    'lmdb 3.5.6: getBinary(key) on uint32 keys = sequence numbers (a B-tree lookup; the value copied into a Buffer)',
  async create(): Promise<TimedMeasurement> {
    const directory = createTemporaryDirectory();
    const { store, notes } = await openLmdbRecordStore(directory);
    fillStore(store, RECORDS, createRecordTemplate(PAYLOAD_BYTES));
    return randomReads(
      (k) => store.getBinary(k)?.readUInt32LE(0),
      async () => {
        await store.close();
        removeTemporaryDirectory(directory);
      },
      notes,
    );
  },
};

/** The `seek-64B` scenario of `core/read`. */
export const seekScenario: Scenario = {
  id: 'seek-64B',
  description: 'random access: read the record with a given index (or key), 2^20 records of 64 B',
  payloadBytes: PAYLOAD_BYTES,
  implementations: [annalSeek, lmdbGet],
};
