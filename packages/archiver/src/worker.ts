/**
 * The archiver's worker thread: drains the hand-off ring into an `@annal/core` queue, one copy
 * per record (ring → mapped file), syncs on the schedule, and publishes its counters in the
 * shared statistics block. Started by {@link Archiver.open}; not an entry point of the package.
 *
 * @module
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';

import { Queue, type Appender, type RollCycleName } from '@annal/core';
import { CLOSED, EMPTY, Receiver, SpscRing, TIMED_OUT, type ReadClaim } from '@annal/logbuf';

import { clockMs, readClock, toMs, type ClockReading } from './clock.js';
import {
  KIND_MESSAGE,
  KIND_SESSION,
  RECORD_FORMAT,
  RECORD_HEADER_BYTES,
  STAT_ARCHIVED,
  STAT_ARCHIVED_BYTES,
  STAT_ARCHIVED_MESSAGES,
  STAT_DURABLE,
  STAT_DURABLE_LAG_NS,
  STAT_LAG_NS,
  STAT_LAST_ARCHIVED_RECORDED_MS,
  STAT_LAST_INDEX,
  STAT_SYNCS,
  headerWord,
  kindAt,
  nanosAt,
  secondsAt,
  writeHeader,
} from './layout.js';
import type { WorkerData, WorkerMessage } from './worker-protocol.js';

/** Longest the drain loop runs without letting the worker's event loop turn (sync completions). */
const TURN_MS = 5;
/** Longest the worker sleeps on an empty ring before it looks at its sync schedule again. */
const IDLE_WAIT_MS = 100;
/**
 * While traffic flows, an empty ring makes the worker sleep this long and look again, without
 * telling the traffic thread it sleeps: the traffic thread then never pays a wake-up (a futex
 * syscall, and the worker's wake on a shared core) per batch it publishes. A record waits at most
 * about this long before the worker takes it; the 16 MiB default ring holds far more than a
 * millisecond of traffic.
 */
const POLL_MS = 1;
/** Empty looks in a row (about this many ms) after which the worker sleeps until woken. */
const POLLS_BEFORE_SLEEP = 20;

const data = workerData as WorkerData;
const port = parentPort;
if (port === null) throw new Error('@annal/archiver: worker.js runs only as the archiver worker');

const queue = Queue.open(data.directory, {
  checksums: 'crc32c',
  sync: 'manual',
  ...(data.rollCycle === undefined ? {} : { rollCycle: data.rollCycle as RollCycleName }),
  ...(data.blockBytes === undefined ? {} : { blockBytes: data.blockBytes }),
});
const appender: Appender = queue.appender();
const stats = new Float64Array(data.stats);
const ring = SpscRing.attach(data.ring);
const receiver = new Receiver(ring);

let archived = 0;
let archivedMessages = 0;
let archivedBytes = 0;
let lastIndex = -1;
let lastRecordedMs = Number.NaN;

writeSession();
stats[STAT_DURABLE] = 0;
stats[STAT_SYNCS] = 0;
publish(false);
port.postMessage({
  type: 'ready',
  maxPayloadBytes: appender.maxPayloadBytes,
} satisfies WorkerMessage);

/** The SESSION record that opens this archiver's records in the queue. */
function writeSession(): void {
  const body = new TextEncoder().encode(
    JSON.stringify({
      format: RECORD_FORMAT,
      startedAt: new Date().toISOString(),
      pid: process.pid,
      hostname: hostname(),
    }),
  );
  const time: ClockReading = { seconds: 0, nanos: 0 };
  readClock(time);
  const record = new Uint8Array(RECORD_HEADER_BYTES + body.length);
  writeHeader(
    new Uint32Array(record.buffer, 0, RECORD_HEADER_BYTES >>> 2),
    0,
    headerWord(KIND_SESSION, 0),
    0,
    time.seconds,
    time.nanos,
  );
  record.set(body, RECORD_HEADER_BYTES);
  lastIndex = appender.appendSync(record);
  archived++;
}

/**
 * Ring record → queue record: one copy, header and body together. The record is committed
 * deferred: the drain loop flushes once per batch, so the checksums of a batch cost one call to
 * the addon instead of one per record.
 */
function archive(record: ReadClaim): void {
  const bytes = record.buffer;
  const offset = record.offset;
  const length = record.length;
  const claim = appender.claim(length);
  claim.buffer.set(bytes.subarray(offset, offset + length), claim.offset);
  lastIndex = claim.commitDeferred();
  archived++;
  if (kindAt(bytes, offset) === KIND_MESSAGE) {
    archivedMessages++;
    archivedBytes += length - RECORD_HEADER_BYTES;
  }
  lastRecordedMs = toMs(secondsAt(bytes, offset), nanosAt(bytes, offset));
}

/** Publishes the counters; after a batch, also its lag (record → in the file, measured now). */
function publish(afterBatch: boolean): void {
  stats[STAT_ARCHIVED] = archived;
  stats[STAT_ARCHIVED_MESSAGES] = archivedMessages;
  stats[STAT_ARCHIVED_BYTES] = archivedBytes;
  stats[STAT_LAST_INDEX] = lastIndex;
  stats[STAT_LAST_ARCHIVED_RECORDED_MS] = lastRecordedMs;
  if (afterBatch && lastRecordedMs === lastRecordedMs) {
    stats[STAT_LAG_NS] = (clockMs() - lastRecordedMs) * 1e6;
  }
}

let syncing = false;
let nextSyncAt = data.syncEveryMs === null ? Infinity : clockMs() + data.syncEveryMs;

/** Starts a sync when one is due; it runs on the thread pool while the drain goes on. */
function maybeSync(now: number): void {
  if (syncing || now < nextSyncAt || data.syncEveryMs === null) return;
  syncing = true;
  nextSyncAt = now + data.syncEveryMs;
  const covered = archived;
  const coveredRecordedMs = lastRecordedMs;
  appender.sync().then(
    () => {
      syncing = false;
      stats[STAT_DURABLE] = covered;
      stats[STAT_SYNCS] = (stats[STAT_SYNCS] as number) + 1;
      if (coveredRecordedMs === coveredRecordedMs) {
        stats[STAT_DURABLE_LAG_NS] = (clockMs() - coveredRecordedMs) * 1e6;
      }
    },
    (error: unknown) => {
      // A failed msync means what was appended may not survive power loss: stop, loudly.
      process.nextTick(() => {
        throw error;
      });
    },
  );
}

async function drain(): Promise<void> {
  // recv() waits with Atomics.waitAsync, which does not keep a thread's event loop alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let turnStarted = clockMs();
  let emptyPolls = 0;
  for (;;) {
    // Idle for a while: sleep until the traffic thread wakes us (or IDLE_WAIT_MS passes).
    const record =
      emptyPolls < POLLS_BEFORE_SLEEP ? receiver.tryRecv() : await receiver.recv(IDLE_WAIT_MS);
    if (record === CLOSED) break;
    if (record === EMPTY || record === TIMED_OUT) {
      emptyPolls++;
      maybeSync(clockMs());
      if (record === EMPTY) await sleep(POLL_MS);
      turnStarted = clockMs();
      continue;
    }
    emptyPolls = 0;
    archive(record);
    record.release();
    ring.poll(archive, 4096);
    appender.flush();
    publish(true);
    const now = clockMs();
    maybeSync(now);
    if (now - turnStarted >= TURN_MS) {
      // Under a steady stream the ring is never empty: let sync completions and messages in.
      await new Promise(setImmediate);
      turnStarted = clockMs();
    }
  }
  // The sender closed: everything it recorded is in the queue. Make it durable, then report.
  while (syncing) await new Promise(setImmediate);
  await appender.sync();
  stats[STAT_DURABLE] = archived;
  stats[STAT_SYNCS] = (stats[STAT_SYNCS] as number) + 1;
  if (lastRecordedMs === lastRecordedMs) {
    stats[STAT_DURABLE_LAG_NS] = (clockMs() - lastRecordedMs) * 1e6;
  }
  publish(false);
  queue.close();
  clearInterval(keepAlive);
  port?.postMessage({ type: 'closed' } satisfies WorkerMessage);
}

try {
  await drain();
} catch (error) {
  // The counters say what reached the queue file before the failure (the archive holds exactly that).
  publish(false);
  throw error;
}
