/**
 * Several appenders on one queue (`queue.appender({ shared: true })`), and what serialising
 * them costs: the rows the shared-appenders ADR rests on
 * (docs/decisions/2026-11-22-core-shared-appenders.md).
 *
 * - `64B`: worker threads append 64 B records to one queue; each sample is one round's mean ns
 *   per record over all of them (from "go" until every thread reports its share appended).
 *   After the rounds the queue is read back: every producer's records must be there once, in its
 *   order, byte for byte. Rows: one exclusive appender (no lock per record), one shared
 *   appender (the lock uncontended), two shared appenders in two threads (contended).
 * - `lock-pair`: the two ways to serialise appenders the issue names, alone: a CAS and a release
 *   store of a word in a mapped page, against an OFD lock and unlock (two `fcntl` calls).
 *
 * @module
 */
import { join } from 'node:path';

import { Queue } from '@annal/core';
import { MappedFile, NativeFile } from '@annal/native';
import { getBinding } from '@annal/native/internal';

import {
  ControlledWorker,
  checkDone,
  measureCrossThread,
  workerScript,
  type CrossThreadRig,
} from '../../cross-thread.js';
import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import type { Implementation, Suite, TimedMeasurement } from '../../suite.js';

const PAYLOAD_BYTES = 64;
/** Records per round over all threads: 64 B × 4 M = 256 MiB of payload per round. */
const COUNTS = { full: 4_000_000, smoke: 40_000 };
/** Lock pairs per sample (CAS: ~20 µs of work; OFD: ~50 µs). */
const CAS_PAIRS_PER_SAMPLE = 1000;
const OFD_PAIRS_PER_SAMPLE = 100;

/** Reads the whole queue: each producer's sequences 0, 1, … in order, ids in byte 4. */
function verifyProducers(directory: string, producers: number, perProducer: number): void {
  using queue = Queue.open(directory, { readOnly: true });
  const reader = queue.reader();
  const next = new Array<number>(producers).fill(0);
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    const bytes = record.buffer;
    const at = record.offset;
    const producer = bytes[at + 4] ?? -1;
    const sequence =
      ((bytes[at] ?? 0) |
        ((bytes[at + 1] ?? 0) << 8) |
        ((bytes[at + 2] ?? 0) << 16) |
        ((bytes[at + 3] ?? 0) << 24)) >>>
      0;
    if (record.length !== PAYLOAD_BYTES || next[producer] !== sequence) {
      throw new Error(
        `record ${record.index}: producer ${producer} sequence ${sequence}, expected ${next[producer]}`,
      );
    }
    next[producer] = sequence + 1;
  }
  reader.close();
  for (const [producer, count] of next.entries()) {
    if (count !== perProducer) {
      throw new Error(`producer ${producer}: ${count} records read back, ${perProducer} appended`);
    }
  }
}

async function startAppenders(threads: number, shared: boolean): Promise<CrossThreadRig> {
  const directory = createTemporaryDirectory();
  Queue.open(directory).close();
  const workers = Array.from(
    { length: threads },
    (_, producerId) =>
      new ControlledWorker(workerScript('core-shared-appender.mjs'), {
        directory,
        producerId,
        payloadBytes: PAYLOAD_BYTES,
        shared,
      }),
  );
  await Promise.all(workers.map((worker) => worker.next('ready')));
  let perProducer = 0;
  return {
    async runRound(count: number) {
      const share = Math.floor(count / threads);
      for (const worker of workers) worker.startRound(share);
      const done = await Promise.all(workers.map((worker) => worker.next('done')));
      for (const message of done) checkDone(message, share);
      perProducer += share;
      return { received: share * threads };
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
      try {
        verifyProducers(directory, threads, perProducer);
      } finally {
        removeTemporaryDirectory(directory);
      }
    },
  };
}

function appenderRow(id: string, threads: number, shared: boolean, what: string): Implementation {
  return {
    id,
    role: 'annal',
    description: what,
    create: () =>
      measureCrossThread(
        () => startAppenders(threads, shared),
        COUNTS,
        PAYLOAD_BYTES,
        `${threads} thread(s), each its own Queue and appender({ shared: ${String(shared)} }); FAST_DAILY, 64 MiB blocks, no sync; read back and checked after the rounds`,
      ),
  };
}

const casPair: Implementation = {
  id: 'cas-lock-pair',
  role: 'limit',
  description:
    'Atomics.compareExchange(word, 0, 1) then Atomics.store(word, 0) on an Int32Array over a mapped page: the shared appenders lock, uncontended',
  create(): TimedMeasurement {
    const directory = createTemporaryDirectory();
    const page = MappedFile.create(join(directory, 'lock-word'), { lengthBytes: 4096 });
    const words = new Int32Array(page.buffer);
    return {
      kind: 'timed',
      callsPerSample: CAS_PAIRS_PER_SAMPLE,
      operation: () => {
        if (Atomics.compareExchange(words, 19, 0, 1) !== 0) throw new Error('lock word was held');
        Atomics.store(words, 19, 0);
      },
      teardown: () => {
        page.close();
        removeTemporaryDirectory(directory);
      },
      notes: `batch of ${CAS_PAIRS_PER_SAMPLE} pairs per sample`,
    };
  },
};

const ofdPair: Implementation = {
  id: 'ofd-lock-pair',
  role: 'limit',
  description:
    'fcntl(F_OFD_SETLK) then fcntl(F_UNLCK) of one byte of a lock file (through the addon): an OFD lock per append, uncontended',
  create(): TimedMeasurement {
    const directory = createTemporaryDirectory();
    const file = NativeFile.open(join(directory, 'appender.lock'), { create: true, mode: 0o644 });
    const binding = getBinding();
    const fd = file.fd;
    return {
      kind: 'timed',
      callsPerSample: OFD_PAIRS_PER_SAMPLE,
      operation: () => {
        if (!binding.tryLock(fd, true, 1, 1)) throw new Error('lock byte was held');
        binding.unlock(fd, 1, 1);
      },
      teardown: () => {
        file.close();
        removeTemporaryDirectory(directory);
      },
      notes: `batch of ${OFD_PAIRS_PER_SAMPLE} pairs per sample`,
    };
  },
};

/** The `core/shared` suite. */
export const coreSharedSuite: Suite = {
  id: 'core/shared',
  title: '@annal/core: shared appenders, and the cost of serialising appenders',
  tags: ['core', 'annal', 'shared'],
  scenarios: [
    {
      id: '64B',
      description: 'threads appending 64 B records to one queue; ns per record over all threads',
      payloadBytes: PAYLOAD_BYTES,
      implementations: [
        appenderRow(
          'annal-exclusive-1t',
          1,
          false,
          'one thread, the exclusive appender (no lock per record)',
        ),
        appenderRow(
          'annal-shared-1t',
          1,
          true,
          'one thread, a shared appender (append lock taken and released per record, uncontended)',
        ),
        appenderRow(
          'annal-shared-2t',
          2,
          true,
          'two threads, a shared appender each, appending at once (the lock contended)',
        ),
      ],
    },
    {
      id: 'lock-pair',
      description: 'one lock + unlock, uncontended: what serialising appenders costs per record',
      payloadBytes: 0,
      implementations: [casPair, ofdPair],
    },
  ],
};
