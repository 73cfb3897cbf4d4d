/**
 * Turns a {@link Measurement} into per-operation durations and summarizes them. Timed
 * measurements run under tinybench (warmup, then a time budget with a minimum sample count);
 * self-timed ones measure themselves within the same budget.
 *
 * @module
 */
import { Bench } from 'tinybench';

import { summarizeSamples, type SampleSummary } from './sample-summary.js';
import type { MeasureBudget } from './measure-budget.js';
import type { Measurement, TimedMeasurement } from './suite.js';

const NS_PER_MS = 1e6;

/**
 * Measures once within `budget` and summarizes the per-operation durations. Does not run the
 * measurement's teardown: the caller owns the measurement's lifetime.
 *
 * @throws whatever the operation throws (tinybench runs with `throws: true`), or RangeError
 *   when no sample was taken
 */
export async function runMeasurement(
  measurement: Measurement,
  budget: MeasureBudget,
): Promise<SampleSummary> {
  const durationsNs =
    measurement.kind === 'timed'
      ? timeWithTinybench(measurement, budget)
      : await measurement.measure(budget);
  return summarizeSamples(durationsNs);
}

function timeWithTinybench(measurement: TimedMeasurement, budget: MeasureBudget): number[] {
  const { operation, callsPerSample } = measurement;
  const operationsPerSample = callsPerSample * (measurement.operationsPerCall ?? 1);
  const bench = new Bench({
    time: budget.timeMs,
    iterations: budget.minimumSamples,
    warmupTime: budget.warmupMs,
    // At least a few warmup samples even on a tiny smoke budget, so the operation is compiled
    // by the optimizing tier before the first timed sample in most cases.
    warmupIterations: Math.min(16, budget.minimumSamples),
    retainSamples: true,
    throws: true,
    // hrtime keeps the difference exact; the calibrated cost of one clock read (tens of ns) is
    // subtracted from each sample, which matters only for unbatched sub-microsecond operations.
    timestampProvider: 'hrtimeNow',
    subtractTimerOverhead: true,
  });
  // The loop lives here, not in each suite: every child runs one implementation, so this call
  // site sees one closure and the optimizing compiler inlines it (what a caller in a real hot
  // loop would get). Implementations that must not be inlined defeat that themselves.
  bench.add('operation', () => {
    for (let i = 0; i < callsPerSample; i++) operation();
  });
  const [task] = bench.runSync();
  const result = task?.result;
  if (result === undefined) throw new Error('tinybench returned no task');
  if (result.state === 'errored') throw result.error;
  if (result.state !== 'completed')
    throw new Error(`tinybench task ended in state ${result.state}`);
  const samplesMs = result.latency.samples ?? [];
  return samplesMs.map((sampleMs) => (sampleMs * NS_PER_MS) / operationsPerSample);
}
