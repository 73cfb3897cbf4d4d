/**
 * Runs a compiled limit program and reads the per-operation durations it prints. Every limit
 * program takes its budget as its last four arguments and prints one JSON object,
 * `{"samplesNs":[…]}`, on stdout.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { z } from 'zod';

import type { MeasureBudget } from '../measure-budget.js';

const execFileAsync = promisify(execFile);

const limitOutputSchema = z.object({ samplesNs: z.array(z.number().nonnegative()).min(1) });

/** Upper bound on samples a limit program keeps, so a fast operation cannot exhaust memory. */
const MAXIMUM_SAMPLES = 2_000_000;

/**
 * Runs `executablePath` with `argumentsBefore` then `<warmup-ms> <time-ms> <min-samples>
 * <max-samples>`, and returns the durations it measured.
 *
 * @param executablePath - from {@link compileLimitProgram}
 * @param argumentsBefore - the program's own arguments (mode, file path, …)
 * @param budget - the same budget the JS implementations get
 * @returns one duration per operation, in ns
 * @throws when the program exits non-zero or prints something else
 */
export async function runLimitProgram(
  executablePath: string,
  argumentsBefore: readonly string[],
  budget: MeasureBudget,
): Promise<readonly number[]> {
  const { stdout } = await execFileAsync(
    executablePath,
    [
      ...argumentsBefore,
      String(budget.warmupMs),
      String(budget.timeMs),
      String(budget.minimumSamples),
      String(MAXIMUM_SAMPLES),
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return limitOutputSchema.parse(JSON.parse(stdout)).samplesNs;
}
