/**
 * The shape every benchmark declares: a suite is a set of scenarios, and each scenario
 * lists one factory per implementation. The CLI runs every (scenario, implementation) pair that
 * its words select in a fresh child process, so nothing a factory does can leak JIT feedback,
 * inline caches or heap state into another pair.
 *
 * @module
 */
import type { MeasureBudget } from './measure-budget.js';

/**
 * An operation the harness times with tinybench. One tinybench sample calls `operation`
 * `callsPerSample` times in a plain loop; the sample's duration is divided by
 * `callsPerSample × operationsPerCall` to give the duration of one operation. Batch cheap
 * operations (a few ns) so the clock read per sample does not dominate.
 */
export interface TimedMeasurement {
  readonly kind: 'timed';
  /** The work being measured. Must not allocate if the scenario promises zero allocation. */
  readonly operation: () => void;
  /** How many times one sample calls `operation` back to back (1 above a few microseconds). */
  readonly callsPerSample: number;
  /**
   * How many of the scenario's operations one call performs (default 1); e.g. one 64 MiB copy
   * counts as 1,048,576 record-equivalents of 64 B, so its row reads in ns per record.
   */
  readonly operationsPerCall?: number;
  /** Releases what setup took (mappings, fds, temporary files). Runs even when timing threw. */
  readonly teardown?: () => void | Promise<void>;
  /** Anything a reader of the table must know about how this row was measured. */
  readonly notes?: string;
}

/**
 * A measurement that times itself, e.g. by running a compiled C program that reads the clock
 * around each operation. It returns one duration per operation, in nanoseconds.
 */
export interface SelfTimedMeasurement {
  readonly kind: 'self-timed';
  /** Warms up and measures within `budget`; resolves with per-operation durations in ns. */
  readonly measure: (budget: MeasureBudget) => Promise<readonly number[]>;
  /** Releases what setup took. Runs even when measuring threw. */
  readonly teardown?: () => void | Promise<void>;
  /** Anything a reader of the table must know about how this row was measured. */
  readonly notes?: string;
}

/** What an implementation's factory returns: either kind of measurement. */
export type Measurement = TimedMeasurement | SelfTimedMeasurement;

/**
 * What a contender is: our code, what a user would do instead (a peer or plain Node), or a
 * physical limit (no JS at all) that bounds what any implementation can reach.
 */
export type ImplementationRole = 'annal' | 'peer' | 'limit';

/** One contender in a scenario (our code, a peer, or a physical limit). */
export interface Implementation {
  /** Kebab-case id, unique within its scenario, e.g. `annal`, `c-syscall`, `buffer-copy`. */
  readonly id: string;
  /** Our code, a peer, or a physical limit; the chart colours bars by it. */
  readonly role: ImplementationRole;
  /** One line on what exactly runs. */
  readonly description: string;
  /** Setup: prepares files, buffers and closures, then returns what to time. */
  readonly create: () => Measurement | Promise<Measurement>;
}

/** One workload, measured once per implementation. */
export interface Scenario {
  /** Kebab-case id, unique within its suite, e.g. `msync-4KiB-dirty`. */
  readonly id: string;
  /** One line on the workload. */
  readonly description: string;
  /** Bytes one operation moves (0 when it moves none); MB/s is derived from it. */
  readonly payloadBytes: number;
  /** The contenders, in the order the table and chart list them. */
  readonly implementations: readonly Implementation[];
}

/** A family of scenarios, e.g. `native/sync-latency`. */
export interface Suite {
  /** `<package>/<topic>`; its segments also select the suite on the command line. */
  readonly id: string;
  /** Title for humans. */
  readonly title: string;
  /** Extra words that select the whole suite (`pnpm bench native`). Lower case. */
  readonly tags: readonly string[];
  readonly scenarios: readonly Scenario[];
}

/** One (suite, scenario, implementation) triple: what one child process measures. */
export interface MatrixCell {
  readonly suite: Suite;
  readonly scenario: Scenario;
  readonly implementation: Implementation;
}
