/**
 * How many trials a randomized crash or stress test runs.
 *
 * CI runs every package's tests at once on two cores. There, one trial of a crash test (spawn a
 * child process, wait for its progress, kill it, check the files) takes ten times as long as on
 * an idle machine, so a fixed count of trials turns seconds into minutes and the whole run past
 * its time limit. A budget keeps each test to seconds: it always runs `min` trials, then more
 * while `seconds` have not passed since it was made, never more than `max`. With `ANNAL_SOAK=1`
 * it runs `soak` trials whatever the time.
 *
 * The budget decides only how many trials run; no test asserts a time. The seeds stay fixed, so
 * the trials that run are always the first ones of the same sequence, and a failure names its
 * trial for a rerun.
 *
 * @module
 */

/** A test's trial count, bounded by time as well as by number. */
export interface TrialBudgetOptions {
  /** Trials that always run, however long they take. */
  readonly min: number;
  /** Trials that run at most, on a fast machine. */
  readonly max: number;
  /** Seconds after which no trial past `min` starts. */
  readonly seconds: number;
  /** Trials under `ANNAL_SOAK=1` (the time bound does not apply). */
  readonly soak: number;
}

/** True when the test suite runs long (`ANNAL_SOAK=1`). */
export const SOAK = process.env['ANNAL_SOAK'] === '1';

/** A started budget: ask {@link TrialBudget.more} before each trial. */
export class TrialBudget {
  readonly #options: TrialBudgetOptions;
  readonly #deadline: number;

  constructor(options: TrialBudgetOptions) {
    if (!(options.min >= 1 && options.max >= options.min && options.soak >= options.min)) {
      throw new RangeError(`trial budget: need 1 <= min <= max, soak: ${JSON.stringify(options)}`);
    }
    this.#options = options;
    this.#deadline = performance.now() + options.seconds * 1000;
  }

  /** Whether trial number `trial` (from 0) should run. */
  more(trial: number): boolean {
    const { min, max, soak } = this.#options;
    if (SOAK) return trial < soak;
    if (trial < min) return true;
    return trial < max && performance.now() < this.#deadline;
  }
}

/** Starts a {@link TrialBudget} now. */
export function trialBudget(options: TrialBudgetOptions): TrialBudget {
  return new TrialBudget(options);
}
