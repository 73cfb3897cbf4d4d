import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromArray, startReplay, type ReplaySummary } from '@annal/replay';

// A replay with no filter and no pacing takes a loop of its own (the common case, kept tight);
// any filter sends it through the general one. A filter that keeps everything changes nothing
// else, so the two must make the same calls in the same order, whatever the handler does.

interface Entry {
  /** The record's timestamp; NaN for an unstamped record. */
  readonly at: number;
  /** A timeout the handler sets on this record, after this many ms. */
  readonly timer: number | null;
  /** The handler returns a promise for this record. */
  readonly async: boolean;
  /** The handler pauses the session at this record (the driver resumes it). */
  readonly pause: boolean;
  /** The handler aborts the replay's signal at this record. */
  readonly abort: boolean;
  /** The handler throws at this record. */
  readonly fail: boolean;
}

const entry: fc.Arbitrary<Entry> = fc.record({
  at: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 200 }) },
    { weight: 1, arbitrary: fc.constant(Number.NaN) },
  ),
  timer: fc.option(fc.integer({ min: -5, max: 60 })),
  async: fc.boolean(),
  pause: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  abort: fc.integer({ min: 0, max: 39 }).map((n) => n === 0),
  fail: fc.integer({ min: 0, max: 39 }).map((n) => n === 0),
});

interface Drive {
  readonly entries: readonly Entry[];
  readonly progressEvery: number;
  /** Drive with step(n) from a paused start instead of running free. */
  readonly step: number | null;
  readonly until: number | null;
}

const drive: fc.Arbitrary<Drive> = fc.record({
  entries: fc.array(entry, { maxLength: 30 }),
  progressEvery: fc.integer({ min: 1, max: 7 }),
  step: fc.option(fc.integer({ min: 1, max: 4 })),
  until: fc.option(fc.integer({ min: 0, max: 300 })),
});

/** Everything a replay did, in order: handler calls, timers, progress, and how it ended. */
async function callLog(plan: Drive, general: boolean): Promise<string[]> {
  const log: string[] = [];
  const controller = new AbortController();
  const source = fromArray(plan.entries, { timestamp: (e) => e.at, type: () => 'tick' });
  const session = startReplay(
    source,
    (record, { clock, delivered }) => {
      const e = record.value;
      log.push(`call ${record.index} now=${clock.now()} delivered=${delivered}`);
      if (e.timer !== null) {
        const index = record.index;
        clock.setTimeout(() => log.push(`timer of ${index} now=${clock.now()}`), e.timer);
      }
      // (Not while stepping: a step() waits for its records, and a pause would hold them back.)
      if (e.pause && plan.step === null) {
        session.pause();
        log.push(`paused ${String(session.paused)}`);
      }
      if (e.abort) controller.abort(new Error('stop'));
      if (e.fail) throw new Error(`handler failed at ${record.index}`);
      if (e.async) {
        return Promise.resolve().then(() => {
          log.push(`settled ${record.index}`);
        });
      }
      return undefined;
    },
    {
      progressEvery: plan.progressEvery,
      onProgress: (p) => log.push(`progress ${JSON.stringify(p)}`),
      signal: controller.signal,
      paused: plan.step !== null,
      ...(plan.until === null ? {} : { until: plan.until }),
      // Keeps every record: only the loop changes.
      ...(general ? { filter: () => true } : {}),
    },
  );
  let finished = false;
  const ended = session.done.then(
    (summary: ReplaySummary) => {
      const { clock, ...rest } = summary;
      log.push(`done ${JSON.stringify(rest)} now=${clock.now()} pending=${clock.pendingTimers()}`);
    },
    (error: unknown) => {
      const { code, message } = error as { code?: string; message: string };
      log.push(`failed ${String(code)} ${message}`);
    },
  );
  void ended.then(() => {
    finished = true;
  });
  // A session paused by its handler (or started paused) goes on by step(n) or resume().
  while (!finished) {
    if (plan.step !== null) {
      await session.step(plan.step);
      log.push(`stepped to ${session.delivered}`);
    } else {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (session.paused) {
        log.push(`resume at ${session.delivered}`);
        session.resume();
      }
    }
  }
  await ended;
  return log;
}

describe('replay: the loop for no filter and no pacing', () => {
  it('makes the same calls in the same order as the general loop', async () => {
    await fc.assert(
      fc.asyncProperty(drive, async (plan) => {
        const fast = await callLog(plan, false);
        const general = await callLog(plan, true);
        expect(fast).toEqual(general);
      }),
      { numRuns: 300 },
    );
  });
});
