/**
 * A partition of a topic as the event layer uses it: a log with indexes of its own, kept apart
 * from every plain topic (its directory name has a '~', which no encoded topic name has).
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

import { checkIndex, checkPayload, describeValue } from './arguments.js';
import type { RecordLocation } from './cursor.js';
import { collect, collectMapped, type WalRecord } from './record.js';
import type { Topic } from './topic.js';
import type { WalHost } from './wal-host.js';

/** Highest partition number (partitions are 0 … MAX_PARTITION). */
export const MAX_PARTITION = 65_535;

/**
 * One sub-log: appends, reads by index, the newest index and durability, with the semantics of
 * the {@link Wal} methods of the same names. @internal
 */
export interface SubLog {
  appendSync(payload: Uint8Array): number;
  append(payload: Uint8Array): Promise<number>;
  /** Up to `maxRecords` records from `index` on (copies). */
  readFrom(index: number, maxRecords: number): WalRecord[];
  /**
   * Up to `maxRecords` records from `index` on, each given to `map` where it lies (no copy;
   * valid during the call only), as `collect` reads.
   */
  readMapped<T>(index: number, maxRecords: number, map: (location: RecordLocation) => T): T[];
  lastIndex(): number | undefined;
  /** Resolves when everything appended so far survives power loss. */
  sync(): Promise<void>;
  /** The same on the calling thread. */
  syncSync(): void;
}

/** @throws ERR_ANNAL_INVALID_ARGUMENT unless `partition` is an integer from 0 to MAX_PARTITION */
export function checkPartition(partition: unknown): asserts partition is number {
  if (!(
    typeof partition === 'number' &&
    Number.isSafeInteger(partition) &&
    partition >= 0 &&
    partition <= MAX_PARTITION
  )) {
    throw new InvalidArgumentError(
      `partition must be an integer from 0 to ${MAX_PARTITION}: ${describeValue(partition)}`,
      { field: 'partition' },
    );
  }
}

/** The sub-log of partition `partition` of `topic` (both checked by the caller). @internal */
export function partitionLog(host: WalHost, topic: string, partition: number): SubLog {
  const key = `${host.topics.key(topic)}~${partition}`;
  const name = `${topic}#${partition}`;
  const writable = (payload: unknown): Topic => {
    checkPayload(payload);
    host.checkWritable();
    return host.topics.writableAt(key, name);
  };
  const existing = (): Topic | undefined => {
    host.checkOpen();
    return host.topics.existingAt(key, name);
  };
  return {
    appendSync: (payload) => {
      const log = writable(payload);
      const index = log.append(payload);
      host.durability.appendedSync(log);
      return index;
    },
    append: async (payload) => {
      const index = writable(payload).append(payload);
      await host.durability.appended();
      return index;
    },
    readFrom: (index, maxRecords) => {
      checkIndex(index);
      const log = existing();
      if (log === undefined) return [];
      return collect(log, log.cursorAt(index), maxRecords, Number.MAX_SAFE_INTEGER);
    },
    readMapped: (index, maxRecords, map) => {
      checkIndex(index);
      const log = existing();
      if (log === undefined) return [];
      return collectMapped(log, log.cursorAt(index), maxRecords, Number.MAX_SAFE_INTEGER, map);
    },
    lastIndex: () => lastIndexOf(existing()),
    sync: async () => {
      host.checkOpen();
      await host.durability.sync();
    },
    syncSync: () => {
      host.checkOpen();
      host.durability.syncSync(host.topics.values());
    },
  };
}

/** The index of the newest record of `log`, or undefined when it has none. */
export function lastIndexOf(log: Topic | undefined): number | undefined {
  return log === undefined || log.nextIndex === 0 ? undefined : log.nextIndex - 1;
}
