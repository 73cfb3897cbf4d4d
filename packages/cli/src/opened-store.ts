/**
 * One interface over every kind of store, so each command is written once: what `ls` shows,
 * reading records in index order, the last records, following new ones, verifying.
 *
 * @module
 */
import { InvalidArgumentError, type VerifyReport } from '@annal/native';
import type { Event } from '@annal/wal';

import type { ArchiveReading } from './archive-store.js';
import type { Store } from './store.js';

/** One record as the commands show it. */
export interface StoreRecord {
  /** The wal topic it belongs to (`topic` or `topic#partition`); undefined for a queue or channel. */
  readonly stream: string | undefined;
  readonly index: number;
  /** Unix ms where the store keeps a time per record (wal events); else undefined. */
  readonly timestamp: number | undefined;
  /** The payload; for a wal event, its encoded record. Valid during the visit only. */
  readonly payload: Uint8Array;
  /** The decoded event, for an event-log partition of a wal. */
  readonly event: Event | undefined;
}

/** Which records: an index range and, in a wal, which topic (and partition). */
export interface Selection {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly limit?: number | undefined;
  readonly topic?: string | undefined;
  readonly partition?: number | undefined;
}

/**
 * Refuses a range that selects nothing by construction (`--from` after the last index): a user
 * who typed it meant something else.
 * @param last - the option that named the last index (`--to`, or `--until` for export)
 */
export function checkRange(selection: Selection, last: string): void {
  const { from, to } = selection;
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidArgumentError(`annal: --from ${from} is after ${last} ${to}`, {
      field: 'from',
    });
  }
}

/** Called for each record; may wait (for a slow stdout). */
export type Visit = (record: StoreRecord) => void | Promise<void>;

/** What `ls` shows: a JSON value for scripts and lines for people. */
export interface Listing {
  readonly json: unknown;
  readonly lines: readonly string[];
}

/** One row of `stats`: a period of time and what the store got in it. */
export interface Period {
  /** Unix ms at which the period starts. */
  readonly start: number;
  /** Its length in ms. */
  readonly lengthMs: number;
  readonly records: number;
  /** Bytes on disk for a queue's cycle file; bytes of event data for an event log. */
  readonly bytes: number;
}

/** What `stats` shows: periods of one store or stream, and how they were measured. */
export interface Statistics {
  readonly stream: string | undefined;
  /** What a period is: `cycle` (a queue's cycle file) or `hour` / `day` (by event time). */
  readonly unit: 'cycle' | 'hour' | 'day';
  readonly periods: readonly Period[];
}

/** A store opened for reading (never for writing, never taking a writer's lock). */
export interface OpenedStore {
  readonly store: Store;
  /** For a queue that `@annal/archiver` wrote: its messages. Undefined for any other store. */
  readonly archive?: ArchiveReading;
  list(): Listing;
  /** Visits the selected records in index order; resolves with how many. */
  read(selection: Selection, visit: Visit): Promise<number>;
  /** The index to start at to get the last `count` selected records. */
  startOfLast(count: number, selection: Selection): number | undefined;
  /** Visits records appended after `after` (an index; -1 for all) until `signal` aborts. */
  follow(selection: Selection, after: number, signal: AbortSignal, visit: Visit): Promise<void>;
  verify(onProgress: (doneBytes: number, totalBytes: number) => void): VerifyReport;
  /** Records and bytes per period: a queue's cycles, or an event log's hours or days. */
  statistics(selection: Selection, by: 'hour' | 'day'): Promise<Statistics>;
  close(): Promise<void>;
}
