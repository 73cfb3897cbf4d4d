/**
 * Starts the child that measures one cell and waits for its one JSON result line. A child that
 * crashes, exits non-zero, times out or prints no valid row yields a failure with the tail of
 * its stderr, never an exception: one bad cell must not stop the run.
 *
 * @module
 */
import { spawn } from 'node:child_process';

import { CHILD_SCRIPT_PATH } from './bench-paths.js';
import type { MeasureBudget } from './measure-budget.js';
import { resultRowSchema, type ResultRow } from './result-row.js';
import type { MatrixCell } from './suite.js';

/** What became of one child: its row, or why there is none. */
export type ChildOutcome =
  { readonly ok: true; readonly row: ResultRow } | { readonly ok: false; readonly reason: string };

/** Setup (compiling C, pre-faulting 64 MiB) plus a generous multiple of the budget. */
function computeTimeoutMs(budget: MeasureBudget): number {
  return 60_000 + 10 * (budget.warmupMs + budget.timeMs);
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join(' ⏎ ');
}

/** The error lines of a child's stderr without the stack frames, which say nothing in a table. */
function describeStderr(stderr: string): string {
  const messageLines = stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s+at /.test(line));
  return messageLines.slice(-2).join(' ⏎ ') || '(nothing on stderr)';
}

function parseResultLine(stdout: string): ResultRow | undefined {
  const line = stdout
    .trimEnd()
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith('{'));
  if (line === undefined) return undefined;
  const parsed = resultRowSchema.safeParse(JSON.parse(line));
  return parsed.success ? parsed.data : undefined;
}

/** The outcome of a child that exited on its own. */
function judgeExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  stdout: string,
  stderr: string,
): ChildOutcome {
  if (code !== 0) {
    const how = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
    return { ok: false, reason: `child failed (${how}): ${describeStderr(stderr)}` };
  }
  let row: ResultRow | undefined;
  try {
    row = parseResultLine(stdout);
  } catch {
    row = undefined;
  }
  return row === undefined
    ? { ok: false, reason: `child printed no valid result line: ${lastLines(stdout, 2)}` }
    : { ok: true, row };
}

/**
 * Runs `node dist/child.js <suite> <scenario> <implementation> <budget json>` for `cell`.
 *
 * @param cell - what to measure
 * @param budget - passed to the child as JSON
 */
export function runChild(cell: MatrixCell, budget: MeasureBudget): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        CHILD_SCRIPT_PATH,
        cell.suite.id,
        cell.scenario.id,
        cell.implementation.id,
        JSON.stringify(budget),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timeoutMs = computeTimeoutMs(budget);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `could not start the child: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(
        timedOut
          ? { ok: false, reason: `timed out after ${timeoutMs} ms` }
          : judgeExit(code, signal, stdout, stderr),
      );
    });
  });
}
