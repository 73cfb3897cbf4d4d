/**
 * `@annal/core` as an append target: one queue in a fresh directory, `appender.append(record)`
 * per record. Verified after the rounds by reading every record back through a reader.
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

/** Options of the annal append rows. */
export interface AnnalAppendOptions {
  readonly checksums: 'off' | 'crc32c';
}

/** An append target over a new `@annal/core` queue (FAST_DAILY, 64 MiB blocks, no sync). */
export function createAnnalCoreTarget(options: AnnalAppendOptions): AppendTarget {
  const directory = createTemporaryDirectory();
  const queue = Queue.open(directory, { checksums: options.checksums });
  const appender = queue.appender();
  return {
    append(record: Buffer): boolean {
      appender.append(record);
      return true;
    },
    drain: () => Promise.resolve(),
    // Each append is in the page cache when it returns: nothing to settle.
    settle: () => undefined,
    verify(count: number, template: Buffer): void {
      const reader = queue.reader();
      let sequence = 0;
      for (let record = reader.next(); record !== undefined; record = reader.next()) {
        const stored = Buffer.from(
          record.buffer.buffer,
          record.buffer.byteOffset,
          record.buffer.length,
        );
        checkStoredRecord(stored, record.offset, record.length, sequence, template);
        sequence++;
      }
      if (sequence !== count) throw new Error(`read back ${sequence} records, expected ${count}`);
    },
    directory,
    notes: `checksums ${options.checksums}; blocks of 64 MiB preallocated with posix_fallocate and prefaulted one ahead off the JS thread`,
    close(): void {
      queue.close();
      removeTemporaryDirectory(directory);
    },
  };
}
