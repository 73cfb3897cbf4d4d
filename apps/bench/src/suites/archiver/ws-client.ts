/**
 * Issue target 3: what archiving costs a real `ws` client on loopback at its maximum rate. A
 * server in a worker thread (workers/ws-push-server.mjs) pushes binary messages of 128 B as fast
 * as the socket takes them; the client, a plain ws 8 `WebSocket` on this thread, checks each
 * message's sequence number and hands it to the row's recorder in its 'message' handler (nothing,
 * the archiver, pino).
 *
 * A round is N messages, timed from the request to the server until the client has received all
 * N **and** the recorder's consumer has taken them all (the archiver's worker has archived them;
 * pino's worker has read every line), so a recorder cannot look cheap by leaving work queued on
 * the client's heap. Each sample is one round's mean time per message; a warm-up round of N/4
 * comes first, then at least 3 timed rounds (1 under `--smoke`), more while the budget lasts, at
 * most 5. The notes add the process's CPU time per message (all threads, `process.cpuUsage()`).
 *
 * @module
 */
import { Worker } from 'node:worker_threads';

import { WebSocket } from 'ws';

import { workerScript } from '../../cross-thread.js';
import { loadavg } from 'node:os';

import type { MeasureBudget } from '../../measure-budget.js';
import type { SelfTimedMeasurement } from '../../suite.js';
import { disposeRecorder, type TrafficRecorder } from './traffic-recorder.js';

const SMOKE_THRESHOLD_MS = 1000;
const MAXIMUM_ROUNDS = 5;
const MINIMUM_ROUNDS = { full: 3, smoke: 1 } as const;

/** Messages per round, by whether the budget is a smoke run's. */
export interface WsCounts {
  readonly full: number;
  readonly smoke: number;
}

/** A recorder for the baseline row: the client does nothing with the message. */
export function createNoRecorder(): Promise<TrafficRecorder> {
  return Promise.resolve({
    record: () => undefined,
    isBehind: () => false,
    caughtUp: () => Promise.resolve(),
    close: () => Promise.resolve(),
    verify: () => 'no recorder',
  });
}

interface PushServer {
  readonly worker: Worker;
  readonly port: number;
}

async function startServer(payloadBytes: number): Promise<PushServer> {
  const worker = new Worker(workerScript('ws-push-server.mjs'), { workerData: { payloadBytes } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { type: string; port: number }) => {
      worker.off('error', reject);
      resolve(message.port);
    });
  });
  return { worker, port };
}

/** The client: counts and checks messages of the current round, recording each. */
class CountingClient {
  readonly socket: WebSocket;
  #target = 0;
  #received = 0;
  #errors = 0;
  #firstError = '';
  #finish: (() => void) | undefined;

  constructor(port: number, recorder: TrafficRecorder) {
    this.socket = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const tapped = recorder.tapWebSocket !== undefined;
    recorder.tapWebSocket?.(this.socket);
    const record = recorder.record;
    this.socket.on('message', (data: Buffer) => {
      if (data.readUInt32LE(0) !== this.#received || data.length !== this.payloadBytes) {
        this.#errors++;
        if (this.#firstError === '')
          this.#firstError = `message ${this.#received}: length ${data.length}, sequence ${data.readUInt32LE(0)}`;
      }
      if (!tapped) record(data);
      if (++this.#received === this.#target) this.#finish?.();
    });
  }

  payloadBytes = 0;

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  /** Resolves once `count` messages have arrived; throws if any was wrong. */
  async receive(count: number, request: () => void): Promise<void> {
    this.#target = count;
    this.#received = 0;
    const all = new Promise<void>((resolve, reject) => {
      this.#finish = resolve;
      this.socket.once('close', () => reject(new Error('the server closed the connection')));
    });
    request();
    await all;
    if (this.#errors > 0) throw new Error(`${this.#errors} bad messages: ${this.#firstError}`);
  }
}

/** The self-timed measurement of the ws client with one recorder (see the module comment). */
export function measureWsClient(
  createRecorder: () => Promise<TrafficRecorder>,
  counts: WsCounts,
  payloadBytes: number,
  baseNotes: string,
): SelfTimedMeasurement {
  let recorder: TrafficRecorder | undefined;
  let server: PushServer | undefined;
  let client: CountingClient | undefined;
  let resultNotes = 'not measured';
  return {
    kind: 'self-timed',
    async measure(budget: MeasureBudget): Promise<readonly number[]> {
      const smoke = budget.timeMs < SMOKE_THRESHOLD_MS;
      const count = smoke ? counts.smoke : counts.full;
      const minimumRounds = smoke ? MINIMUM_ROUNDS.smoke : MINIMUM_ROUNDS.full;
      server = await startServer(payloadBytes);
      recorder = await createRecorder();
      client = new CountingClient(server.port, recorder);
      client.payloadBytes = payloadBytes;
      await client.opened();
      const activeServer = server;
      const activeClient = client;
      const activeRecorder = recorder;
      const round = async (
        messages: number,
      ): Promise<{ totalNs: number; receiveNs: number; cpuNs: number }> => {
        const cpuStart = process.cpuUsage();
        const started = process.hrtime.bigint();
        await activeClient.receive(messages, () => {
          activeServer.worker.postMessage({ type: 'round', count: messages });
        });
        const received = process.hrtime.bigint();
        await activeRecorder.caughtUp();
        const caughtUp = process.hrtime.bigint();
        const cpu = process.cpuUsage(cpuStart);
        return {
          cpuNs: ((cpu.user + cpu.system) * 1e3) / messages,
          totalNs: Number(caughtUp - started) / messages,
          receiveNs: Number(received - started) / messages,
        };
      };

      await round(Math.max(1, Math.floor(count / 4)));
      const totals: number[] = [];
      const receives: number[] = [];
      const cpus: number[] = [];
      const started = performance.now();
      do {
        const { totalNs, receiveNs, cpuNs } = await round(count);
        cpus.push(cpuNs);
        totals.push(totalNs);
        receives.push(receiveNs);
      } while (
        totals.length < minimumRounds ||
        (totals.length < MAXIMUM_ROUNDS && performance.now() - started < budget.timeMs)
      );
      activeClient.socket.terminate();
      await activeRecorder.close();
      const verified = activeRecorder.verify();
      recorder = undefined;

      const median = (values: number[]): number =>
        [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;
      const medianTotal = median(totals);
      const medianReceive = median(receives);
      resultNotes = [
        `load average ${(loadavg()[0] ?? 0).toFixed(1)} (1 min, this run included) at the end`,
        `N = ${count} messages per round, ${totals.length} timed round(s) after a warm-up round of N/4; each sample is one round's mean, from the request to the server until all N were received and the recorder's consumer had taken them`,
        `${(1e9 / medianTotal / 1e3).toFixed(1)} k msg/s (median round); receiving alone (until the Nth 'message' event) ${(1e9 / medianReceive / 1e3).toFixed(1)} k msg/s`,
        `process CPU time (all threads: client, server, recorder's worker) ${median(cpus).toFixed(0)} ns per message (median round)`,
        verified,
      ].join('; ');
      return totals;
    },
    async teardown(): Promise<void> {
      client?.socket.terminate();
      await disposeRecorder(recorder);
      await server?.worker.terminate();
    },
    get notes(): string {
      return `${baseNotes}; ${resultNotes}`;
    },
  };
}
