/**
 * Measures one (suite, scenario, implementation) cell in this fresh process and prints one JSON
 * result line on stdout. The CLI starts one child per cell and repetition, so no JIT feedback,
 * inline cache or heap state crosses from one cell to another.
 *
 *   node dist/child.js <suite> <scenario> <implementation> <budget json>
 *
 * Exits non-zero (and prints the error on stderr) when setup, measuring or teardown throws.
 *
 * @module
 */
import { runMeasurement } from './harness.js';
import { findCell } from './matrix.js';
import { measureBudgetSchema } from './measure-budget.js';
import { computeRates, type ResultRow } from './result-row.js';
import { loadSuite } from './suites/index.js';

async function main(): Promise<void> {
  const [suiteId = '', scenarioId = '', implementationId = '', budgetJson = '{}'] =
    process.argv.slice(2);
  // Only this cell's suite module: importing every suite's peers costs ~0.6 s a child.
  const suite = await loadSuite(suiteId);
  const cell = suite && findCell([suite], suiteId, scenarioId, implementationId);
  if (cell === undefined)
    throw new Error(`no such cell: ${suiteId} ${scenarioId} ${implementationId}`);
  const budget = measureBudgetSchema.parse(JSON.parse(budgetJson));

  const measurement = await cell.implementation.create();
  let summary;
  try {
    summary = await runMeasurement(measurement, budget);
  } finally {
    await measurement.teardown?.();
  }

  const { payloadBytes } = cell.scenario;
  const row: ResultRow = {
    suite: cell.suite.id,
    scenario: cell.scenario.id,
    implementation: cell.implementation.id,
    payloadBytes,
    ...computeRates(summary.medianNs, payloadBytes),
    medianNs: summary.medianNs,
    p99Ns: summary.p99Ns,
    samples: summary.samples,
    notes: measurement.notes ?? '',
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
