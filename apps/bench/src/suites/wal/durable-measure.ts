/**
 * How `wal/durable` and `wal/batch` turn a {@link DurableTarget} into a self-timed measurement.
 * An append counts only once it is durable, so every timing ends when the target's sync has
 * returned, and every record carries its sequence number (`peers/records.ts`), checked after
 * the run (count, order, and a spread of records byte for byte); a failed check fails the row.
 *
 * - **One caller** ({@link measureOneCaller}): one record at a time, each awaited before the
 *   next; each sample is one record's time, so median and p99 are per-record latencies.
 * - **Concurrent callers** ({@link measureConcurrentCallers}): `callers` async loops, each with
 *   a record buffer of its own, each awaiting its append before the next; a round ends when
 *   every loop has appended its share. Each sample is one round's mean time per record, so
 *   ops/s is the aggregate of durable appends per second; the notes give the latency of single
 *   appends (p50/p99 over the timed rounds).
 * - **Batches** ({@link measureBatches}): one batch of `batchRecords` at a time; each sample is
 *   one batch's time, from the call until it is durable. The records are stamped with their
 *   sequence numbers before the clock starts.
 *
 * Warm-up operations fill the warm-up budget first (at least one); timed ones then run until
 * the time budget is spent and, in a real run, at least the minimum count of each kind.
 *
 * @module
 */
import type { MeasureBudget } from '../../measure-budget.js';
import type { DurableTarget, DurableTargetFactory } from '../../peers/durable/durable-target.js';
import { createRecordTemplate, stampSequence } from '../../peers/records.js';
import { computeQuantile } from '../../sample-summary.js';
import type { Implementation, SelfTimedMeasurement } from '../../suite.js';
import { isSmoke } from '../core/shared.js';

/** Records the one-caller rows time at least in a real run (RESULTS.md c: ~2,000 per row). */
const ONE_CALLER_MINIMUM_RECORDS = 2000;

/** Records the one-caller rows time at least in a smoke run. */
const ONE_CALLER_MINIMUM_RECORDS_SMOKE = 64;

/**
 * Warm-up records of the one-caller rows even when the warm-up budget runs out first: the first
 * append of a log creates its topic and first segment, which alone can take the whole budget.
 */
const ONE_CALLER_MINIMUM_WARMUP_RECORDS = 16;

/** Warm-up batches of the batch rows even when the warm-up budget runs out first. */
const BATCH_MINIMUM_WARMUP_BATCHES = 4;

/** Records per round of the concurrent rows: a real run, and a smoke run. */
const CONCURRENT_ROUND_RECORDS = { full: 2048, smoke: 256 } as const;

/** Timed rounds of the concurrent rows even when the budget runs out first. */
const CONCURRENT_MINIMUM_ROUNDS = 3;

function nanosecondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

function formatLatency(ns: number): string {
  if (ns >= 10_000_000) return `${(ns / 1_000_000).toFixed(1)} ms`;
  return `${(ns / 1000).toFixed(ns < 10_000 ? 1 : 0)} µs`;
}

/** p50 and p99 of single-call latencies, for the notes. */
function describeLatencies(latenciesNs: number[]): string {
  const sorted = latenciesNs.sort((left, right) => left - right);
  return `p50 ${formatLatency(computeQuantile(sorted, 0.5))}, p99 ${formatLatency(computeQuantile(sorted, 0.99))}`;
}

/** Runs `operation` until `durationMs` is spent and it has run `minimum` times. */
async function repeat(
  operation: () => Promise<void>,
  durationMs: number,
  minimum: number,
): Promise<number> {
  let count = 0;
  const start = performance.now();
  do {
    await operation();
    count++;
  } while (count < minimum || performance.now() - start < durationMs);
  return count;
}

/**
 * A self-timed measurement over a target opened in the child's setup: `run` warms up and
 * measures within the budget, returning the per-operation durations and what the notes say
 * about them; the target is then verified and closed.
 */
function durableMeasurement(
  createTarget: DurableTargetFactory,
  payloadBytes: number,
  baseNotes: string,
  run: (
    target: DurableTarget,
    template: Buffer,
    budget: MeasureBudget,
  ) => Promise<{
    readonly durationsNs: number[];
    readonly appended: number;
    readonly notes: string;
  }>,
): Implementation['create'] {
  return async (): Promise<SelfTimedMeasurement> => {
    const target = await createTarget(payloadBytes);
    let resultNotes = 'not measured';
    return {
      kind: 'self-timed',
      async measure(budget: MeasureBudget): Promise<readonly number[]> {
        const template = createRecordTemplate(payloadBytes);
        const { durationsNs, appended, notes } = await run(target, template, budget);
        await target.verify(appended, template);
        resultNotes = [
          notes,
          `${appended} records appended in all, then verified (count, order, sequence numbers, and at least 17 records byte for byte)`,
          ...(target.notes === undefined ? [] : [target.notes]),
        ].join('; ');
        return durationsNs;
      },
      teardown: () => target.close(),
      get notes(): string {
        return `${baseNotes}; ${resultNotes}`;
      },
    };
  };
}

/** One caller, one durable record at a time; each sample is one record's latency. */
export function measureOneCaller(
  createTarget: DurableTargetFactory,
  payloadBytes: number,
  baseNotes: string,
): Implementation['create'] {
  return durableMeasurement(
    createTarget,
    payloadBytes,
    baseNotes,
    async (target, template, budget) => {
      const record = Buffer.from(template);
      let appended = 0;
      const durationsNs: number[] = [];
      const appendOne = async (timed: boolean): Promise<void> => {
        stampSequence(record, appended);
        const start = process.hrtime.bigint();
        await target.append(record);
        if (timed) durationsNs.push(nanosecondsSince(start));
        appended++;
      };
      const warmup = await repeat(
        () => appendOne(false),
        budget.warmupMs,
        ONE_CALLER_MINIMUM_WARMUP_RECORDS,
      );
      const minimum = isSmoke(budget)
        ? ONE_CALLER_MINIMUM_RECORDS_SMOKE
        : ONE_CALLER_MINIMUM_RECORDS;
      await repeat(() => appendOne(true), budget.timeMs, minimum);
      return {
        durationsNs,
        appended,
        notes: `one caller, each record durable before the next; each sample is one record's latency; ${durationsNs.length} timed records after ${warmup} warm-up records`,
      };
    },
  );
}

/**
 * `callers` concurrent loops of durable appends; each sample is one round's mean time per
 * record over all callers.
 */
export function measureConcurrentCallers(
  createTarget: DurableTargetFactory,
  payloadBytes: number,
  callers: number,
  baseNotes: string,
): Implementation['create'] {
  return durableMeasurement(
    createTarget,
    payloadBytes,
    baseNotes,
    async (target, template, budget) => {
      const roundRecords = isSmoke(budget)
        ? CONCURRENT_ROUND_RECORDS.smoke
        : CONCURRENT_ROUND_RECORDS.full;
      if (roundRecords % callers !== 0) {
        throw new RangeError(
          `${roundRecords} records per round do not split over ${callers} callers`,
        );
      }
      const perCaller = roundRecords / callers;
      const records = Array.from({ length: callers }, () => Buffer.from(template));
      let appended = 0;
      let latenciesNs: number[] = [];
      const loop = async (record: Buffer): Promise<void> => {
        for (let k = 0; k < perCaller; k++) {
          // The sequence number is taken when the call is made: the order the store keeps.
          stampSequence(record, appended++);
          const start = process.hrtime.bigint();
          await target.append(record);
          latenciesNs.push(nanosecondsSince(start));
        }
      };
      const durationsNs: number[] = [];
      const runRound = async (timed: boolean): Promise<void> => {
        const start = process.hrtime.bigint();
        await Promise.all(records.map(loop));
        if (timed) durationsNs.push(nanosecondsSince(start) / roundRecords);
      };
      const warmupRounds = await repeat(() => runRound(false), budget.warmupMs, 1);
      latenciesNs = [];
      await repeat(() => runRound(true), budget.timeMs, CONCURRENT_MINIMUM_ROUNDS);
      return {
        durationsNs,
        appended,
        notes: `${callers === 1 ? 'one caller' : `${callers} concurrent callers (async loops, each with its own record buffer, each awaiting its append before the next)`}; ${roundRecords} records per round (${perCaller} per caller); each sample is one round's mean time per record, so ops/s is durable appends per second; ${durationsNs.length} timed rounds after ${warmupRounds} warm-up round(s); single-append latency ${describeLatencies(latenciesNs)}`,
      };
    },
  );
}

/** One batch of `batchRecords` at a time; each sample is one batch's time until durable. */
export function measureBatches(
  createTarget: DurableTargetFactory,
  payloadBytes: number,
  batchRecords: number,
  baseNotes: string,
): Implementation['create'] {
  return durableMeasurement(
    createTarget,
    payloadBytes,
    baseNotes,
    async (target, template, budget) => {
      const batch = Array.from({ length: batchRecords }, () => Buffer.from(template));
      let appended = 0;
      const durationsNs: number[] = [];
      const appendBatch = async (timed: boolean): Promise<void> => {
        for (let i = 0; i < batchRecords; i++) stampSequence(batch[i] as Buffer, appended + i);
        const start = process.hrtime.bigint();
        await target.appendBatch(batch);
        if (timed) durationsNs.push(nanosecondsSince(start));
        appended += batchRecords;
      };
      const warmup = await repeat(
        () => appendBatch(false),
        budget.warmupMs,
        BATCH_MINIMUM_WARMUP_BATCHES,
      );
      await repeat(() => appendBatch(true), budget.timeMs, budget.minimumSamples);
      return {
        durationsNs,
        appended,
        notes: `one batch of ${batchRecords} × ${payloadBytes} B at a time, timed from the call until all of it is durable (records stamped before the clock starts); ${durationsNs.length} timed batches after ${warmup} warm-up batch(es)`,
      };
    },
  );
}
