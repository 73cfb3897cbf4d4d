/**
 * {@link ArchiverStats}: what an archiver has done so far, from the traffic thread's own
 * counters and the statistics block its worker fills (layout.ts).
 *
 * @module
 */
import {
  STAT_ARCHIVED,
  STAT_ARCHIVED_BYTES,
  STAT_ARCHIVED_MESSAGES,
  STAT_DURABLE,
  STAT_DURABLE_LAG_NS,
  STAT_LAG_NS,
  STAT_LAST_INDEX,
  STAT_SYNCS,
} from './layout.js';

/** What an archiver has done so far: cheap counters, read from memory. */
export interface ArchiverStats {
  /** Messages `record()` accepted (into the ring, or the `'wait'` backlog). */
  readonly recorded: number;
  /** Their bytes (bodies, without the 16-byte headers). */
  readonly recordedBytes: number;
  /** Messages dropped: ring full under `'drop'`, backlog full under `'wait'`, or too large. */
  readonly dropped: number;
  /** Of the dropped, those larger than {@link Archiver.maxMessageBytes}. */
  readonly oversized: number;
  /** Messages waiting in the `'wait'` backlog now. */
  readonly backlogged: number;
  /** Fraction of the ring in use now, 0 to 1. */
  readonly ringFill: number;
  /** Records of every kind the worker has appended to the queue (messages and declarations). */
  readonly archived: number;
  /** Messages among them. */
  readonly archivedMessages: number;
  /** Their body bytes. */
  readonly archivedBytes: number;
  /** Queue index of the last record appended; -1 before the first. */
  readonly lastIndex: number;
  /**
   * Nanoseconds from `record()` to the queue file (from then on a crash of the process cannot
   * lose it), of the last record of the worker's last batch; NaN before the first.
   */
  readonly lagNs: number;
  /** Records (of every kind) covered by the last completed sync: they survive power loss. */
  readonly durable: number;
  /** Nanoseconds from `record()` to synced, of the last record the last sync covered; NaN before. */
  readonly durableLagNs: number;
  /** Completed syncs. */
  readonly syncs: number;
  /** `'running'`, `'failed'` (the worker died: see the 'error' event) or `'closed'`. */
  readonly state: 'running' | 'failed' | 'closed';
}

/** The counters the traffic thread keeps itself: the first six of {@link ArchiverStats}. */
type TrafficCounters = Pick<
  ArchiverStats,
  'recorded' | 'recordedBytes' | 'dropped' | 'oversized' | 'backlogged' | 'ringFill'
>;

/**
 * The stats now: the traffic thread's `counters`, and the worker's `cells` (NaN until the worker
 * first writes a cell: a count then reads 0, the last index -1, a lag NaN).
 */
export function archiverStats(
  counters: TrafficCounters,
  cells: Float64Array,
  state: ArchiverStats['state'],
): ArchiverStats {
  const lastIndex = cells[STAT_LAST_INDEX] as number;
  return {
    ...counters,
    archived: orZero(cells[STAT_ARCHIVED]),
    archivedMessages: orZero(cells[STAT_ARCHIVED_MESSAGES]),
    archivedBytes: orZero(cells[STAT_ARCHIVED_BYTES]),
    lastIndex: lastIndex === lastIndex ? lastIndex : -1,
    lagNs: cells[STAT_LAG_NS] as number,
    durable: orZero(cells[STAT_DURABLE]),
    durableLagNs: cells[STAT_DURABLE_LAG_NS] as number,
    syncs: orZero(cells[STAT_SYNCS]),
    state,
  };
}

function orZero(value: number | undefined): number {
  return value === value ? (value as number) : 0;
}
