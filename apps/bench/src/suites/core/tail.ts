/**
 * Cross-process tail latency: a child process appends 64-byte records stamped with
 * `process.hrtime` (CLOCK_MONOTONIC, shared by all processes), spaced so the reader is idle when
 * each arrives; this process reads them and records arrival − stamp per record. Rows: annal's
 * reader busy-polling `next()`, annal's reader sleeping in `waitNext()` (a futex in the mapped
 * header), and what a Node user would do without a shared queue — the writer's stdout pipe,
 * read by this process's event loop.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

import { Queue } from '@annal/core';

import { workerScript } from '../../cross-thread.js';
import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import type { MeasureBudget } from '../../measure-budget.js';
import type { Implementation, SelfTimedMeasurement, Suite } from '../../suite.js';

/** Messages per run: enough for a p99 (full), a handful in a smoke run. */
const COUNTS = { full: 20_000, smoke: 500 };
/** Microseconds between messages: long enough for a futex waiter to fall asleep. */
const GAP_MICROS = 200;

type Mode = 'busy-poll' | 'futex' | 'futex-sync' | 'pipe';

interface Writer {
  readonly child: ChildProcess;
  readonly stdin: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream;
}

function startWriter(mode: Mode, directory: string, count: number): Writer {
  const child = spawn(
    process.execPath,
    [
      workerScript('core-tail-writer.mjs').pathname,
      mode === 'pipe' ? 'pipe' : 'queue',
      directory,
      String(count),
      String(GAP_MICROS),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const { stdin, stdout } = child;
  if (stdin === null || stdout === null) throw new Error('the writer has no stdin or stdout');
  return { child, stdin, stdout };
}

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

async function measureTail(mode: Mode, budget: MeasureBudget): Promise<number[]> {
  const count = budget.timeMs < 1000 ? COUNTS.smoke : COUNTS.full;
  const directory = createTemporaryDirectory();
  // The queue exists (with its first file) before the reader opens it.
  if (mode !== 'pipe') {
    const setup = Queue.open(directory);
    setup.appender();
    setup.close();
  }
  const writer = startWriter(mode, directory, count);
  const latencies: number[] = [];
  try {
    const lines = createInterface({ input: writer.stdout });
    const iterator = lines[Symbol.asyncIterator]();
    const ready = await iterator.next();
    if (ready.value !== 'ready') throw new Error(`writer said ${String(ready.value)}`);
    if (mode === 'pipe') {
      writer.stdin.write('go\n');
      for (let line = await iterator.next(); !line.done; line = await iterator.next()) {
        latencies.push(nowNs() - Number(line.value));
        if (latencies.length === count) break;
      }
    } else {
      using queue = Queue.open(directory);
      const reader = queue.reader().toEnd();
      writer.stdin.write('go\n');
      const view = new DataView(new ArrayBuffer(8));
      while (latencies.length < count) {
        let record = reader.next();
        if (record === undefined) {
          if (mode === 'futex') await reader.waitNext({ timeoutMs: 10_000 });
          else if (mode === 'futex-sync') reader.waitNextSync({ timeoutMs: 10_000 });
          continue;
        }
        const arrived = nowNs();
        for (; record !== undefined; record = reader.next()) {
          for (let i = 0; i < 8; i++) view.setUint8(i, record.buffer[record.offset + i] ?? 0);
          latencies.push(arrived - Number(view.getBigUint64(0, true)));
        }
      }
    }
  } finally {
    writer.child.kill();
    removeTemporaryDirectory(directory);
  }
  // The first messages include the writer's warm-up (JIT, page faults): drop the first 5 %.
  return latencies.slice(Math.floor(latencies.length / 20));
}

function implementation(
  id: string,
  role: Implementation['role'],
  mode: Mode,
  description: string,
  notes: string,
): Implementation {
  return {
    id,
    role,
    description,
    create(): SelfTimedMeasurement {
      return {
        kind: 'self-timed',
        measure: (budget) => measureTail(mode, budget),
        notes: `${notes}; ${COUNTS.full} messages (${COUNTS.smoke} in a smoke run) ${GAP_MICROS} µs apart, first 5 % dropped as warm-up; each sample is one message's latency (stamp in the writer → seen by the reader)`,
      };
    },
  };
}

/** The cross-process tail-latency suite. */
export const coreTailSuite: Suite = {
  id: 'core/tail',
  title: 'Cross-process tail latency',
  tags: ['core', 'latency', 'tail'],
  scenarios: [
    {
      id: '64B',
      description: 'a record appended in one process, seen by a reader in another',
      payloadBytes: 64,
      implementations: [
        implementation(
          'annal-busy-poll',
          'annal',
          'busy-poll',
          '@annal/core reader.next() in a busy loop (one core spins)',
          'the reader spins on next(); the writer is another node process',
        ),
        implementation(
          'annal-futex',
          'annal',
          'futex',
          '@annal/core await reader.waitNext(): sleeps on the futex word in the mapped header, woken by the appender',
          'the appender wakes only when a reader waits (one extra atomic add + FUTEX_WAKE per commit then)',
        ),
        implementation(
          'annal-futex-sync',
          'annal',
          'futex-sync',
          '@annal/core reader.waitNextSync(): blocks the thread in the futex wait (for reader workers)',
          'no Promise and no event-loop turn after the wake-up',
        ),
        implementation(
          'pipe',
          'peer',
          'pipe',
          "the writer's stdout pipe, one line per message, read through the event loop (readline)",
          'what a Node user has without shared memory: no persistence, just the notification',
        ),
      ],
    },
  ],
};
