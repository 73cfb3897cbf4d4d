/**
 * Folds the repetitions of one cell into its table row: the median of the runs' medians and of
 * their p99s, so one disturbed run (a neighbour syncing, a GC storm) moves the row little.
 *
 * @module
 */
import { computeRates, FAILED_NOTE_PREFIX, type ResultRow } from './result-row.js';
import { computeQuantile } from './sample-summary.js';
import type { ChildOutcome } from './run-child.js';
import type { MatrixCell } from './suite.js';
import { formatDuration } from './report/format-units.js';

function median(values: readonly number[]): number {
  return computeQuantile(
    [...values].sort((left, right) => left - right),
    0.5,
  );
}

/**
 * The row for `cell` from all its runs. Any failed run makes the row FAILED: a row built from
 * the runs that happened to survive would hide a crash.
 *
 * @param cell - the cell the outcomes belong to
 * @param outcomes - one per repetition, at least one
 */
export function combineRepetitions(cell: MatrixCell, outcomes: readonly ChildOutcome[]): ResultRow {
  const identity = {
    suite: cell.suite.id,
    scenario: cell.scenario.id,
    implementation: cell.implementation.id,
    payloadBytes: cell.scenario.payloadBytes,
  };
  const rows: ResultRow[] = [];
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      return {
        ...identity,
        opsPerSec: null,
        mbPerSec: null,
        medianNs: null,
        p99Ns: null,
        samples: 0,
        notes: `${FAILED_NOTE_PREFIX}: ${outcome.reason}`,
      };
    }
    rows.push(outcome.row);
  }
  const medians = rows.map((row) => row.medianNs ?? 0);
  const medianNs = median(medians);
  const p99Ns = median(rows.map((row) => row.p99Ns ?? 0));
  const spread =
    rows.length > 1
      ? `; median of ${rows.length} runs (run medians ${formatDuration(Math.min(...medians))}–${formatDuration(Math.max(...medians))})`
      : '';
  return {
    ...identity,
    ...computeRates(medianNs, cell.scenario.payloadBytes),
    medianNs,
    p99Ns,
    samples: rows.reduce((total, row) => total + row.samples, 0),
    notes: `${rows[0]?.notes ?? ''}${spread}`,
  };
}
