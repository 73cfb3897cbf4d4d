/**
 * The bench CLI's command line: filter words, then flags.
 *
 *   pnpm bench [words…] [--smoke] [--list] [--out DIR] [--repetitions N] [--time-ms MS]
 *
 * @module
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { z } from 'zod';

/** The parsed command line. */
export interface CliArguments {
  /** Filter words; every one must match a cell (see matrix.ts). Empty selects everything. */
  readonly words: readonly string[];
  /** ~100 ms per task and one run: proves the suites work; results go to results/smoke/. */
  readonly smoke: boolean;
  /** Print the selected cells and exit without measuring. */
  readonly list: boolean;
  /** Print usage and exit. */
  readonly help: boolean;
  /** Where to write latest.md/svg/json (absolute), or undefined for the default. */
  readonly outDirectory: string | undefined;
  /** Interleaved runs of the matrix, or undefined for the default (1 in smoke mode, else 3). */
  readonly repetitions: number | undefined;
  /** Measuring time per task in ms, or undefined for the preset's. */
  readonly timeMs: number | undefined;
}

/** Printed by `--help` and after a usage error. */
export const USAGE = `usage: pnpm bench [words…] [options]

Runs every (scenario, implementation) pair whose suite id, suite tags, scenario id or
implementation id matches all the words (case-insensitive), each in a fresh node process,
then prints a markdown table and writes latest.md, latest.svg and latest.json.

  pnpm bench native              every native suite
  pnpm bench msync               only the msync scenarios
  pnpm bench --smoke native      ~100 ms per pair, one run (CI); writes to results/smoke/
  pnpm bench wal annal,lmdb      a word with commas matches when any of its parts does

options:
  --smoke             short budget, one run, results under apps/bench/results/smoke/
  --list              list the selected pairs and exit
  --out DIR           write the results into DIR instead of apps/bench/results/
  --repetitions N     interleaved runs per pair (default 3; 1 with --smoke)
  --time-ms MS        measuring time per run in ms (default 1000; 100 with --smoke)
  --help              this text`;

const positiveInteger = z.coerce.number().int().positive();

/**
 * Parses `process.argv.slice(2)`.
 *
 * @throws TypeError (from node:util) on an unknown flag, or a ZodError on a bad number
 */
export function parseCliArguments(cliArguments: readonly string[]): CliArguments {
  const { values, positionals } = parseArgs({
    args: [...cliArguments],
    allowPositionals: true,
    strict: true,
    options: {
      smoke: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      out: { type: 'string' },
      repetitions: { type: 'string' },
      'time-ms': { type: 'string' },
    },
  });
  return {
    words: positionals,
    smoke: values.smoke,
    list: values.list,
    help: values.help,
    outDirectory: values.out === undefined ? undefined : resolve(values.out),
    repetitions:
      values.repetitions === undefined ? undefined : positiveInteger.parse(values.repetitions),
    timeMs: values['time-ms'] === undefined ? undefined : positiveInteger.parse(values['time-ms']),
  };
}
