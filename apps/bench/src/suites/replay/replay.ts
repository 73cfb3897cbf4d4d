/**
 * What `@annal/replay` costs over the loops it wraps: a core queue's zero-copy reader, a merge of
 * two queues, and a wal event log's `readFrom` (the targets of the replay issue: bytes within
 * 1.25× of the raw reader at 64 B, events at ≥ 2 M/s, a merge of two ≤ 2× a single source).
 *
 * @module
 */
import { createAnnalCoreSource } from '../../peers/read/annal-core.js';
import {
  createEventLogSource,
  createReaderHandlerSource,
  createReplayMergeSource,
  createReplayQueueSource,
} from '../../peers/replay/replay-sources.js';
import type { Suite } from '../../suite.js';
import { readImplementation, type ReadCounts } from '../core/shared.js';

const SIZE = { label: '64B', payloadBytes: 64 } as const;
const COUNTS: ReadCounts = { full: 1_048_576, smoke: 65_536 };
/** About the bytes of one event's JSON text (`{"sequence":123456}`), for the MB/s column. */
const EVENT_SIZE = { label: 'events', payloadBytes: 20 } as const;
const EVENT_COUNTS: ReadCounts = { full: 262_144, smoke: 16_384 };

/** Replay against the raw loops, in one run. */
export const replaySuite: Suite = {
  id: 'replay/replay',
  title: 'Replay of recorded streams against the raw read loop',
  tags: ['replay', 'read', 'persistent'],
  scenarios: [
    {
      id: 'queue-64B',
      description: 'every record of a filled @annal/core queue, 64 B, in order',
      payloadBytes: SIZE.payloadBytes,
      implementations: [
        readImplementation(
          'core-reader',
          'peer',
          '@annal/core reader.next() loop (the raw zero-copy read replay wraps)',
          SIZE,
          COUNTS,
          (count, template) => createAnnalCoreSource(count, template),
          'a Reader positioned with toStart() each round',
        ),
        readImplementation(
          'core-reader-handler',
          'peer',
          '@annal/core reader.next() loop calling a handler function per record (the call replay makes)',
          SIZE,
          COUNTS,
          createReaderHandlerSource,
          "the replay row's handler, called by a plain loop",
        ),
        readImplementation(
          'replay',
          'annal',
          '@annal/replay: replay(fromQueue(queue), handler)',
          SIZE,
          COUNTS,
          createReplayQueueSource,
          'a new source (and reader) per round',
        ),
        readImplementation(
          'replay-merge-2',
          'annal',
          '@annal/replay: replay(merge([fromQueue(a), fromQueue(b)])), the records split over two queues',
          SIZE,
          COUNTS,
          createReplayMergeSource,
          'timestamps read from each record',
        ),
      ],
    },
    {
      id: 'events',
      description: 'every event of a filled @annal/wal event log, decoded',
      payloadBytes: EVENT_SIZE.payloadBytes,
      implementations: [
        readImplementation(
          'event-log-read',
          'peer',
          '@annal/wal: log.readFrom(index, 1024) in a loop (the raw read replay wraps)',
          EVENT_SIZE,
          EVENT_COUNTS,
          createEventLogSource(false),
          'JSON events',
        ),
        readImplementation(
          'replay-event-log',
          'annal',
          '@annal/replay: replay(fromEventLog(log), handler)',
          EVENT_SIZE,
          EVENT_COUNTS,
          createEventLogSource(true),
          'JSON events',
        ),
      ],
    },
    {
      id: 'events-text',
      description:
        'every event of a filled @annal/wal event log whose data is text (no JSON.parse), decoded',
      payloadBytes: EVENT_SIZE.payloadBytes,
      implementations: [
        readImplementation(
          'event-log-read',
          'peer',
          '@annal/wal: log.readFrom(index, 1024) in a loop (the raw read replay wraps)',
          EVENT_SIZE,
          EVENT_COUNTS,
          createEventLogSource(false, 'text'),
          'text events',
        ),
        readImplementation(
          'replay-event-log',
          'annal',
          '@annal/replay: replay(fromEventLog(log), handler)',
          EVENT_SIZE,
          EVENT_COUNTS,
          createEventLogSource(true, 'text'),
          'text events',
        ),
      ],
    },
  ],
};
