/**
 * `@annal/replay` as read sources for the `replay/*` suites, each beside the raw loop it wraps:
 *
 * - `core-reader-handler`: the raw reader loop calling the replay row's handler per record;
 * - `replay-queue`: `replay(fromQueue(queue))`, the handler checking each record's length and
 *   sequence number in the mapped bytes (the `core-reader` row's check);
 * - `replay-merge-2`: the same records split over two queues (even sequence numbers in one, odd
 *   in the other, each record's timestamp its sequence number) and replayed through `merge`;
 * - `event-log-read` and `replay-event-log`: a wal event log of JSON events (or, in the
 *   `events-text` scenario, text events), read with `log.readFrom(index, 1024)` in a loop, and
 *   replayed with `replay(fromEventLog(log))`.
 *
 * @module
 */
import { merge, replay, type BytesRecord } from '@annal/replay';
import { fromQueue } from '@annal/replay/core';
import { fromEventLog } from '@annal/replay/wal';

import { removeTemporaryDirectory } from '../../fixtures/temporary-directory.js';
import { closeWal, openWalInTemporaryDirectory } from '../annal-wal.js';
import { createFilledQueue } from '../read/annal-core.js';
import { badRecordError, type ReadSource } from '../read/read-source.js';
import { readSequence, stampSequence } from '../records.js';

/** Events per `readFrom` in the raw event-log row (fromEventLog's default batch). */
const EVENT_BATCH = 1024;

/** A queue of `count` records, replayed whole per round. */
export function createReplayQueueSource(count: number, template: Buffer): ReadSource {
  const { directory, queue } = createFilledQueue(count, template);
  const payloadBytes = template.length;
  let expected = 0;
  const check = (record: BytesRecord): void => {
    const sequence = readSequence(record.buffer, record.offset);
    if (record.length !== payloadBytes || sequence !== expected) {
      throw badRecordError(expected, record.length, sequence);
    }
    expected++;
  };
  return {
    async readAll(): Promise<number> {
      expected = 0;
      const summary = await replay(fromQueue(queue), check);
      return summary.delivered;
    },
    notes: 'checksums off; the handler reads buffer/offset/length (zero-copy, no allocation)',
    close(): void {
      queue.close();
      removeTemporaryDirectory(directory);
    },
  };
}

/**
 * The raw reader loop of `core-reader`, with the check in a handler function called per record
 * as replay calls one: what a function call per record costs by itself, without replay.
 */
export function createReaderHandlerSource(count: number, template: Buffer): ReadSource {
  const { directory, queue } = createFilledQueue(count, template);
  const payloadBytes = template.length;
  const reader = queue.reader();
  let expected = 0;
  const check = (record: { buffer: Uint8Array; offset: number; length: number }): void => {
    const sequence = readSequence(record.buffer, record.offset);
    if (record.length !== payloadBytes || sequence !== expected) {
      throw badRecordError(expected, record.length, sequence);
    }
    expected++;
  };
  return {
    readAll(): number {
      reader.toStart();
      expected = 0;
      for (let record = reader.next(); record !== undefined; record = reader.next()) check(record);
      return expected;
    },
    notes: 'checksums off; the same handler as the replay row, called by a plain loop',
    close(): void {
      queue.close();
      removeTemporaryDirectory(directory);
    },
  };
}

/** Two queues of `count / 2` records each, merged by timestamp per round. */
export function createReplayMergeSource(count: number, template: Buffer): ReadSource {
  const half = Math.floor(count / 2);
  const even = createFilledQueue(0, template);
  const odd = createFilledQueue(0, template);
  const record = Buffer.from(template);
  const evenAppender = even.queue.appender();
  const oddAppender = odd.queue.appender();
  for (let sequence = 0; sequence < 2 * half; sequence++) {
    stampSequence(record, sequence);
    (sequence % 2 === 0 ? evenAppender : oddAppender).appendSync(record);
  }
  evenAppender.close();
  oddAppender.close();
  const payloadBytes = template.length;
  const timestamp = (read: { buffer: Uint8Array; offset: number }): number =>
    readSequence(read.buffer, read.offset);
  let expected = 0;
  const check = (read: BytesRecord): void => {
    const sequence = readSequence(read.buffer, read.offset);
    if (read.length !== payloadBytes || sequence !== expected) {
      throw badRecordError(expected, read.length, sequence);
    }
    expected++;
  };
  return {
    async readAll(): Promise<number> {
      expected = 0;
      const summary = await replay(
        merge([
          fromQueue(even.queue, { name: 'even', timestamp }),
          fromQueue(odd.queue, { name: 'odd', timestamp }),
        ]),
        check,
      );
      return summary.delivered;
    },
    notes: `${half} records in each of two queues; timestamp = sequence number; the merge picks the smaller head per record`,
    close(): void {
      for (const { queue, directory } of [even, odd]) {
        queue.close();
        removeTemporaryDirectory(directory);
      }
    },
  };
}

/** How the events' data is stored: JSON `{ sequence }`, or the sequence number as text. */
export type EventKind = 'json' | 'text';

/** A wal event log of `count` events, read raw or replayed per round. */
export function createEventLogSource(replayed: boolean, kind: EventKind = 'json') {
  return (count: number): ReadSource => {
    const opened = openWalInTemporaryDirectory({ backend: 'mmap', sync: 'none' });
    const log = opened.wal.events('replay-bench');
    for (let sequence = 0; sequence < count; sequence++) {
      const data = kind === 'json' ? { json: { sequence } } : { text: String(sequence) };
      log.appendSync({ type: 'tick', data, timestamp: sequence });
    }
    const sequenceOf =
      kind === 'json'
        ? (data: unknown): number => (data as { json: { sequence: number } }).json.sequence
        : (data: unknown): number => Number((data as { text: string }).text);
    const checkEvent = (expected: number, index: number, data: unknown): void => {
      const sequence = sequenceOf(data);
      if (index !== expected || sequence !== expected) throw badRecordError(expected, 0, sequence);
    };
    return {
      async readAll(): Promise<number> {
        let expected = 0;
        if (replayed) {
          await replay(fromEventLog(log), (record) => {
            checkEvent(expected++, record.index, record.value.data);
          });
          return expected;
        }
        for (let events = log.readFrom(0, EVENT_BATCH); events.length > 0;) {
          for (const event of events) checkEvent(expected++, event.index, event.data);
          events = log.readFrom(expected, EVENT_BATCH);
        }
        return expected;
      },
      notes: `events { type: 'tick', data: ${kind === 'json' ? '{ json: { sequence } }' : '{ text: String(sequence) }'} }, decoded by readFrom in batches of ${EVENT_BATCH}`,
      async close(): Promise<void> {
        await closeWal(opened);
      },
    };
  };
}
