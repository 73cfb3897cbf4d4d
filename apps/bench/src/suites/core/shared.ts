/**
 * What the `core/*` suites share: how an {@link AppendTarget} or a {@link ReadSource} becomes a
 * self-timed measurement. Both run in rounds, and each sample is one round's mean time per
 * record, so a peer that batches internally (a 64 KiB buffer, a transaction of 1,000 inserts,
 * an asynchronous write queue) is timed over whole batches, including the work that finishes
 * them, and never per call.
 *
 * - **Append**: a round appends N records (4 MiB of payload) and ends when the target has handed
 *   every one of them to the kernel, without any sync (`settle`). Before each round, untimed, a
 *   target may prepare (`prepareRound`: the warm-block annal rows move to a fresh, prefaulted
 *   queue there when the round would not fit in the current block). Warm-up rounds fill the
 *   warm-up budget first; then timed rounds run until the time budget is spent (at least
 *   {@link MINIMUM_TIMED_ROUNDS}, and in a real run at least enough to append a row's
 *   `minimumTimedBytes`: the sustained annal rows ask for 1 GiB). Every other row appends into
 *   one store that keeps growing over all rounds. After the last round, untimed, the target
 *   verifies that it holds every record appended (count, order, and a spread of records byte for
 *   byte); a failed check fails the row. The notes count the minor page faults of the whole
 *   process during the timed rounds.
 * - **Read**: setup (untimed) fills the store with N records; a round reads all of them, in
 *   order, checking each one's length and sequence number; the count must be N.
 *
 * @module
 */
import { allocatedBytes } from '../../fixtures/allocated-bytes.js';
import type { MeasureBudget } from '../../measure-budget.js';
import type { AppendTarget, AppendTargetFactory } from '../../peers/append/append-target.js';
import type { ReadSource, ReadSourceFactory } from '../../peers/read/read-source.js';
import { createRecordTemplate, stampSequence } from '../../peers/records.js';
import type { Implementation, SelfTimedMeasurement } from '../../suite.js';

/** Timed rounds a measurement takes even when the first ones use up the time budget. */
export const MINIMUM_TIMED_ROUNDS = 3;

/** Budgets shorter than this are smoke runs, which read fewer records (as in cross-thread.ts). */
const SMOKE_THRESHOLD_MS = 1000;

/** Payload bytes one append round moves, whatever the record size. */
const APPEND_ROUND_BYTES = 4 * 1024 * 1024;

/** A record size and what one round moves at it. */
export interface RecordSize {
  /** The scenario id: `64B`, `1KiB`. */
  readonly label: string;
  readonly payloadBytes: number;
}

/** The record sizes of `core/append`, in scenario order. */
export const APPEND_SIZES = [
  { label: '64B', payloadBytes: 64 },
  { label: '1KiB', payloadBytes: 1024 },
] as const satisfies readonly RecordSize[];

/** A scenario id of `core/append`. */
export type AppendScenarioId = (typeof APPEND_SIZES)[number]['label'];

/** Records a read round reads: a real run, and a smoke run (which also fills less). */
export interface ReadCounts {
  readonly full: number;
  readonly smoke: number;
}

interface RoundTimes {
  readonly perRecordNs: number[];
  readonly warmupRounds: number;
  /** Minor page faults of the whole process (every thread) during the timed rounds. */
  readonly timedMinorFaults: number;
}

/** How {@link runRounds} runs besides its budget. */
interface RoundOptions {
  /** Called before every round (warm-up and timed), outside the timing. */
  readonly prepareRound?: (() => void | Promise<void>) | undefined;
  /** Timed rounds to take even when the time budget runs out first. */
  readonly minimumTimedRounds: number;
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 16 * 1024 * 1024 ? 1 : 0)} MiB`;
}

/** Whether `budget` is a smoke run's (which fills and appends less). */
export function isSmoke(budget: MeasureBudget): boolean {
  return budget.timeMs < SMOKE_THRESHOLD_MS;
}

/**
 * Runs warm-up rounds until `budget.warmupMs` is spent (at least one), then timed rounds until
 * `budget.timeMs` is spent (at least `options.minimumTimedRounds`); `runRound` resolves with the
 * records it moved. Only `runRound` is timed: `prepareRound` and the page-fault count are not.
 */
async function runRounds(
  runRound: () => Promise<number>,
  budget: MeasureBudget,
  options: RoundOptions,
): Promise<RoundTimes> {
  const { prepareRound, minimumTimedRounds } = options;
  let warmupRounds = 0;
  const warmupStart = performance.now();
  do {
    await prepareRound?.();
    await runRound();
    warmupRounds++;
  } while (performance.now() - warmupStart < budget.warmupMs);
  const perRecordNs: number[] = [];
  let timedMinorFaults = 0;
  const start = performance.now();
  do {
    await prepareRound?.();
    const faultsBefore = process.resourceUsage().minorPageFault;
    const roundStart = process.hrtime.bigint();
    const records = await runRound();
    const roundNs = Number(process.hrtime.bigint() - roundStart);
    timedMinorFaults += process.resourceUsage().minorPageFault - faultsBefore;
    perRecordNs.push(roundNs / records);
  } while (perRecordNs.length < minimumTimedRounds || performance.now() - start < budget.timeMs);
  return { perRecordNs, warmupRounds, timedMinorFaults };
}

/** How one `core/append` row measures, besides its target. */
export interface AppendMeasureOptions {
  /**
   * Payload bytes the timed rounds must append in all in a real run (a smoke run ignores it):
   * timed rounds go on past the time budget until they have. The sustained annal rows ask for
   * 1 GiB so that they run over many fresh blocks. Default: none.
   */
  readonly minimumTimedBytes?: number;
}

/**
 * A self-timed measurement that appends to `target` in rounds of 4 MiB of payload; see the
 * module comment. Owns `target`: its teardown closes it.
 */
export function measureAppend(
  target: AppendTarget,
  payloadBytes: number,
  baseNotes: string,
  options: AppendMeasureOptions = {},
): SelfTimedMeasurement {
  const recordsPerRound = APPEND_ROUND_BYTES / payloadBytes;
  const template = createRecordTemplate(payloadBytes);
  // The caller's record: stamped with the next sequence number before each append, and reused.
  const record = Buffer.from(template);
  let appended = 0;
  let resultNotes = 'not measured';
  const runRound = async (): Promise<number> => {
    const end = appended + recordsPerRound;
    for (let sequence = appended; sequence < end; sequence++) {
      stampSequence(record, sequence);
      if (!target.append(record)) await target.drain();
    }
    await target.settle();
    appended = end;
    return recordsPerRound;
  };
  const prepare = target.prepareRound;
  const prepareRound =
    prepare === undefined ? undefined : () => prepare(recordsPerRound, appended, template);
  return {
    kind: 'self-timed',
    async measure(budget: MeasureBudget): Promise<readonly number[]> {
      const minimumTimedBytes = isSmoke(budget) ? 0 : (options.minimumTimedBytes ?? 0);
      const minimumTimedRounds = Math.max(
        MINIMUM_TIMED_ROUNDS,
        Math.ceil(minimumTimedBytes / APPEND_ROUND_BYTES),
      );
      const { perRecordNs, warmupRounds, timedMinorFaults } = await runRounds(runRound, budget, {
        prepareRound,
        minimumTimedRounds,
      });
      await target.verify(appended, template);
      const timedBytes = perRecordNs.length * APPEND_ROUND_BYTES;
      const directory = target.directory;
      resultNotes = [
        `${recordsPerRound} records (${formatMiB(APPEND_ROUND_BYTES)} of payload) per round, timed from the first append until all are handed to the kernel (no sync); each sample is one round's mean`,
        `${perRecordNs.length} timed rounds (${formatMiB(timedBytes)} of payload${minimumTimedBytes > 0 ? `, at least ${formatMiB(minimumTimedBytes)} asked for` : ''}) after ${warmupRounds} warm-up round(s)`,
        `${appended} records (${formatMiB(appended * payloadBytes)}) appended in all${directory === undefined ? '' : ' into one growing store'}, then verified (count, order, 17 records byte for byte)`,
        `${timedMinorFaults} minor page faults in the process during the timed rounds (${(timedMinorFaults / perRecordNs.length).toFixed(1)} per round)`,
        ...(directory === undefined
          ? []
          : [`disk ${(allocatedBytes(directory) / appended).toFixed(0)} B/record`]),
        ...(target.notes === undefined ? [] : [target.notes]),
      ].join('; ');
      return perRecordNs;
    },
    teardown: () => target.close(),
    get notes(): string {
      return `${baseNotes}; ${resultNotes}`;
    },
  };
}

/**
 * A self-timed measurement that fills a store through `createSource` (untimed, inside
 * `measure`, because a smoke budget fills less) and reads it all in every round.
 */
export function measureRead(
  createSource: ReadSourceFactory,
  payloadBytes: number,
  counts: ReadCounts,
  baseNotes: string,
): SelfTimedMeasurement {
  let source: ReadSource | undefined;
  let resultNotes = 'not measured';
  return {
    kind: 'self-timed',
    async measure(budget: MeasureBudget): Promise<readonly number[]> {
      const count = isSmoke(budget) ? counts.smoke : counts.full;
      const opened = await createSource(count, createRecordTemplate(payloadBytes));
      source = opened;
      const runRound = async (): Promise<number> => {
        const read = await opened.readAll();
        if (read !== count) throw new Error(`read ${read} records, expected ${count}`);
        return read;
      };
      const { perRecordNs, warmupRounds } = await runRounds(runRound, budget, {
        minimumTimedRounds: MINIMUM_TIMED_ROUNDS,
      });
      resultNotes = [
        `N = ${count} records (${formatMiB(count * payloadBytes)} of payload) per round, each round reads all of them in order and checks every length and sequence number; each sample is one round's mean`,
        `${perRecordNs.length} timed rounds after ${warmupRounds} warm-up round(s); filled in setup (untimed), read from a hot page cache`,
        ...(opened.notes === undefined ? [] : [opened.notes]),
      ].join('; ');
      return perRecordNs;
    },
    teardown: async () => {
      await source?.close();
    },
    get notes(): string {
      return `${baseNotes}; ${resultNotes}`;
    },
  };
}

/**
 * One `core/append` row: opens a target from `createTarget` in the child's setup and appends to
 * it in rounds. This is how an annal row is added too: write an {@link AppendTarget} over
 * `@annal/core` and list `appendImplementation('annal', 'annal', …)` in the suite.
 */
export function appendImplementation(
  id: string,
  role: Implementation['role'],
  description: string,
  size: RecordSize,
  createTarget: AppendTargetFactory,
  notes: string,
  options: AppendMeasureOptions = {},
): Implementation {
  return {
    id,
    role,
    description,
    async create(): Promise<SelfTimedMeasurement> {
      const target = await createTarget(size.payloadBytes);
      return measureAppend(target, size.payloadBytes, notes, options);
    },
  };
}

/** One `core/read` row over a {@link ReadSourceFactory}; annal rows are added the same way. */
export function readImplementation(
  id: string,
  role: Implementation['role'],
  description: string,
  size: RecordSize,
  counts: ReadCounts,
  createSource: ReadSourceFactory,
  notes: string,
): Implementation {
  return {
    id,
    role,
    description,
    create: () => measureRead(createSource, size.payloadBytes, counts, notes),
  };
}
