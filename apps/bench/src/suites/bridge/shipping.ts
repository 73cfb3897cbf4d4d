/**
 * The two ways to get records into JetStream that the bridge suite compares, each against a
 * fresh local nats-server and stream, with the same client (`@nats-io/jetstream` 3.3.1) and the
 * same window of unacknowledged messages:
 *
 * - `bridge`: the application appends to an `@annal/core` queue (`appendSync`); a `BridgeOut`
 *   in the same process ships it (message ids, chained expectations, named reader);
 * - `direct`: the application publishes each message itself (`js.publish` with a message id),
 *   keeping at most the same number unacknowledged.
 *
 * Throughput: one round ships N records already appended (bridge) or publishes N (direct), timed
 * until the last acknowledgement; a sample is one round's mean ns per record. Lag: the writer
 * appends (or publishes) bursts of records on a 1 ms timer, below what either sustains; a sample
 * is one record's time from append (or publish) to JetStream's acknowledgement.
 *
 * @module
 */
import { Queue } from '@annal/core';
import { BridgeOut } from '@annal/bridge-nats';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import type { MeasureBudget } from '../../measure-budget.js';
import { startNatsServer, type LocalNatsServer } from '../../peers/bridge/nats-server.js';
import { createRecordTemplate, stampSequence } from '../../peers/records.js';
import type { SelfTimedMeasurement } from '../../suite.js';

/** The window of unacknowledged messages, for both. */
export const WINDOW = 256;
const SMOKE_THRESHOLD_MS = 1000;
const MAXIMUM_ROUNDS = 5;

/** Which way records go to JetStream. */
export type Way = 'bridge' | 'direct';

interface Stand {
  readonly server: LocalNatsServer;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  round: number;
}

async function standUp(): Promise<Stand> {
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'BENCH', subjects: ['bench.>'] });
  return { server, nc, js: jetstream(nc), round: 0 };
}

async function tearDown(stand: Stand | undefined): Promise<void> {
  if (stand === undefined) return;
  await stand.nc.close();
  await stand.server.stop();
}

/** Publishes `count` records directly with at most WINDOW unacknowledged; resolves at the last ack. */
function publishDirect(
  js: JetStreamClient,
  subject: string,
  message: Buffer,
  count: number,
  onAck?: (sequence: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acknowledged = 0;
    let inFlight = 0;
    const pump = (): void => {
      while (inFlight < WINDOW && sent < count) {
        const sequence = sent++;
        stampSequence(message, sequence);
        inFlight++;
        // A copy: the client keeps a reference until it writes, and the template is reused.
        js.publish(subject, new Uint8Array(message), { msgID: `direct:${sequence}` }).then(() => {
          inFlight--;
          acknowledged++;
          onAck?.(sequence);
          if (acknowledged === count) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
}

/** Ships `count` records appended beforehand; resolves when the bridge has them all acknowledged. */
async function shipWithBridge(
  url: string,
  subject: string,
  message: Buffer,
  count: number,
): Promise<void> {
  const directory = createTemporaryDirectory();
  const queue = Queue.open(directory);
  const appender = queue.appender();
  try {
    for (let sequence = 0; sequence < count; sequence++) {
      stampSequence(message, sequence);
      appender.appendSync(message);
    }
    const bridge = await BridgeOut.open({
      url,
      source: { queue },
      stream: 'BENCH',
      subject,
      origin: subject.replaceAll('.', '-'),
      maxInFlight: WINDOW,
    });
    await bridge.caughtUp();
    const { acknowledged } = bridge.metrics();
    await bridge.close();
    if (acknowledged !== count) throw new Error(`bridge acknowledged ${acknowledged} of ${count}`);
  } finally {
    appender.close();
    queue.close();
    removeTemporaryDirectory(directory);
  }
}

/** Records per second sustained from a local log (bridge) or an application (direct). */
export function measureShipping(
  way: Way,
  messageBytes: number,
  counts: { full: number; smoke: number },
  notes: string,
): SelfTimedMeasurement {
  let stand: Stand | undefined;
  let resultNotes = 'not measured';
  return {
    kind: 'self-timed',
    async measure(budget: MeasureBudget): Promise<readonly number[]> {
      const count = budget.timeMs < SMOKE_THRESHOLD_MS ? counts.smoke : counts.full;
      stand = await standUp();
      const message = createRecordTemplate(messageBytes);
      const round = async (size: number): Promise<void> => {
        const subject = `bench.${way}.${stand?.round ?? 0}`;
        if (stand !== undefined) stand.round++;
        if (way === 'direct') await publishDirect((stand as Stand).js, subject, message, size);
        else await shipWithBridge((stand as Stand).server.url, subject, message, size);
      };
      await round(Math.max(1, Math.floor(count / 4))); // warm-up
      const perRecordNs: number[] = [];
      const started = performance.now();
      do {
        const start = process.hrtime.bigint();
        await round(count);
        perRecordNs.push(Number(process.hrtime.bigint() - start) / count);
      } while (perRecordNs.length < MAXIMUM_ROUNDS && performance.now() - started < budget.timeMs);
      const sorted = [...perRecordNs].sort((a, b) => a - b);
      const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
      resultNotes = `${stand.server.version}; N = ${count} records per round, ${perRecordNs.length} round(s) after a warm-up of N/4; ${Math.round(1e9 / median)} records/s (median round)`;
      return perRecordNs;
    },
    teardown: () => tearDown(stand),
    get notes(): string {
      return `${notes}; ${resultNotes}`;
    },
  };
}

/** Append (or publish) → acknowledgement latency at a steady rate below both ways' capacity. */
export function measureLag(
  way: Way,
  messageBytes: number,
  counts: { full: number; smoke: number },
  notes: string,
): SelfTimedMeasurement {
  let stand: Stand | undefined;
  let resultNotes = 'not measured';
  const BURST = 4;
  return {
    kind: 'self-timed',
    async measure(budget: MeasureBudget): Promise<readonly number[]> {
      const count = budget.timeMs < SMOKE_THRESHOLD_MS ? counts.smoke : counts.full;
      stand = await standUp();
      const message = createRecordTemplate(messageBytes);
      const appendedAt = new Float64Array(count);
      const latencies: number[] = [];
      const subject = `bench.lag.${way}`;
      if (way === 'direct') {
        // The application publishes each burst as it would produce it; no queue in between.
        const js = stand.js;
        let produced = 0;
        await new Promise<void>((resolve, reject) => {
          const tick = (): void => {
            const end = Math.min(produced + BURST, count);
            const from = produced;
            for (; produced < end; produced++) appendedAt[produced] = performance.now();
            const burst = end - from;
            let acked = 0;
            for (let sequence = from; sequence < end; sequence++) {
              stampSequence(message, sequence);
              js.publish(subject, new Uint8Array(message), { msgID: `lag:${sequence}` }).then(
                () => {
                  latencies.push((performance.now() - (appendedAt[sequence] as number)) * 1e6);
                  if (++acked === burst && end === count) resolve();
                },
                reject,
              );
            }
            if (produced < count) setTimeout(tick, 1);
          };
          tick();
        });
      } else {
        const directory = createTemporaryDirectory();
        const queue = Queue.open(directory);
        const appender = queue.appender();
        const indexes: number[] = [];
        const bridge = await BridgeOut.open({
          url: stand.server.url,
          source: { queue },
          stream: 'BENCH',
          subject,
          origin: 'lag',
          maxInFlight: WINDOW,
        });
        let next = 0;
        bridge.on('acknowledged', (through) => {
          const now = performance.now();
          while (next < indexes.length && (indexes[next] as number) <= through) {
            latencies.push((now - (appendedAt[next] as number)) * 1e6);
            next++;
          }
        });
        let produced = 0;
        await new Promise<void>((resolve) => {
          const tick = (): void => {
            const end = Math.min(produced + BURST, count);
            for (; produced < end; produced++) {
              stampSequence(message, produced);
              appendedAt[produced] = performance.now();
              indexes.push(appender.appendSync(message));
            }
            if (produced < count) setTimeout(tick, 1);
            else resolve();
          };
          tick();
        });
        await bridge.caughtUp();
        await bridge.close();
        appender.close();
        queue.close();
        removeTemporaryDirectory(directory);
      }
      if (latencies.length !== count)
        throw new Error(`${latencies.length} of ${count} acknowledged`);
      resultNotes = `${stand.server.version}; ${count} records in bursts of ${BURST} every 1 ms timer tick; each sample is one record's append → acknowledgement time`;
      return latencies;
    },
    teardown: () => tearDown(stand),
    get notes(): string {
      return `${notes}; ${resultNotes}`;
    },
  };
}
