/**
 * A channel file as `annal` reads it: `Channel.open(path)`, a reader that never writes.
 *
 * @module
 */
import { Channel, type QueueRecord } from '@annal/core';
import {
  CorruptError,
  InvalidArgumentError,
  NotFoundError,
  type VerifyReport,
} from '@annal/native';
import { problemOf } from '@annal/native/internal';

import type {
  Listing,
  OpenedStore,
  Selection,
  Statistics,
  StoreRecord,
  Visit,
} from './opened-store.js';
import type { Store } from './store.js';
import { counted, bytes as formatBytes } from './units.js';

/** A channel's record as the commands show it. */
function view(record: QueueRecord): StoreRecord {
  return {
    stream: undefined,
    index: record.index,
    timestamp: undefined,
    payload: record.payload,
    event: undefined,
  };
}

/** Opens the channel at `store.path` for reading. */
export function openChannelStore(store: Store): OpenedStore {
  const open = () => Channel.open(store.path);
  /** Reads the channel through, returning its record count and status. */
  const survey = () => {
    const reader = open();
    try {
      let records = 0;
      let bytes = 0;
      let first: number | undefined;
      let last: number | undefined;
      for (let record = reader.next(); record !== undefined; record = reader.next()) {
        first ??= record.index;
        last = record.index;
        bytes += record.length;
        records++;
      }
      return {
        records,
        payloadBytes: bytes,
        firstIndex: first,
        lastIndex: last,
        status: reader.status(),
      };
    } finally {
      reader.close();
    }
  };
  return {
    store,
    list(): Listing {
      const found = survey();
      return {
        json: { kind: 'channel', path: store.path, ...found },
        lines: [
          `channel ${store.path}`,
          `  ${found.status}, ${counted(found.records, 'record')}${found.records === 0 ? '' : ` (${found.firstIndex} … ${found.lastIndex})`}, ${formatBytes(found.payloadBytes)} of payload`,
        ],
      };
    },
    async read(selection: Selection, visit: Visit): Promise<number> {
      const reader = open();
      try {
        const from = selection.from ?? 0;
        const to = selection.to ?? Number.POSITIVE_INFINITY;
        const limit = selection.limit ?? Number.POSITIVE_INFINITY;
        let count = 0;
        let seen = false;
        for (
          let record = reader.next();
          record !== undefined && count < limit;
          record = reader.next()
        ) {
          if (record.index < from) continue;
          if (record.index > to) break;
          seen = true;
          await visit(view(record));
          count++;
        }
        if (!seen && selection.from !== undefined) {
          throw new NotFoundError(`annal: ${store.path} has no record ${from} (--from)`, {
            path: store.path,
            field: 'from',
          });
        }
        return count;
      } finally {
        reader.close();
      }
    },
    startOfLast(count: number): number | undefined {
      const found = survey();
      if (found.lastIndex === undefined || found.firstIndex === undefined) return undefined;
      return Math.max(found.firstIndex, found.lastIndex - count + 1);
    },
    async follow(
      _selection: Selection,
      after: number,
      signal: AbortSignal,
      visit: Visit,
    ): Promise<void> {
      const reader = open();
      try {
        for await (const record of reader.follow({ signal })) {
          if (record.index <= after) continue;
          await visit(view(record));
        }
      } finally {
        reader.close();
      }
    },
    statistics(): Promise<Statistics> {
      throw new InvalidArgumentError(
        `annal: ${store.path} is a channel: its records carry no time, so it has no stats over time (annal ls counts them)`,
        { field: 'path' },
      );
    },
    verify(): VerifyReport {
      // A channel's frames are checked as they are read: reading it through is its verification.
      const reader = open();
      let records = 0;
      let bytes = 0;
      try {
        for (let record = reader.next(); record !== undefined; record = reader.next()) {
          records++;
          bytes += record.length;
        }
        return { ok: true, files: 1, records, bytes, problems: [], problemCount: 0 };
      } catch (error) {
        if (!CorruptError.isInstance(error)) throw error;
        const problem = problemOf(error, store.path);
        return { ok: false, files: 1, records, bytes, problems: [problem], problemCount: 1 };
      } finally {
        reader.close();
      }
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
