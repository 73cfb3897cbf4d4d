/**
 * A queue directory as `annal` reads it: `Queue.open(directory, { readOnly: true })`, which takes
 * no lock and writes nothing, so an appender in another process goes on undisturbed.
 *
 * @module
 */
import { Queue, ROLL_CYCLES, type QueueRecord, type RollCycleName } from '@annal/core';
import { NotFoundError, type VerifyReport } from '@annal/native';

import { openArchiveStore, startsAnArchive } from './archive-store.js';
import { counted, bytes as formatBytes, time } from './units.js';
import type {
  Listing,
  OpenedStore,
  Selection,
  Statistics,
  StoreRecord,
  Visit,
} from './opened-store.js';
import type { Store } from './store.js';

/**
 * Opens the queue at `store.path` read-only; a queue that `@annal/archiver` wrote (its first
 * record is a SESSION record) is opened as an archive.
 */
export function openQueueStore(store: Store): OpenedStore {
  const queue = Queue.open(store.path, { readOnly: true });
  const opened = queueStore(store, queue);
  if (!startsAnArchive(queue)) return opened;
  try {
    return openArchiveStore(opened);
  } catch (error) {
    queue.close();
    throw error;
  }
}

function queueStore(store: Store, queue: Queue): OpenedStore {
  const view = (record: QueueRecord): StoreRecord => ({
    stream: undefined,
    index: record.index,
    timestamp: undefined,
    payload: record.payload,
    event: undefined,
  });
  return {
    store,
    list(): Listing {
      const info = queue.describe();
      const lines = [
        `queue ${info.directory}`,
        `  roll cycle ${info.rollCycle}, blocks of ${formatBytes(info.blockBytes)}, index spacing ${info.indexSpacing}, checksums ${info.checksums}`,
        `  ${counted(info.records, 'record')}${info.records === 0 ? '' : `, indexes ${info.firstIndex} … ${info.lastIndex}`}, ${formatBytes(info.bytes)} on disk`,
        `  ${info.cycles.length} cycle file${info.cycles.length === 1 ? '' : 's'}:`,
        ...info.cycles.map(
          (cycle) =>
            `    ${cycle.path}  cycle ${cycle.cycle} from ${time(cycle.startsAt)}  ${counted(cycle.records, 'record')}${cycle.records === 0 ? '' : ` (${cycle.firstIndex} … ${cycle.lastIndex})`}  ${formatBytes(cycle.bytes)}`,
        ),
        ...info.problems.map(
          (problem) =>
            `  damaged: ${problem.message} (counts above stop there; annal verify checks every record)`,
        ),
        info.readers.length === 0 ? '  no named readers' : '  named readers:',
        ...info.readers.map(
          (reader) => `    ${reader.name}  at ${reader.index ?? 'the start'}  ${reader.lag} behind`,
        ),
      ];
      return { json: { kind: 'queue', ...info }, lines };
    },
    async read(selection: Selection, visit: Visit): Promise<number> {
      const reader = queue.reader();
      try {
        if (selection.from !== undefined && !reader.seek(selection.from)) {
          throw new NotFoundError(`annal: ${store.path} has no record ${selection.from} (--from)`, {
            path: store.path,
            field: 'from',
          });
        }
        const limit = selection.limit ?? Number.POSITIVE_INFINITY;
        const to = selection.to ?? Number.POSITIVE_INFINITY;
        let count = 0;
        for (
          let record = reader.next();
          record !== undefined && count < limit;
          record = reader.next()
        ) {
          if (record.index > to) break;
          await visit(view(record));
          count++;
        }
        return count;
      } finally {
        reader.close();
      }
    },
    startOfLast(count: number): number | undefined {
      const info = queue.describe();
      if (info.lastIndex === undefined || info.firstIndex === undefined) return undefined;
      // Indexes jump at a roll (cycle, sequence): count back through the cycles' records.
      let left = count;
      for (let k = info.cycles.length - 1; k >= 0; k--) {
        const cycle = info.cycles[k];
        if (cycle === undefined || cycle.records === 0 || cycle.lastIndex === undefined) continue;
        if (cycle.records >= left) return cycle.lastIndex - left + 1;
        left -= cycle.records;
      }
      return info.firstIndex;
    },
    async follow(
      _selection: Selection,
      after: number,
      signal: AbortSignal,
      visit: Visit,
    ): Promise<void> {
      const reader = queue.reader();
      try {
        if (after < 0) reader.toStart();
        else if (!reader.seek(after)) reader.toEnd();
        else reader.next(); // `after` itself was shown already
        for await (const record of reader.follow({ signal })) await visit(view(record));
      } finally {
        reader.close();
      }
    },
    statistics(): Promise<Statistics> {
      const info = queue.describe();
      const lengthMs = ROLL_CYCLES[info.rollCycle as RollCycleName].lengthMs;
      return Promise.resolve({
        stream: undefined,
        unit: 'cycle',
        periods: info.cycles.map((cycle) => ({
          start: cycle.startsAt,
          lengthMs,
          records: cycle.records,
          bytes: cycle.bytes,
        })),
      });
    },
    verify(onProgress): VerifyReport {
      return queue.verify({ onProgress });
    },
    close(): Promise<void> {
      queue.close();
      return Promise.resolve();
    },
  };
}
