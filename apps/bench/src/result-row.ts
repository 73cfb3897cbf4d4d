/**
 * One row of the results: what a child prints as its single JSON line, what latest.json holds
 * (one object per row) and what the table and chart are drawn from.
 *
 * @module
 */
import { z } from 'zod';

/**
 * Schema of a result row. Rate and duration fields are null when the row FAILED; `mbPerSec` is
 * also null for operations that move no bytes (`payloadBytes` 0). MB means 10^6 bytes.
 */
export const resultRowSchema = z.object({
  suite: z.string().min(1),
  scenario: z.string().min(1),
  implementation: z.string().min(1),
  /** Bytes one operation moves. */
  payloadBytes: z.number().int().nonnegative(),
  /** 10^9 / medianNs: operations per second at the median. */
  opsPerSec: z.number().positive().nullable(),
  /** payloadBytes × opsPerSec / 10^6. */
  mbPerSec: z.number().nonnegative().nullable(),
  /** Median duration of one operation in ns. */
  medianNs: z.number().nonnegative().nullable(),
  /** 99th-percentile duration of one operation in ns. */
  p99Ns: z.number().nonnegative().nullable(),
  /** Samples behind the figures, summed over repetitions. */
  samples: z.number().int().nonnegative(),
  /** How the row was measured, or why it FAILED. */
  notes: z.string(),
});

/** One result row; see {@link resultRowSchema}. */
export type ResultRow = z.infer<typeof resultRowSchema>;

/** Prefix of `notes` on a row whose child process failed. */
export const FAILED_NOTE_PREFIX = 'FAILED';

/** True when the row holds no figures because its child failed. */
export function isFailedRow(row: ResultRow): boolean {
  return row.medianNs === null;
}

/**
 * Derives the rates from a median: ops/s is 10^9 / median ns, MB/s scales that by the payload.
 * Both are null when the median is not positive.
 *
 * @param medianNs - median duration of one operation, in ns
 * @param payloadBytes - bytes one operation moves (0: MB/s is not applicable and is null)
 */
export function computeRates(
  medianNs: number,
  payloadBytes: number,
): { opsPerSec: number | null; mbPerSec: number | null } {
  // A zero median means the operation is below the clock's resolution: no honest rate exists.
  if (!(medianNs > 0)) return { opsPerSec: null, mbPerSec: null };
  const opsPerSec = 1e9 / medianNs;
  return { opsPerSec, mbPerSec: payloadBytes > 0 ? (payloadBytes * opsPerSec) / 1e6 : null };
}
