/**
 * `@annal/replay/wal`: `@annal/wal` topics and event logs as replay {@link Source}s.
 *
 * @module
 */
import { InvalidArgumentError, NotFoundError } from '@annal/native';
import type { Event, EventLog, Wal } from '@annal/wal';

import {
  MutableBytesRecord,
  MutableValueRecord,
  type BytesRecord,
  type ReplayRecord,
} from './record.js';
import { checkIndexOption } from './index-option.js';
import type { Source } from './source.js';

/** Options of {@link fromTopic}. */
export interface TopicSourceOptions {
  /** The stream's name. Default the topic. */
  readonly name?: string;
  /** The index of the first record. Default the oldest record kept. */
  readonly from?: number;
  /** The index of the last record (inclusive). Default the last one there is. */
  readonly to?: number;
  /** Each record's timestamp, Unix ms, from its bytes. Default none (`NaN`). */
  readonly timestamp?: (payload: Uint8Array, index: number) => number;
  /** Each record's type, for `types` filters. Default `''`. */
  readonly type?: (payload: Uint8Array, index: number) => string;
}

/**
 * The records of `topic` in index order. Each record's bytes are a copy (the wal's zero-copy
 * views are valid only inside its own `poll` call), so `value` stays valid after the handler.
 * Reads through an unnamed reader (no index is stored; closed with the source).
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT for a bad `from`/`to`; ERR_ANNAL_NOT_FOUND when `from` is
 *   neither a record kept nor the next index; the source's `next()` throws
 *   ERR_ANNAL_CORRUPT at a damaged record
 */
export function fromTopic(
  wal: Wal,
  topic: string,
  options: TopicSourceOptions = {},
): Source<BytesRecord> {
  const { from, to, timestamp, type } = options;
  checkIndexOption('fromTopic', from, 'from');
  checkIndexOption('fromTopic', to, 'to');
  const name = options.name ?? topic;
  const reader = wal.reader(topic);
  if (from !== undefined && !reader.seek(from)) {
    reader.close();
    throw new NotFoundError(
      `fromTopic: topic ${JSON.stringify(topic)} has no record ${from} (from), and it is not the next index either`,
      { field: 'from', path: wal.directory },
    );
  }
  const record = new MutableBytesRecord(name);
  let ended = false;
  return {
    name,
    next() {
      if (ended) return undefined;
      const read = reader.next();
      if (read === undefined || (to !== undefined && read.index > to)) {
        ended = true;
        return undefined;
      }
      record.fill(read.index, read.payload, 0, read.payload.length);
      record.timestamp = timestamp === undefined ? Number.NaN : timestamp(read.payload, read.index);
      record.type = type === undefined ? '' : type(read.payload, read.index);
      return record;
    },
    close() {
      ended = true;
      reader.close();
    },
  };
}

/** Options of {@link fromEventLog}. */
export interface EventLogSourceOptions {
  /** The stream's name. Default `<topic>#<partition>`. */
  readonly name?: string;
  /** The index of the first event. Default 0 (or the oldest kept). */
  readonly from?: number;
  /** The index of the last event (inclusive). Default the last one there is. */
  readonly to?: number;
  /** Events read per batch: an integer from 1. Default 1,024. */
  readonly batch?: number;
}

/**
 * The events of a wal event log (`wal.events(topic, partition)`), in index order: each record's
 * `value` is the decoded {@link Event} (a fresh object, yours to keep), its `timestamp` the
 * event's, its `type` the event's type.
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT for a bad `from`, `to` or `batch`; the source's first
 *   `next()` throws ERR_ANNAL_NOT_FOUND when an explicit `from` is neither an event kept nor the
 *   next index; the source's `next()`
 *   throws ERR_ANNAL_CORRUPT at a damaged event
 */
export function fromEventLog(
  log: EventLog,
  options: EventLogSourceOptions = {},
): Source<ReplayRecord<Event>> {
  const { from = 0, to, batch = 1024 } = options;
  checkIndexOption('fromEventLog', from, 'from');
  checkIndexOption('fromEventLog', to, 'to');
  if (!(Number.isSafeInteger(batch) && batch >= 1)) {
    throw new InvalidArgumentError(
      `fromEventLog: batch must be an integer from 1: ${String(batch)}`,
      {
        field: 'batch',
      },
    );
  }
  const name = options.name ?? `${log.topic}#${log.partition}`;
  return new EventLogSource(log, name, from, to ?? Number.POSITIVE_INFINITY, batch, options.from);
}

/**
 * The source {@link fromEventLog} returns: events read `batch` at a time, handed out one by one
 * from the batch (a class with its state in fields: its `next()` is on a replay's per-record path).
 */
class EventLogSource implements Source<ReplayRecord<Event>> {
  readonly name: string;
  readonly #log: EventLog;
  readonly #record: MutableValueRecord<Event>;
  /** The last index to return (`to`, or +Infinity). */
  readonly #last: number;
  readonly #batch: number;
  /** The `from` option as given (undefined: start wherever the log starts). */
  readonly #from: number | undefined;
  #events: Event[] = [];
  #at = 0;
  #nextIndex: number;
  #ended = false;
  #checkedFrom = false;

  constructor(
    log: EventLog,
    name: string,
    from: number,
    last: number,
    batch: number,
    explicitFrom: number | undefined,
  ) {
    this.name = name;
    this.#log = log;
    this.#record = new MutableValueRecord<Event>(name, undefined as unknown as Event);
    this.#nextIndex = from;
    this.#last = last;
    this.#batch = batch;
    this.#from = explicitFrom;
  }

  next(): ReplayRecord<Event> | undefined {
    if (this.#ended) return undefined;
    let events = this.#events;
    if (this.#at >= events.length) {
      events = this.#refill();
      if (events.length === 0) return undefined;
    }
    const event = events[this.#at++] as Event;
    if (event.index > this.#last) {
      this.#ended = true;
      return undefined;
    }
    this.#nextIndex = event.index + 1;
    const record = this.#record;
    record.index = event.index;
    record.timestamp = event.timestamp;
    record.type = event.type;
    record.value = event;
    return record;
  }

  /** The next batch (ended when it is empty). */
  #refill(): Event[] {
    const events = this.#log.readFrom(this.#nextIndex, this.#batch);
    this.#events = events;
    this.#at = 0;
    if (!this.#checkedFrom) {
      this.#checkedFrom = true;
      checkEventLogFrom(this.#log, this.#from, events);
    }
    if (events.length === 0) this.#ended = true;
    return events;
  }

  close(): void {
    this.#ended = true;
    this.#events = [];
  }
}

/**
 * An explicit `from` must be an event kept, or the index the next event will get: readFrom
 * would otherwise start silently at the oldest event kept, or return nothing.
 */
function checkEventLogFrom(log: EventLog, from: number | undefined, first: readonly Event[]): void {
  if (from === undefined) return;
  const found = first[0]?.index;
  if (found === from) return;
  if (found === undefined && from === (log.lastIndex() ?? -1) + 1) return;
  throw new NotFoundError(
    `fromEventLog: topic ${JSON.stringify(log.topic)} partition ${log.partition} has no event ${from} (from)`,
    { field: 'from' },
  );
}
