/**
 * Shared machinery for the cross-thread throughput suites (`logbuf/*`): starts worker threads
 * from the plain `.mjs` scripts in `apps/bench/workers/`, runs rounds of N messages from a
 * producer to a consumer, and turns each round into one sample (its mean ns per message).
 *
 * Every round is timed on the main thread from the moment it tells the threads to go until the
 * consumer reports that it has received and verified all N messages (count and per-message
 * sequence number; a failed check throws, which marks the row FAILED). A warm-up round of N/5
 * (at most 200 k) runs first in the same threads and is not counted.
 *
 * @module
 */
import { Worker, type Transferable } from 'node:worker_threads';

import { z } from 'zod';

import type { MeasureBudget } from './measure-budget.js';
import type { SelfTimedMeasurement } from './suite.js';

/** Budgets shorter than this are smoke runs, which move fewer messages. */
const SMOKE_THRESHOLD_MS = 1000;
/** Most timed rounds one measurement takes, however much budget is left. */
const MAXIMUM_ROUNDS = 5;
const WARMUP_CAP = 200_000;

/** A control message a worker posts to the main thread (data messages are not validated here). */
export const controlMessageSchema = z.object({
  type: z.enum(['ready', 'done', 'produced']),
  received: z.number().int().nonnegative().optional(),
  errors: z.number().int().nonnegative().optional(),
  firstError: z.string().optional(),
  claimNs: z.array(z.number().nonnegative()).optional(),
  pressuredBatches: z.number().int().nonnegative().optional(),
});

/** A validated control message. */
export type ControlMessage = z.infer<typeof controlMessageSchema>;

/** URL of a worker script in `apps/bench/workers/` (read from source, never compiled). */
export function workerScript(name: string): URL {
  return new URL(`../workers/${name}`, import.meta.url);
}

/**
 * A worker thread whose control messages can be awaited in order. Data messages (anything that
 * is not a control message) go to `onData`, when given.
 */
export class ControlledWorker {
  readonly worker: Worker;
  readonly #queue: ControlMessage[] = [];
  readonly #waiters: {
    resolve: (message: ControlMessage) => void;
    reject: (error: Error) => void;
  }[] = [];
  #failure: Error | undefined;
  #exited = false;

  constructor(
    script: URL,
    workerData: unknown,
    transferList: readonly Transferable[] = [],
    onData?: (data: unknown) => void,
  ) {
    this.worker = new Worker(script, {
      workerData,
      transferList: [...transferList],
    });
    this.worker.on('message', (data: unknown) => {
      if (onData !== undefined && (ArrayBuffer.isView(data) || data instanceof ArrayBuffer)) {
        onData(data);
        return;
      }
      const parsed = controlMessageSchema.safeParse(data);
      if (!parsed.success) {
        this.#fail(new Error('unexpected message from a worker'));
        return;
      }
      const waiter = this.#waiters.shift();
      if (waiter === undefined) this.#queue.push(parsed.data);
      else waiter.resolve(parsed.data);
    });
    this.worker.on('error', (error) => {
      this.#fail(error);
    });
    this.worker.on('exit', (code) => {
      this.#exited = true;
      this.#fail(new Error(`worker exited with code ${code}`));
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** Resolves with the next control message, which must be of `type`. */
  async next(type: ControlMessage['type']): Promise<ControlMessage> {
    const queued = this.#queue.shift();
    const message =
      queued ??
      (await new Promise<ControlMessage>((resolve, reject) => {
        if (this.#failure !== undefined) reject(this.#failure);
        else this.#waiters.push({ resolve, reject });
      }));
    if (message.type !== type) throw new Error(`expected "${type}", got "${message.type}"`);
    return message;
  }

  /** Tells the worker to run a round of `count` messages. */
  startRound(count: number): void {
    this.worker.postMessage({ type: 'round', count });
  }

  /** Stops the worker (it never exits by itself). */
  async terminate(): Promise<void> {
    if (!this.#exited) {
      this.#failure ??= new Error('terminated');
      await this.worker.terminate();
    }
  }
}

/** What one round reports once the consumer has every message. */
export interface RoundOutcome {
  /** Messages the consumer received and checked. */
  readonly received: number;
  /** Producer claim+commit batch means (ns per claim), when the producer sampled them. */
  readonly claimNs?: readonly number[];
}

/** A producer/consumer set-up that can run rounds: what each implementation provides. */
export interface CrossThreadRig {
  /** Runs one round of `count` messages; resolves when the consumer has verified all of them. */
  readonly runRound: (count: number) => Promise<RoundOutcome>;
  /** Stops every thread the rig started. */
  readonly close: () => Promise<void>;
}

/** Throws unless a consumer's `done` message reports `expected` messages without errors. */
export function checkDone(message: ControlMessage, expected: number): number {
  const received = message.received ?? 0;
  if ((message.errors ?? 0) > 0)
    throw new Error(
      `consumer found ${message.errors} bad messages: ${message.firstError ?? 'no detail'}`,
    );
  if (received !== expected)
    throw new Error(`consumer received ${received} messages, expected ${expected}`);
  return received;
}

/** Messages per round for a scenario, by whether the budget is a smoke run's. */
export interface MessageCounts {
  readonly full: number;
  readonly smoke: number;
}

function quantile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * fraction))] ?? 0;
}

/**
 * A self-timed measurement over a rig: warm-up round, then timed rounds within the budget
 * (at least one, at most five). Each sample is one round's mean ns per message; the notes
 * (read after measuring) give N, rounds, msg/s and MB/s of the median round and, when the
 * producer sampled them, its claim+commit batch means.
 */
export function measureCrossThread(
  createRig: () => Promise<CrossThreadRig>,
  counts: MessageCounts,
  payloadBytes: number,
  baseNotes: string,
): SelfTimedMeasurement {
  let rig: CrossThreadRig | undefined;
  let resultNotes = '';
  return {
    kind: 'self-timed',
    async measure(budget: MeasureBudget): Promise<readonly number[]> {
      const count = budget.timeMs < SMOKE_THRESHOLD_MS ? counts.smoke : counts.full;
      rig = await createRig();
      await rig.runRound(Math.min(WARMUP_CAP, Math.max(1, Math.floor(count / 5))));
      const perMessageNs: number[] = [];
      const claimNs: number[] = [];
      const started = performance.now();
      do {
        const roundStart = process.hrtime.bigint();
        const outcome = await rig.runRound(count);
        const elapsedNs = Number(process.hrtime.bigint() - roundStart);
        perMessageNs.push(elapsedNs / outcome.received);
        if (outcome.claimNs !== undefined) claimNs.push(...outcome.claimNs);
      } while (perMessageNs.length < MAXIMUM_ROUNDS && performance.now() - started < budget.timeMs);
      const sorted = [...perMessageNs].sort((a, b) => a - b);
      const medianNs = quantile(sorted, 0.5);
      const messagesPerSecond = 1e9 / medianNs;
      const parts = [
        `N = ${count} per round, ${perMessageNs.length} timed round(s) after a warm-up round; each sample is one round's mean`,
        `${(messagesPerSecond / 1e6).toFixed(3)} M msg/s, ${((messagesPerSecond * payloadBytes) / 1e6).toFixed(1)} MB/s (median round)`,
      ];
      if (claimNs.length > 0) {
        const sortedClaims = claimNs.sort((a, b) => a - b);
        parts.push(
          `producer claim+write+commit ${quantile(sortedClaims, 0.5).toFixed(0)} ns p50, ${quantile(sortedClaims, 0.99).toFixed(0)} ns p99 (means of ${sortedClaims.length} batches of 64 that met no back-pressure)`,
        );
      }
      resultNotes = parts.join('; ');
      return perMessageNs.map((ns) => ns);
    },
    async teardown(): Promise<void> {
      await rig?.close();
    },
    get notes(): string {
      return `${baseNotes}; ${resultNotes === '' ? 'not measured' : resultNotes}`;
    },
  };
}

/**
 * A rig of producer workers and one consumer worker that all run `script`: every worker gets
 * `{ role: 'producer' | 'consumer', producerId, producers, payloadBytes, ...shared }` as its
 * workerData, posts `ready` once set up, and answers each `round` message: a producer posts
 * `produced` after sending its share, the consumer `done` once it has all of them.
 */
export async function startWorkerRig(
  script: URL,
  producers: number,
  payloadBytes: number,
  shared: Record<string, unknown>,
  transfers: {
    readonly producer?: (producerId: number) => {
      data: Record<string, unknown>;
      transfer: Transferable[];
    };
    readonly consumer?: { data: Record<string, unknown>; transfer: Transferable[] };
  } = {},
): Promise<CrossThreadRig> {
  const common = { producers, payloadBytes, ...shared };
  const consumer = new ControlledWorker(
    script,
    { ...common, role: 'consumer', producerId: -1, ...transfers.consumer?.data },
    transfers.consumer?.transfer,
  );
  const producerWorkers = Array.from({ length: producers }, (_, producerId) => {
    const extra = transfers.producer?.(producerId);
    return new ControlledWorker(
      script,
      { ...common, role: 'producer', producerId, ...extra?.data },
      extra?.transfer,
    );
  });
  const all = [consumer, ...producerWorkers];
  const close = async (): Promise<void> => {
    await Promise.all(all.map((worker) => worker.terminate()));
  };
  try {
    await Promise.all(all.map((worker) => worker.next('ready')));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async runRound(count: number): Promise<RoundOutcome> {
      const share = Math.floor(count / producers);
      const total = share * producers;
      consumer.startRound(total);
      for (const worker of producerWorkers) worker.startRound(share);
      const [done, ...produced] = await Promise.all([
        consumer.next('done'),
        ...producerWorkers.map((worker) => worker.next('produced')),
      ]);
      const received = checkDone(done as ControlMessage, total);
      const claimNs = produced.flatMap((message) => message.claimNs ?? []);
      return claimNs.length > 0 ? { received, claimNs } : { received };
    },
    close,
  };
}

/** The main thread's side of the sequence check the worker consumers make (workers/common.mjs). */
export class SequenceVerifier {
  readonly #payloadBytes: number;
  #next = 0;
  received = 0;
  errors = 0;
  firstError = '';

  constructor(payloadBytes: number) {
    this.#payloadBytes = payloadBytes;
  }

  reset(): void {
    this.#next = 0;
    this.received = 0;
    this.errors = 0;
    this.firstError = '';
  }

  /** Checks the message at `view[offset, offset + length)` (one producer, id 0). */
  check(view: DataView, offset: number, length: number): void {
    this.received++;
    const sequence = view.getUint32(offset, true);
    if (length !== this.#payloadBytes || sequence !== this.#next) {
      this.errors++;
      if (this.firstError === '')
        this.firstError = `length ${length}, sequence ${sequence}, expected ${this.#next}`;
    }
    this.#next = sequence + 1;
  }
}

/**
 * A rig of one producer worker (`workers/post-message.mjs` in `mode`) and the main thread as
 * consumer: `parse` checks each data message the worker posts, and a round ends when the
 * verifier has seen `count` messages.
 */
export async function startMainConsumerRig(
  mode: 'per-message' | 'packed',
  payloadBytes: number,
  parse: (data: unknown, verifier: SequenceVerifier) => void,
): Promise<CrossThreadRig> {
  const verifier = new SequenceVerifier(payloadBytes);
  let target = -1;
  let finish: (() => void) | undefined;
  const producer = new ControlledWorker(
    workerScript('post-message.mjs'),
    { mode, payloadBytes, producerId: 0 },
    [],
    (data) => {
      parse(data, verifier);
      if (target >= 0 && verifier.received >= target) finish?.();
    },
  );
  try {
    await producer.next('ready');
  } catch (error) {
    await producer.terminate();
    throw error;
  }
  return {
    async runRound(count: number): Promise<RoundOutcome> {
      verifier.reset();
      target = count;
      const allReceived = new Promise<void>((resolve) => {
        finish = resolve;
      });
      producer.startRound(count);
      await Promise.all([allReceived, producer.next('produced')]);
      target = -1;
      checkDone(
        {
          type: 'done',
          received: verifier.received,
          errors: verifier.errors,
          firstError: verifier.firstError,
        },
        count,
      );
      return { received: verifier.received };
    },
    close: () => producer.terminate(),
  };
}
