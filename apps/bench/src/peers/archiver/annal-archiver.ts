/**
 * The annal row of the archiver suite: an `@annal/archiver` Archiver in a fresh temporary
 * directory, recording on this thread while its worker archives into an `@annal/core` queue
 * (CRC32C on every record, the default sync every second).
 *
 * @module
 */
import { Archiver, type ArchiverOptions, type RecordMeta } from '@annal/archiver';
import { archiveWebSocket, type WebSocketTap } from '@annal/archiver/ws';
import type { WebSocket } from 'ws';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { waitUntil, type TrafficRecorder } from '../../suites/archiver/traffic-recorder.js';

/**
 * Which call the traffic thread makes per message: `archiver.record(bytes, meta)`,
 * `stream.recordIn(bytes)`, or none of its own: `archiveWebSocket(archiver, socket)` taps the
 * socket (its 'message' listener records each message received).
 */
export type ArchiverCall = 'record' | 'recordIn' | 'archiveWebSocket';

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
  let tap: WebSocketTap | undefined;
  let record: (message: Buffer) => void;
  if (call === 'archiveWebSocket') {
    record = () => {
      throw new Error('archiveWebSocket records from its own listener');
    };
  } else {
    const stream = archiver.stream('ws-client', { protocol: 'ws' });
    const meta: RecordMeta = { stream: stream.id, direction: 'in' };
    record =
      call === 'record'
        ? (message: Buffer): void => {
            archiver.record(message, meta);
          }
        : (message: Buffer): void => {
            stream.recordIn(message);
          };
  }
  const tapWebSocket =
    call === 'archiveWebSocket'
      ? (socket: WebSocket): void => {
          tap = archiveWebSocket(archiver, socket, { stream: 'ws-client' });
        }
      : undefined;
  return {
    archiver,
    record,
    ...(tapWebSocket === undefined ? {} : { tapWebSocket }),
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
        if (
          tap !== undefined &&
          (tap.dropped !== 0 || tap.failed !== 0 || tap.messagesIn !== stats.recorded)
        ) {
          throw new Error(
            `archiveWebSocket: ${tap.messagesIn} messages in, ${stats.recorded} recorded, ${tap.dropped} dropped, ${tap.failed} failed`,
          );
        }
        const tapped = tap === undefined ? '' : ` (the tap counted ${tap.messagesIn} in, 0 failed)`;
        return `the archiver reported all ${stats.recorded} messages archived${tapped}, 0 dropped, ${stats.syncs} sync(s)`;
      } finally {
        removeTemporaryDirectory(directory);
      }
    },
  };
}
