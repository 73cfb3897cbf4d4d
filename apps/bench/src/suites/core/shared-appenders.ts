/**
 * Several appenders on one queue (`queue.appender({ shared: true })`), and what serialising
 * them costs: the rows the shared-appenders ADR rests on
 * (docs/decisions/2026-11-22-core-shared-appenders.md).
 *
 * - `64B`: worker threads append 64 B records to one queue, {@link COUNTS} records per round
 *   over all of them (2 M per producer of the two-producer rows); each sample is one round's
 *   mean ns per record over all threads (from "go" until every thread reports its share
 *   appended), so 10^9 / sample is the aggregate records/s. After the rounds the queue is read
 *   back: every producer's records must be there once, in its order, byte for byte. Rows: one
 *   exclusive appender appending all the records alone (no lock per record: the single-appender
 *   ceiling), one shared appender (the lock uncontended), two shared appenders in two threads
 *   (contended), and the peer a user builds otherwise: two producer threads into an
 *   `@annal/logbuf` MpscRing drained by a third thread into one exclusive appender.
 * - `lock-pair`: the two ways to serialise appenders the issue names, alone: a CAS and a release
 *   store of a word in a mapped page, against an OFD lock and unlock (two `fcntl` calls).
 *
 * @module
 */
import { join } from 'node:path';

import { Queue } from '@annal/core';
import { MpscRing } from '@annal/logbuf';
import { MappedFile, NativeFile } from '@annal/native';
import { getBinding } from '@annal/native/internal';

import {
  ControlledWorker,
  checkDone,
  measureCrossThread,
  startWorkerRig,
  workerScript,
  type CrossThreadRig,
} from '../../cross-thread.js';
import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { readSequence } from '../../peers/records.js';
import type { Implementation, Suite, TimedMeasurement } from '../../suite.js';
import { RING_BYTES } from '../logbuf/shared.js';

const PAYLOAD_BYTES = 64;
/** Records per round over all threads: 64 B × 4 M = 256 MiB of payload per round. */
const COUNTS = { full: 4_000_000, smoke: 40_000 };
/**
 * The CAS row's lock word: i32 index 19, byte 76 of the page, where a cycle file's header keeps
 * its append lock (`APPEND_LOCK_OFFSET` in packages/core/src/layout.ts, not exported).
 */
const LOCK_WORD_INDEX = 19;
/** Lock pairs per sample (CAS: ~20 µs of work; OFD: ~50 µs). */
const CAS_PAIRS_PER_SAMPLE = 1000;
const OFD_PAIRS_PER_SAMPLE = 100;

/** The payload producer `producerId` sends, as workers/common.mjs `makeTemplate` builds it. */
function producerTemplate(producerId: number): Uint8Array {
  const template = new Uint8Array(PAYLOAD_BYTES);
  for (let index = 0; index < PAYLOAD_BYTES; index++) template[index] = (index * 31 + 7) & 0xff;
  template[4] = producerId;
  return template;
}

/**
 * Reads the whole queue: every record must be one of a producer's, that producer's sequences
 * 0, 1, … in order (bytes 0–3, ids in byte 4), and the rest of its bytes the producer's
 * template; each producer's count must be `perProducer`.
 */
function verifyProducers(directory: string, producers: number, perProducer: number): void {
  using queue = Queue.open(directory, { readOnly: true });
  const reader = queue.reader();
  const next = new Array<number>(producers).fill(0);
  const templates = Array.from({ length: producers }, (_, producerId) =>
    producerTemplate(producerId),
  );
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    const bytes = record.buffer;
    const at = record.offset;
    const producer = bytes[at + 4] ?? -1;
    const template = templates[producer];
    const sequence = readSequence(bytes, at);
    if (template === undefined || record.length !== PAYLOAD_BYTES || next[producer] !== sequence) {
      throw new Error(
        `record ${record.index}: producer ${producer}, length ${record.length}, sequence ${sequence}, expected ${next[producer] ?? 'no such producer'}`,
      );
    }
    for (let index = 5; index < PAYLOAD_BYTES; index++) {
      if (bytes[at + index] !== template[index]) {
        throw new Error(`record ${record.index}: byte ${index} differs from the template`);
      }
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

function appenderRow(
  id: string,
  role: Implementation['role'],
  threads: number,
  shared: boolean,
  what: string,
): Implementation {
  return {
    id,
    role,
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

/** Producers in the `mpsc-then-exclusive` row. */
const MPSC_PRODUCERS = 2;

/**
 * Two producer workers into an MpscRing, one consumer worker draining it into the queue's one
 * exclusive appender (`workers/core-mpsc-archiver.mjs`); the queue is read back on close.
 */
async function startMpscThenExclusive(): Promise<CrossThreadRig> {
  const directory = createTemporaryDirectory();
  let rig: CrossThreadRig;
  try {
    Queue.open(directory).close();
    rig = await startWorkerRig(
      workerScript('core-mpsc-archiver.mjs'),
      MPSC_PRODUCERS,
      PAYLOAD_BYTES,
      { buffer: MpscRing.allocate(RING_BYTES), directory },
    );
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  let perProducer = 0;
  return {
    async runRound(count: number) {
      const outcome = await rig.runRound(count);
      perProducer += Math.floor(count / MPSC_PRODUCERS);
      return outcome;
    },
    async close() {
      await rig.close();
      try {
        verifyProducers(directory, MPSC_PRODUCERS, perProducer);
      } finally {
        removeTemporaryDirectory(directory);
      }
    },
  };
}

const mpscThenExclusive: Implementation = {
  id: 'mpsc-then-exclusive',
  role: 'peer',
  description: `what a user builds without shared appenders: two producer threads tryClaim + write + commit into an @annal/logbuf MpscRing (${RING_BYTES / (1024 * 1024)} MiB), one consumer thread reads it (poll(…, 1024), IdleStrategy) into the queue's one exclusive appender`,
  create: () =>
    measureCrossThread(
      startMpscThenExclusive,
      COUNTS,
      PAYLOAD_BYTES,
      `${MPSC_PRODUCERS} producer threads → MpscRing → 1 consumer thread: appender.append(ring view) per record (one copy, ring → mapped file); FAST_DAILY, 64 MiB blocks, no sync; a round ends when the consumer has appended every record; three busy threads share this machine's 2 vCPUs; read back and checked after the rounds`,
    ),
};

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
        if (Atomics.compareExchange(words, LOCK_WORD_INDEX, 0, 1) !== 0) {
          throw new Error('lock word was held');
        }
        Atomics.store(words, LOCK_WORD_INDEX, 0);
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
      description:
        'threads appending 64 B records to one queue; ns per record over all threads (10^9 / it = aggregate records/s)',
      payloadBytes: PAYLOAD_BYTES,
      implementations: [
        appenderRow(
          'annal-exclusive-1t',
          'limit',
          1,
          false,
          'one thread appends all the records (2× a producer of the two-thread rows) with the exclusive appender: no lock per record, the single-appender ceiling',
        ),
        appenderRow(
          'annal-shared-1t',
          'annal',
          1,
          true,
          'one thread, a shared appender (append lock taken and released per record, uncontended)',
        ),
        appenderRow(
          'annal-shared-2t',
          'annal',
          2,
          true,
          'two threads, each its own Queue.open and appender({ shared: true }), appending at once (the lock contended)',
        ),
        mpscThenExclusive,
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
