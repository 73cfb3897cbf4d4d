/**
 * `@annal/core` as a read source: the records are appended in setup (untimed); each round opens
 * a reader at the start and reads every record in place with `next()`, checking its length and
 * sequence number (read from the mapped bytes, no copy).
 *
 * @module
 */
import { Queue } from '@annal/core';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { readSequence, stampSequence } from '../records.js';
import { badRecordError, type ReadSource } from './read-source.js';

/**
 * A queue in a fresh temporary directory holding records 0…count-1 made from `template` (setup
 * of the read and seek rows; untimed).
 */
export function createFilledQueue(
  count: number,
  template: Buffer,
  checksums: 'off' | 'crc32c' = 'off',
): { directory: string; queue: Queue } {
  const directory = createTemporaryDirectory();
  const queue = Queue.open(directory, { checksums });
  try {
    const appender = queue.appender();
    const record = Buffer.from(template);
    for (let sequence = 0; sequence < count; sequence++) {
      stampSequence(record, sequence);
      appender.appendSync(record);
    }
    appender.close();
  } catch (error) {
    queue.close();
    removeTemporaryDirectory(directory);
    throw error;
  }
  return { directory, queue };
}

/** A read source over a `@annal/core` queue filled with `count` records. */
export function createAnnalCoreSource(
  count: number,
  template: Buffer,
  checksums: 'off' | 'crc32c' = 'off',
): ReadSource {
  const { directory, queue } = createFilledQueue(count, template, checksums);
  const payloadBytes = template.length;
  const reader = queue.reader();
  return {
    readAll(): number {
      reader.toStart();
      let expected = 0;
      for (let record = reader.next(); record !== undefined; record = reader.next()) {
        const sequence = readSequence(record.buffer, record.offset);
        if (record.length !== payloadBytes || sequence !== expected) {
          throw badRecordError(expected, record.length, sequence);
        }
        expected++;
      }
      return expected;
    },
    notes: `checksums ${checksums}${checksums === 'crc32c' ? ' (every payload verified on read)' : ''}; zero-copy: the reader's record points into the mapped file`,
    close(): void {
      queue.close();
      removeTemporaryDirectory(directory);
    },
  };
}
