/**
 * Order statistics over per-operation durations. Both measurement kinds (tinybench-timed and
 * self-timed C programs) go through this one function, so their medians and p99s are computed
 * the same way and are comparable.
 *
 * @module
 */

/** Median, p99 and count of a set of per-operation durations. */
export interface SampleSummary {
  /** Median duration of one operation, in ns. */
  readonly medianNs: number;
  /** 99th percentile duration of one operation, in ns. */
  readonly p99Ns: number;
  /** How many samples the figures come from (a batched sample counts once). */
  readonly samples: number;
}

/**
 * The `fraction` quantile of ascending `sorted` values, interpolating linearly between the two
 * nearest ranks (R type 7, as spreadsheets and numpy do).
 *
 * @param sorted - values in ascending order, at least one
 * @param fraction - 0 for the minimum, 0.5 for the median, 1 for the maximum
 */
export function computeQuantile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) throw new RangeError('computeQuantile: no samples');
  const rank = (sorted.length - 1) * fraction;
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  const lower = sorted[below] ?? 0;
  const upper = sorted[above] ?? lower;
  return lower + (upper - lower) * (rank - below);
}

/**
 * Summarizes per-operation durations.
 *
 * @param durationsNs - one duration per sample in ns (for a batched sample, the batch mean)
 * @throws RangeError when there are no samples
 */
export function summarizeSamples(durationsNs: readonly number[]): SampleSummary {
  const sorted = [...durationsNs].sort((left, right) => left - right);
  return {
    medianNs: computeQuantile(sorted, 0.5),
    p99Ns: computeQuantile(sorted, 0.99),
    samples: sorted.length,
  };
}
