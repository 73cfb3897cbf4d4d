/**
 * `@annal/archiver` against what it must beat: the traffic thread's cost per `record()`
 * (against a bare logbuf ring, the floor, and pino's worker transport, the usual Node choice),
 * the worker's sustained archiving rate (against pino's file transport), and what archiving
 * costs a real `ws` client at its maximum rate (against the same client not archiving, and
 * logging with pino). The targets, which nothing asserts: record() p50 ≤ 100 ns, p99 ≤
 * 1 µs, 0 bytes allocated; ≥ 3 M msg/s archived at 128 B with checksums over ≥ 1 GiB; the ws
 * client loses ≤ 5 % of its messages/s.
 *
 * On a 2-vCPU machine the traffic thread, the archiver's (or pino's) worker, and in the ws
 * scenario the server thread compete for two cores: every row's notes say which threads ran.
 *
 * @module
 */
import { createArchiverRecorder } from '../../peers/archiver/annal-archiver.js';
import { createPinoFileRecorder } from '../../peers/archiver/pino-file.js';
import { createRingOnlyRecorder } from '../../peers/archiver/ring-only.js';
import type { Suite } from '../../suite.js';
import { measureRecordCost } from './record-cost.js';
import { measureThroughput } from './throughput.js';
import { createNoRecorder, measureWsClient } from './ws-client.js';

const MESSAGE_BYTES = 128;
/** 2^23 messages of 128 B: 1 GiB of payload per round in a real run. */
const THROUGHPUT_COUNTS = { full: 1 << 23, smoke: 1 << 16 } as const;
/** pino writes ~2.5× the bytes per message and runs far slower: 2^20 messages per round. */
const PINO_THROUGHPUT_COUNTS = { full: 1 << 20, smoke: 1 << 14 } as const;
const WS_COUNTS = { full: 1 << 20, smoke: 1 << 14 } as const;

const CORES =
  '2 vCPUs: the traffic thread and the consumer worker get one each only when nothing else runs (the archiver worker\u2019s msync runs on the libuv pool)';
const WS_CORES =
  '2 vCPUs shared by three busy threads: the ws client (this thread), the server worker, and the recorder\u2019s worker when it has one';
const ARCHIVER_DEFAULTS =
  "Archiver.open(dir, { whenFull: 'wait' }), otherwise defaults: 16 MiB ring, clock 'turn', CRC32C on every record, sync every 1000 ms";
const PINO =
  "pino 10.4.0 with default fields, pino.transport({ target: 'pino/file' }) (thread-stream 4.2.1: 4 MiB SharedArrayBuffer to a worker that writes the file); logger.info({ data: message.toString('base64') }) per message";

/** The archiver suite. */
export const archiverSuite: Suite = {
  id: 'archiver/archive',
  title: 'Archiving messages off the traffic thread',
  tags: ['archiver'],
  scenarios: [
    {
      id: 'record-128B',
      description:
        'the traffic thread\u2019s cost of handing one 128 B message to a worker, while the worker drains',
      payloadBytes: MESSAGE_BYTES,
      implementations: [
        {
          id: 'archiver',
          role: 'annal',
          description: 'archiver.record(bytes, meta) with one reused meta object',
          create: () =>
            measureRecordCost(
              () => createArchiverRecorder('record'),
              MESSAGE_BYTES,
              `${ARCHIVER_DEFAULTS}; ${CORES}`,
            ),
        },
        {
          id: 'archiver-recordIn',
          role: 'annal',
          description: 'stream.recordIn(bytes) (the same path without the meta check)',
          create: () =>
            measureRecordCost(
              () => createArchiverRecorder('recordIn'),
              MESSAGE_BYTES,
              `${ARCHIVER_DEFAULTS}; ${CORES}`,
            ),
        },
        {
          id: 'ring-only',
          role: 'limit',
          description:
            '@annal/logbuf SpscRing (16 MiB): tryClaim(144), four header words + set(128 B body), commitDeferred(), flush() every 32 records; a worker drains with poll()',
          create: () =>
            measureRecordCost(
              createRingOnlyRecorder,
              MESSAGE_BYTES,
              `the floor: the archiver\u2019s ring hand-off with no clock, no checks, no counters; ${CORES}`,
            ),
        },
        {
          id: 'pino',
          role: 'peer',
          description: 'pino logger.info({ data: base64 }) to a file through its worker transport',
          create: () =>
            measureRecordCost(
              createPinoFileRecorder,
              MESSAGE_BYTES,
              `${PINO}; the allocation counts V8 heap only (thread-stream's Buffer.from per line is off-heap); ${CORES}`,
            ),
        },
      ],
    },
    {
      id: 'sustained-128B',
      description:
        'messages of 128 B recorded as fast as the traffic thread can, archived until close() resolves',
      payloadBytes: MESSAGE_BYTES,
      implementations: [
        {
          id: 'archiver',
          role: 'annal',
          description:
            "stream.recordIn(bytes) under whenFull 'wait', paced by ring fill; timed until close() has drained, synced and closed the queue",
          create: () =>
            measureThroughput(
              () => createArchiverRecorder('recordIn'),
              THROUGHPUT_COUNTS,
              MESSAGE_BYTES,
              `${ARCHIVER_DEFAULTS}; the producer sleeps 1 ms at a time while the ring is over half full, so 'wait' never backlogs; ${CORES}`,
            ),
        },
        {
          id: 'ring-only',
          role: 'limit',
          description:
            'the record-128B floor (a bare 16 MiB SpscRing hand-off to a worker that only counts), paced the same way; timed until the worker took the last record',
          create: () =>
            measureThroughput(
              createRingOnlyRecorder,
              THROUGHPUT_COUNTS,
              MESSAGE_BYTES,
              `what the ring alone sustains, without the queue append and its CRC32C; ${CORES}`,
            ),
        },
        {
          id: 'pino',
          role: 'peer',
          description:
            "pino logger.info({ data: base64 }) through pino/file, paced by thread-stream's drain; timed until the transport closed the file",
          create: () =>
            measureThroughput(
              createPinoFileRecorder,
              PINO_THROUGHPUT_COUNTS,
              MESSAGE_BYTES,
              `${PINO}; ${CORES}`,
            ),
        },
      ],
    },
    {
      id: 'ws-client-128B',
      description:
        'a ws client on loopback receiving binary messages of 128 B at its maximum rate, archiving each or not',
      payloadBytes: MESSAGE_BYTES,
      implementations: [
        {
          id: 'no-archive',
          role: 'limit',
          description: "ws 8.23.1 client: the 'message' handler checks the sequence number only",
          create: () => measureWsClient(createNoRecorder, WS_COUNTS, MESSAGE_BYTES, WS_CORES),
        },
        {
          id: 'archiver',
          role: 'annal',
          description:
            "the same client, tapped with archiveWebSocket(archiver, socket) from @annal/archiver/ws (its own 'message' listener records each message)",
          create: () =>
            measureWsClient(
              () => createArchiverRecorder('archiveWebSocket'),
              WS_COUNTS,
              MESSAGE_BYTES,
              `${ARCHIVER_DEFAULTS}; ${WS_CORES}`,
            ),
        },
        {
          id: 'archiver-recordIn',
          role: 'annal',
          description: 'the same client; its handler calls stream.recordIn(data) itself',
          create: () =>
            measureWsClient(
              () => createArchiverRecorder('recordIn'),
              WS_COUNTS,
              MESSAGE_BYTES,
              `${ARCHIVER_DEFAULTS}; ${WS_CORES}`,
            ),
        },
        {
          id: 'ring-only',
          role: 'limit',
          description:
            'the same client; the handler also hands the message to the record-128B floor (a bare SpscRing and a worker that only counts)',
          create: () =>
            measureWsClient(
              createRingOnlyRecorder,
              WS_COUNTS,
              MESSAGE_BYTES,
              `what any hand-off to a worker thread costs here; the drain worker polls with an IdleStrategy (10 µs pauses) instead of sleeping on a futex; ${WS_CORES}`,
            ),
        },
        {
          id: 'pino',
          role: 'peer',
          description: 'the same client; the handler also logs the message with pino',
          create: () =>
            measureWsClient(
              createPinoFileRecorder,
              WS_COUNTS,
              MESSAGE_BYTES,
              `${PINO}; ${WS_CORES}`,
            ),
        },
      ],
    },
  ],
};
