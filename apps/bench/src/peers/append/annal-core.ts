/**
 * `@annal/core` as an append target, sustained: one queue in a fresh directory that grows over
 * every round (fresh preallocated blocks, each prefaulted off the JS thread while the one before
 * fills), `appender.appendSync(record)` per record. Verified after the rounds by reading every
 * record back through a reader. The warm-block rows are in `annal-core-warm.ts`.
 *
 * @module
 */
import { Queue } from '@annal/core';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { checkStoredRecord } from '../records.js';
import type { AppendTarget } from './append-target.js';

/**
 * Throws unless `queue` holds exactly `count` records, sequence numbers `firstSequence`, … in
 * order, each one made from `template` (every record is compared byte for byte).
 */
export function verifyQueueRecords(
  queue: Queue,
  firstSequence: number,
  count: number,
  template: Buffer,
): void {
  const reader = queue.reader();
  let read = 0;
  // One Buffer per block, not per record: the reader reuses its record object, and a warm-block
  // row verifies between rounds, where a heap full of garbage would move GC into the next one.
  let view: Uint8Array | undefined;
  let stored: Buffer = Buffer.alloc(0);
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    if (record.buffer !== view) {
      view = record.buffer;
      stored = Buffer.from(view.buffer, view.byteOffset, view.length);
    }
    checkStoredRecord(stored, record.offset, record.length, firstSequence + read, template);
    read++;
  }
  reader.close();
  if (read !== count) throw new Error(`read back ${read} records, expected ${count}`);
}

/** Options of the annal append rows. */
export interface AnnalAppendOptions {
  readonly checksums: 'off' | 'crc32c';
  /** A shared appender (append lock per record) instead of the exclusive one. */
  readonly shared?: boolean;
  /**
   * `claim(length)`, a copy into the claim and `claim.commitDeferred()` per record, and
   * `appender.flush()` every {@link DEFERRED_FLUSH_RECORDS} records and at the end of a round:
   * how a worker that drains bursts appends (one CRC32C call per flush).
   */
  readonly deferred?: boolean;
}

/** Records between two `flush()` calls of the deferred rows (a burst a drain loop hands over). */
export const DEFERRED_FLUSH_RECORDS = 64;

/** An append target over a new `@annal/core` queue (FAST_DAILY, 64 MiB blocks, no sync). */
export function createAnnalCoreTarget(options: AnnalAppendOptions): AppendTarget {
  const directory = createTemporaryDirectory();
  const queue = Queue.open(directory, { checksums: options.checksums });
  const appender = queue.appender({ shared: options.shared ?? false });
  let waiting = 0;
  const appendDeferred = (record: Buffer): boolean => {
    const claim = appender.claim(record.length);
    claim.buffer.set(record, claim.offset);
    claim.commitDeferred();
    if (++waiting === DEFERRED_FLUSH_RECORDS) {
      appender.flush();
      waiting = 0;
    }
    return true;
  };
  return {
    append:
      options.deferred === true
        ? appendDeferred
        : (record: Buffer): boolean => {
            appender.appendSync(record);
            return true;
          },
    drain: () => Promise.resolve(),
    // Each append is in the page cache when it returns (deferred ones once flushed).
    settle: () => {
      appender.flush();
      waiting = 0;
    },
    verify: (count: number, template: Buffer) => {
      verifyQueueRecords(queue, 0, count, template);
    },
    directory,
    notes: `${options.shared === true ? 'shared appender; ' : ''}${options.deferred === true ? `claim + commitDeferred, flush every ${DEFERRED_FLUSH_RECORDS} records; ` : ''}checksums ${options.checksums}; blocks of 64 MiB preallocated with posix_fallocate and prefaulted one ahead off the JS thread`,
    close(): void {
      queue.close();
      removeTemporaryDirectory(directory);
    },
  };
}
