/**
 * A wal directory as `annal` reads it: `Wal.open(directory, { readOnly: true })`, which takes no
 * lock and writes nothing, so the process that owns the wal goes on undisturbed. Plain topics
 * give their records; event-log partitions (`wal.events(topic, partition)`) their typed events.
 *
 * @module
 */
import { setTimeout as delay } from 'node:timers/promises';

import {
  CorruptError,
  InvalidArgumentError,
  NotFoundError,
  type VerifyReport,
} from '@annal/native';
// A wal has no cross-process wake-up: `follow` looks for new records as often as a read-only
// WalReader's follow() does.
import { FOLLOW_POLL_MS, Wal, type Event, type TopicInfo } from '@annal/wal';

import type { Listing, OpenedStore, Selection, Statistics, Visit } from './opened-store.js';
import type { Store } from './store.js';
import { counted, bytes as formatBytes, time } from './units.js';

/** Records read per `readFrom`. */
const BATCH = 1024;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const textEncoder = new TextEncoder();

/** Bytes of an event's data as stored: its JSON text, its text, or its bytes. */
function dataBytes(event: Event): number {
  const data = event.data;
  if ('bytes' in data) return data.bytes.length;
  return textEncoder.encode('text' in data ? data.text : JSON.stringify(data.json)).length;
}

/** `topic`, or `topic#partition` for an event-log partition. */
function streamName(info: TopicInfo): string {
  return info.partition === undefined ? info.topic : `${info.topic}#${info.partition}`;
}

/** Opens the wal at `store.path` read-only. */
export function openWalStore(store: Store): OpenedStore {
  const wal = Wal.open(store.path, { readOnly: true });

  /** The topic (or partition) a selection names; the only one when it names none. */
  const chosen = (selection: Selection): TopicInfo => {
    const topics = wal.topics();
    const matching = topics.filter(
      (info) =>
        (selection.topic === undefined || info.topic === selection.topic) &&
        (selection.partition === undefined || info.partition === selection.partition),
    );
    if (matching.length === 1) return matching[0] as TopicInfo;
    const names = topics.map(streamName).join(', ');
    if (matching.length === 0) {
      throw new NotFoundError(
        selection.topic === undefined
          ? `annal: the wal in ${store.path} has no topics`
          : `annal: the wal in ${store.path} has no topic ${JSON.stringify(selection.topic)}${selection.partition === undefined ? '' : ` partition ${selection.partition}`} (it has: ${names})`,
        { path: store.path, field: 'topic' },
      );
    }
    throw new InvalidArgumentError(
      `annal: the wal in ${store.path} has ${matching.length} ${selection.topic === undefined ? 'topics' : 'partitions of that topic'} (${matching.map(streamName).join(', ')}): choose one with --topic${selection.topic === undefined ? '' : ' and --partition'}`,
      { field: selection.topic === undefined ? 'topic' : 'partition' },
    );
  };

  /** An event log's first and last event times (plain topics keep none). */
  const eventTimes = (info: TopicInfo): { firstTimestamp?: number; lastTimestamp?: number } => {
    if (info.partition === undefined || info.firstIndex === undefined) return {};
    const log = wal.events(info.topic, info.partition);
    const [first] = log.readFrom(info.firstIndex, 1);
    const [last] = log.readFrom(info.lastIndex ?? info.firstIndex, 1);
    return first === undefined || last === undefined
      ? {}
      : { firstTimestamp: first.timestamp, lastTimestamp: last.timestamp };
  };

  /** Visits records from `index` on, in batches; resolves with how many, and the next index. */
  const readRange = async (
    info: TopicInfo,
    index: number,
    to: number,
    limit: number,
    visit: Visit,
  ): Promise<[count: number, next: number]> => {
    let count = 0;
    let next = index;
    const stream = streamName(info);
    while (count < limit) {
      const want = Math.min(BATCH, limit - count);
      if (info.partition === undefined) {
        const records = wal.readFrom(info.topic, next, { maxRecords: want });
        if (records.length === 0) break;
        for (const record of records) {
          if (record.index > to) return [count, next];
          await visit({
            stream,
            index: record.index,
            timestamp: undefined,
            payload: record.payload,
            event: undefined,
          });
          next = record.index + 1;
          count++;
        }
      } else {
        const events: Event[] = wal.events(info.topic, info.partition).readFrom(next, want);
        if (events.length === 0) break;
        for (const event of events) {
          if (event.index > to) return [count, next];
          await visit({
            stream,
            index: event.index,
            timestamp: event.timestamp,
            payload: new Uint8Array(0),
            event,
          });
          next = event.index + 1;
          count++;
        }
      }
    }
    return [count, next];
  };

  return {
    store,
    list(): Listing {
      const topics = wal.topics().map((info) => ({ ...info, ...eventTimes(info) }));
      const lines = [
        `wal ${store.path}`,
        topics.length === 0
          ? '  no topics'
          : `  ${topics.length} topic${topics.length === 1 ? '' : 's'}:`,
      ];
      for (const info of topics) {
        const times =
          info.firstTimestamp === undefined
            ? ''
            : `, ${time(info.firstTimestamp)} … ${time(info.lastTimestamp)}`;
        lines.push(
          `    ${streamName(info)}${info.partition === undefined ? '' : ' (events)'}  ${counted(info.records, 'record')}${info.records === 0 ? '' : ` (${info.firstIndex} … ${info.lastIndex}${times})`}  ${info.segments.length} segment${info.segments.length === 1 ? '' : 's'}, ${formatBytes(info.bytes)}`,
        );
        if (info.damage !== undefined) {
          lines.push(
            `      damaged: ${info.damage.message} (the records above end there; annal verify lists what is past it)`,
          );
        }
        for (const reader of info.readers) {
          lines.push(`      reader ${reader.name}  at ${reader.index}  ${reader.lag} behind`);
        }
      }
      return { json: { kind: 'wal', directory: store.path, topics }, lines };
    },
    async read(selection: Selection, visit: Visit): Promise<number> {
      const info = chosen(selection);
      const from = selection.from ?? info.firstIndex ?? 0;
      if (
        selection.from !== undefined &&
        (info.firstIndex === undefined || from < info.firstIndex || from > (info.lastIndex ?? -1))
      ) {
        throw new NotFoundError(
          `annal: ${streamName(info)} in ${store.path} has no record ${from} (--from; it keeps ${info.records === 0 ? 'none' : `${info.firstIndex} … ${info.lastIndex}`})`,
          { path: store.path, field: 'from' },
        );
      }
      const [count] = await readRange(
        info,
        from,
        selection.to ?? Number.POSITIVE_INFINITY,
        selection.limit ?? Number.POSITIVE_INFINITY,
        visit,
      );
      return count;
    },
    startOfLast(count: number, selection: Selection): number | undefined {
      const info = chosen(selection);
      // The last records cannot be told while a damaged record hides those after it.
      if (info.damage !== undefined) {
        throw new CorruptError(
          `annal: ${streamName(info)}: ${info.damage.message}; its last records are past the damage (annal verify lists it; annal dump reads up to it)`,
          { path: info.damage.path, offset: info.damage.offset },
        );
      }
      if (info.lastIndex === undefined || info.firstIndex === undefined) return undefined;
      return Math.max(info.firstIndex, info.lastIndex - count + 1);
    },
    async follow(
      selection: Selection,
      after: number,
      signal: AbortSignal,
      visit: Visit,
    ): Promise<void> {
      const info = chosen(selection);
      let next = after + 1;
      while (!signal.aborted) {
        const [count, moved] = await readRange(info, next, Number.POSITIVE_INFINITY, BATCH, visit);
        next = moved;
        if (count === 0) {
          try {
            await delay(FOLLOW_POLL_MS, undefined, { signal });
          } catch {
            return; // aborted
          }
        }
      }
    },
    async statistics(selection: Selection, by: 'hour' | 'day'): Promise<Statistics> {
      const info = chosen(selection);
      if (info.partition === undefined) {
        throw new InvalidArgumentError(
          `annal: ${streamName(info)} is a plain topic: its records carry no time, so stats needs an event log (--topic and --partition of wal.events())`,
          { field: 'topic' },
        );
      }
      const lengthMs = by === 'hour' ? HOUR_MS : DAY_MS;
      const periods = new Map<number, { records: number; bytes: number }>();
      await readRange(
        info,
        info.firstIndex ?? 0,
        Number.POSITIVE_INFINITY,
        Number.POSITIVE_INFINITY,
        (record) => {
          const event = record.event as Event;
          const start = Math.floor(event.timestamp / lengthMs) * lengthMs;
          const period = periods.get(start) ?? { records: 0, bytes: 0 };
          period.records++;
          period.bytes += dataBytes(event);
          periods.set(start, period);
        },
      );
      return {
        stream: streamName(info),
        unit: by,
        periods: [...periods.entries()]
          .sort(([a], [b]) => a - b)
          .map(([start, period]) => ({ start, lengthMs, ...period })),
      };
    },
    verify(onProgress): VerifyReport {
      return wal.verify({ onProgress });
    },
    close(): Promise<void> {
      return wal.close();
    },
  };
}
