/**
 * Issue target 2: sustained archiving throughput. One round records N messages of 128 B (each
 * stamped with its u32 sequence number) as fast as the traffic thread can, in bursts of 2,048
 * with one event-loop turn between bursts (as messages arrive from I/O callbacks), sleeping 1 ms
 * at a time between bursts while the recorder says its consumer is far behind; the round is timed from the
 * first record until `close()` resolves (archiver: the worker has drained the ring, synced and
 * closed the queue; pino: its transport has written every line and closed the file). Each
 * sample is one round's mean ns per message, over a fresh recorder and directory; a warm-up round
 * of N/8 in its own recorder comes first. The notes add the process's CPU time per message (all
 * threads: `process.cpuUsage()`), which says more than wall time when other work shares the
 * machine. After each round, untimed, the recorder checks that
 * every message reached the consumer.
 *
 * @module
 */
import { loadavg } from 'node:os';

import type { MeasureBudget } from '../../measure-budget.js';
import { createRecordTemplate, stampSequence } from '../../peers/records.js';
import type { SelfTimedMeasurement } from '../../suite.js';
import { disposeRecorder, nextTurn, sleep, type TrafficRecorder } from './traffic-recorder.js';

/** Messages recorded between two event-loop turns. */
const BURST = 2048;
/** Timed rounds at most, however much budget is left. */
const MAXIMUM_ROUNDS = 3;
/** Budgets shorter than this are smoke runs, which move fewer messages. */
const SMOKE_THRESHOLD_MS = 1000;

/** Messages per round, by whether the budget is a smoke run's. */
export interface RoundCounts {
  readonly full: number;
  readonly smoke: number;
}

async function produce(recorder: TrafficRecorder, message: Buffer, count: number): Promise<void> {
  const record = recorder.record;
  for (let sequence = 0; sequence < count;) {
    const end = Math.min(sequence + BURST, count);
    for (; sequence < end; sequence++) {
      stampSequence(message, sequence);
      record(message);
    }
    await nextTurn();
    while (recorder.isBehind()) await sleep(1);
  }
}

/** The self-timed throughput measurement of one recorder (see the module comment). */
export function measureThroughput(
  createRecorder: () => Promise<TrafficRecorder>,
  counts: RoundCounts,
  messageBytes: number,
  baseNotes: string,
): SelfTimedMeasurement {
  let recorder: TrafficRecorder | undefined;
  let resultNotes = 'not measured';
  return {
    kind: 'self-timed',
    async measure(budget: MeasureBudget): Promise<readonly number[]> {
      const count = budget.timeMs < SMOKE_THRESHOLD_MS ? counts.smoke : counts.full;
      const message = createRecordTemplate(messageBytes);
      recorder = await createRecorder();
      await produce(recorder, message, Math.max(1, Math.floor(count / 8)));
      await recorder.close();
      recorder.verify();
      recorder = undefined;

      const perMessageNs: number[] = [];
      const cpuNs: number[] = [];
      let verified = '';
      const started = performance.now();
      do {
        recorder = await createRecorder();
        const cpuStart = process.cpuUsage();
        const roundStart = process.hrtime.bigint();
        await produce(recorder, message, count);
        await recorder.close();
        perMessageNs.push(Number(process.hrtime.bigint() - roundStart) / count);
        const cpu = process.cpuUsage(cpuStart);
        cpuNs.push(((cpu.user + cpu.system) * 1e3) / count);
        verified = recorder.verify();
        recorder = undefined;
      } while (perMessageNs.length < MAXIMUM_ROUNDS && performance.now() - started < budget.timeMs);

      const sorted = [...perMessageNs].sort((a, b) => a - b);
      const medianNs = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
      const messagesPerSecond = 1e9 / medianNs;
      resultNotes = [
        `load average ${(loadavg()[0] ?? 0).toFixed(1)} (1 min, this run included) at the end`,
        `N = ${count} messages (${((count * messageBytes) / 2 ** 30).toFixed(3)} GiB of payload) per round, ${perMessageNs.length} timed round(s) after a warm-up round of N/8; each sample is one round's mean, timed from the first record until close() resolved`,
        `${(messagesPerSecond / 1e6).toFixed(3)} M msg/s, ${((messagesPerSecond * messageBytes) / 1e6).toFixed(1)} MB/s of payload (median round)`,
        `process CPU time (all threads) ${cpuNs.map((ns) => ns.toFixed(0)).join(', ')} ns per message by round`,
        `last round: ${verified}`,
      ].join('; ');
      return perMessageNs;
    },
    teardown: () => disposeRecorder(recorder),
    get notes(): string {
      return `${baseNotes}; ${resultNotes}`;
    },
  };
}
