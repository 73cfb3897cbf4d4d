/**
 * Records as readers hand them out: {@link WalRecord} (a copy, kept as long as you like) and
 * {@link WalRecordView} (the flyweight `poll` hands its handler: no allocation per record), and
 * the stateless reads by index (`readFrom`).
 *
 * @module
 */
import { RecordView } from '@annal/native/internal';

import { checkInteger, checkOptionsObject } from './arguments.js';
import type { Cursor, RecordLocation } from './cursor.js';
import type { Topic } from './topic.js';

/** One record as `next()`, `peek()`, `follow()` and `readFrom()` return it: its own copy. */
export interface WalRecord {
  /** The record's index in its topic (0, 1, 2, …). */
  readonly index: number;
  /** A copy of its payload: yours to keep. */
  readonly payload: Uint8Array;
}

/**
 * The record a `poll` handler gets: one object per reader, refilled for every record, valid only
 * during the handler's call (the bytes behind it belong to the log and are reused or unmapped
 * afterwards). Read `buffer[offset, offset + length)` to allocate nothing; `payload` makes a view
 * (one small allocation, valid during the call only), `copy()` a copy to keep, and `text()` and
 * `json()` decode it.
 */
export class WalRecordView extends RecordView implements WalRecord {
  /** The record's index in its topic (0, 1, 2, …). */
  declare index: number;

  /** @internal */
  fill(location: RecordLocation): this {
    this.index = location.index;
    this.buffer = location.bytes;
    this.offset = location.start;
    this.length = location.length;
    return this;
  }
}

/** A copy of the record at `location`. */
export function copyRecord(location: RecordLocation): WalRecord {
  return {
    index: location.index,
    payload: location.bytes.slice(location.start, location.start + location.length),
  };
}

/** Limits of a stateless read (`wal.readFrom`): how many records, how many payload bytes. */
export interface ReadLimits {
  /** Stop at this many records (an integer from 1). Default 2,000. */
  readonly maxRecords?: number;
  /**
   * Stop before this many payload bytes (an integer from 0); one record is returned whatever
   * its size. Default 1 MiB.
   */
  readonly maxBytes?: number;
}

/** `maxRecords` of a read when not given. */
export const DEFAULT_READ_MAX_RECORDS = 2000;
/** `maxBytes` of a read when not given. */
export const DEFAULT_READ_MAX_BYTES = 1024 * 1024;

/** The limits, checked. @throws ERR_ANNAL_INVALID_ARGUMENT naming `maxRecords` or `maxBytes` */
export function readLimits(limits: ReadLimits | undefined): [maxRecords: number, maxBytes: number] {
  checkOptionsObject(limits, 'limits');
  // Only a missing limit takes its default: null is a wrong value, not an absent one.
  const maxRecords: unknown = limits?.maxRecords;
  const maxBytes: unknown = limits?.maxBytes;
  if (maxRecords !== undefined) checkInteger(maxRecords, 'maxRecords', 1);
  if (maxBytes !== undefined) checkInteger(maxBytes, 'maxBytes', 0);
  return [maxRecords ?? DEFAULT_READ_MAX_RECORDS, maxBytes ?? DEFAULT_READ_MAX_BYTES];
}

/**
 * Copies records from `cursor` on, moving it, within the limits (at least one if any). A bad
 * record ends the batch before it, so what was read is returned and the next read reports it;
 * only a batch that would be empty throws.
 */
export function collect(
  log: Topic,
  cursor: Cursor,
  maxRecords: number,
  maxBytes: number,
): WalRecord[] {
  return collectMapped(log, cursor, maxRecords, maxBytes, copyRecord);
}

/**
 * {@link collect} with each record given to `map` where it lies (valid during the call only)
 * instead of copied. What `map` throws is a bad record: it ends the batch before it, or is
 * thrown when the batch would be empty.
 */
export function collectMapped<T>(
  log: Topic,
  cursor: Cursor,
  maxRecords: number,
  maxBytes: number,
  map: (location: RecordLocation) => T,
): T[] {
  const records: T[] = [];
  try {
    let bytes = 0;
    while (records.length < maxRecords) {
      const location = log.peek(cursor);
      if (location === undefined) break;
      if (records.length > 0 && bytes + location.length > maxBytes) break;
      bytes += location.length;
      records.push(map(location));
      log.advance(cursor, location);
    }
  } catch (error) {
    if (records.length === 0) throw error;
  }
  return records;
}
