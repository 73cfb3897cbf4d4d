/**
 * How long each child measures. The CLI picks a preset (or flags override it) and passes it to
 * the child as JSON; the child validates it before use.
 *
 * @module
 */
import { z } from 'zod';

/** Schema of {@link MeasureBudget}: what the child accepts as its fourth argument. */
export const measureBudgetSchema = z.object({
  /** Time spent measuring, in ms (tinybench `time`; C limit programs get the same). */
  timeMs: z.number().int().positive(),
  /** Time spent warming up before measuring, in ms. */
  warmupMs: z.number().int().nonnegative(),
  /** Samples to take even when `timeMs` runs out first. */
  minimumSamples: z.number().int().positive(),
});

/** Budget for one measurement in one child process. */
export type MeasureBudget = z.infer<typeof measureBudgetSchema>;

/** A real run: one second per task after a 300 ms warmup, in each of three repetitions. */
export const FULL_BUDGET: MeasureBudget = { timeMs: 1000, warmupMs: 300, minimumSamples: 32 };

/** `--smoke`: proves every suite runs (about 100 ms per task), numbers not worth reading. */
export const SMOKE_BUDGET: MeasureBudget = { timeMs: 100, warmupMs: 30, minimumSamples: 8 };

/** Repetitions of the whole matrix in a real run (interleaved; see the README). */
export const FULL_REPETITIONS = 3;
