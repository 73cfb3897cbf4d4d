/**
 * Everything the report writers need about one run: the rows, where and how they were
 * measured, and the one-line descriptions of what each row runs.
 *
 * @module
 */
import type { MeasureBudget } from '../measure-budget.js';
import type { ResultRow } from '../result-row.js';
import type { MatrixCell } from '../suite.js';
import type { RunEnvironment } from './environment.js';

/** Input of the markdown and SVG writers. */
export interface ReportInput {
  readonly environment: RunEnvironment;
  /** The budget each child measured within. */
  readonly budget: MeasureBudget;
  /** How many interleaved runs of the matrix each row combines. */
  readonly repetitions: number;
  /** True for `--smoke` (numbers not worth reading). */
  readonly smoke: boolean;
  /** One row per selected cell, in run order. */
  readonly rows: readonly ResultRow[];
  /** The selected cells, for their descriptions. */
  readonly cells: readonly MatrixCell[];
}
