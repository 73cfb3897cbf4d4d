/**
 * The annal row of the archiver suite: an `@annal/archiver` Archiver in a fresh temporary
 * directory, recording on this thread while its worker archives into an `@annal/core` queue
 * (CRC32C on every record, the default sync every second).
 *
 * @module
 */
import { Archiver, type ArchiverOptions, type RecordMeta } from '@annal/archiver';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { waitUntil, type TrafficRecorder } from '../../suites/archiver/traffic-recorder.js';

/** Which call the traffic thread makes per message. */
export type ArchiverCall = 'record' | 'recordIn';

/** Ring fill above which the producer lets the worker catch up (the ring never fills). */
const BEHIND_FILL = 0.5;

/** An archiver recorder and the archiver itself, for rows that read its counters. */
export interface ArchiverRecorder extends TrafficRecorder {
  readonly archiver: Archiver;
}

/**
 * Opens an archiver (`whenFull: 'wait'`, so nothing is dropped) with one stream, `ws-client`.
 * `record` calls `archiver.record(bytes, meta)` with one reused meta object, or the stream's
 * `recordIn(bytes)`.
 */
export async function createArchiverRecorder(
  call: ArchiverCall,
  options: ArchiverOptions = {},
): Promise<ArchiverRecorder> {
  const directory = createTemporaryDirectory();
  const archiver = await Archiver.open(directory, { whenFull: 'wait', ...options });
  const stream = archiver.stream('ws-client', { protocol: 'ws' });
  const meta: RecordMeta = { stream: stream.id, direction: 'in' };
  const record =
    call === 'record'
      ? (message: Buffer): void => {
          archiver.record(message, meta);
        }
      : (message: Buffer): void => {
          stream.recordIn(message);
        };
  return {
    archiver,
    record,
    isBehind: () => archiver.stats().ringFill > BEHIND_FILL,
    caughtUp: () =>
      waitUntil(() => {
        const stats = archiver.stats();
        return stats.archivedMessages >= stats.recorded;
      }),
    async close(): Promise<void> {
      await archiver.close();
    },
    verify(): string {
      try {
        const stats = archiver.stats();
        if (stats.state !== 'closed') throw new Error(`archiver: verify() before close()`);
        if (stats.dropped !== 0 || stats.archivedMessages !== stats.recorded) {
          throw new Error(
            `archiver: ${stats.recorded} recorded, ${stats.archivedMessages} archived, ${stats.dropped} dropped`,
          );
        }
        return `the archiver reported all ${stats.recorded} messages archived, 0 dropped, ${stats.syncs} sync(s)`;
      } finally {
        removeTemporaryDirectory(directory);
      }
    },
  };
}
