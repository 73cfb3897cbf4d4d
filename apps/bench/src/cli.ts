/**
 * `pnpm bench [words…]`: selects cells by words, measures each in a fresh child process
 * (repetitions interleaved: run 1 of every cell, then run 2, …, so a slow minute on this shared
 * VM hurts every row a little instead of one row a lot), prints progress and the markdown
 * table, and writes latest.md, latest.svg and latest.json. A failed child marks its row FAILED
 * and makes the exit code 1 at the end; it never stops the run.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { DEFAULT_RESULTS_DIRECTORY, SMOKE_RESULTS_DIRECTORY } from './bench-paths.js';
import { parseCliArguments, USAGE, type CliArguments } from './cli-arguments.js';
import { combineRepetitions } from './combine-repetitions.js';
import { listCells, selectCells } from './matrix.js';
import {
  FULL_BUDGET,
  FULL_REPETITIONS,
  SMOKE_BUDGET,
  type MeasureBudget,
} from './measure-budget.js';
import { describeCommand, describeEnvironment } from './report/environment.js';
import { formatCount, formatDuration } from './report/format-units.js';
import { renderMarkdown } from './report/markdown.js';
import type { ReportInput } from './report/report-input.js';
import { renderSvg } from './report/svg.js';
import { isFailedRow } from './result-row.js';
import { runChild, type ChildOutcome } from './run-child.js';
import type { MatrixCell } from './suite.js';
import { loadAllSuites } from './suites/index.js';

function describeCell({ suite, scenario, implementation }: MatrixCell): string {
  return `${suite.id} › ${scenario.id} › ${implementation.id}`;
}

function printList(cells: readonly MatrixCell[]): void {
  for (const cell of cells) process.stdout.write(`${describeCell(cell)}\n`);
  process.stdout.write(`${cells.length} pair(s)\n`);
}

function chooseBudget(cliArguments: CliArguments): MeasureBudget {
  const preset = cliArguments.smoke ? SMOKE_BUDGET : FULL_BUDGET;
  return cliArguments.timeMs === undefined ? preset : { ...preset, timeMs: cliArguments.timeMs };
}

function describeOutcome(outcome: ChildOutcome): string {
  if (!outcome.ok) return `FAILED: ${outcome.reason}`;
  const { medianNs, p99Ns, samples } = outcome.row;
  return `median ${formatDuration(medianNs ?? 0)}, p99 ${formatDuration(p99Ns ?? 0)}, ${formatCount(samples)} samples`;
}

async function measureAll(
  cells: readonly MatrixCell[],
  budget: MeasureBudget,
  repetitions: number,
): Promise<ChildOutcome[][]> {
  const outcomes: ChildOutcome[][] = cells.map(() => []);
  const total = cells.length * repetitions;
  const width = String(total).length;
  let started = 0;
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    for (const [index, cell] of cells.entries()) {
      started++;
      const startMs = performance.now();
      const outcome = await runChild(cell, budget);
      outcomes[index]?.push(outcome);
      const seconds = ((performance.now() - startMs) / 1000).toFixed(1);
      const runLabel = repetitions > 1 ? ` (run ${repetition}/${repetitions})` : '';
      process.stdout.write(
        `[${String(started).padStart(width)}/${total}] ${describeCell(cell)}${runLabel}: ${describeOutcome(outcome)} (${seconds} s)\n`,
      );
    }
  }
  return outcomes;
}

async function main(): Promise<number> {
  const rawArguments = process.argv.slice(2);
  let cliArguments: CliArguments;
  try {
    cliArguments = parseCliArguments(rawArguments);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (cliArguments.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const suites = await loadAllSuites();
  const cells = selectCells(suites, cliArguments.words);
  if (cells.length === 0) {
    process.stderr.write(`no benchmark matches "${cliArguments.words.join(' ')}". Known pairs:\n`);
    for (const cell of listCells(suites)) process.stderr.write(`  ${describeCell(cell)}\n`);
    return 2;
  }
  if (cliArguments.list) {
    printList(cells);
    return 0;
  }

  const startedAt = new Date();
  const budget = chooseBudget(cliArguments);
  const repetitions = cliArguments.repetitions ?? (cliArguments.smoke ? 1 : FULL_REPETITIONS);
  const outDirectory =
    cliArguments.outDirectory ??
    (cliArguments.smoke ? SMOKE_RESULTS_DIRECTORY : DEFAULT_RESULTS_DIRECTORY);
  process.stdout.write(
    `annal bench: ${cells.length} pair(s) × ${repetitions} run(s), ${budget.warmupMs} ms warmup + ${budget.timeMs} ms each, one child process per run\n`,
  );

  const outcomes = await measureAll(cells, budget, repetitions);
  const rows = cells.map((cell, index) => combineRepetitions(cell, outcomes[index] ?? []));
  const input: ReportInput = {
    environment: describeEnvironment(describeCommand(rawArguments), startedAt),
    budget,
    repetitions,
    smoke: cliArguments.smoke,
    rows,
    cells,
  };
  const markdown = renderMarkdown(input);
  process.stdout.write(`\n${markdown}`);

  mkdirSync(outDirectory, { recursive: true });
  writeFileSync(join(outDirectory, 'latest.md'), markdown);
  writeFileSync(join(outDirectory, 'latest.svg'), renderSvg(input));
  writeFileSync(join(outDirectory, 'latest.json'), `${JSON.stringify(rows, null, 2)}\n`);
  const relativeDirectory = relative(process.cwd(), outDirectory);
  const shownDirectory = relativeDirectory.startsWith('..')
    ? outDirectory
    : relativeDirectory || '.';
  process.stdout.write(
    `\nwrote ${join(shownDirectory, 'latest.md')}, latest.svg and latest.json\n`,
  );

  const failedCount = rows.filter(isFailedRow).length;
  if (failedCount > 0) {
    process.stderr.write(`${failedCount} row(s) FAILED\n`);
    return 1;
  }
  return 0;
}

main().then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
