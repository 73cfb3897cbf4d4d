/**
 * The archiver worker: receives records from the hot thread through an `@annal/logbuf` ring and
 * appends each one to an `@annal/core` queue with a zero-copy claim (ring → mapped file, one
 * copy), until the sender closes its side.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { Queue } from '@annal/core';
import { CLOSED, Receiver, SpscRing, TIMED_OUT, type ReadClaim } from '@annal/logbuf';

interface ArchiverData {
  readonly ring: SharedArrayBuffer;
  readonly directory: string;
}

const { ring: buffer, directory } = workerData as ArchiverData;
const queue = Queue.open(directory, { checksums: 'crc32c', sync: { everyMs: 200 } });
const appender = queue.appender();
const ringReader = SpscRing.attach(buffer);
const receiver = new Receiver(ringReader);
let archived = 0;
let first = -1;
let last = -1;
/** Ring record → queue record: one copy, from the shared ring into the mapped file. */
const archive = (record: ReadClaim): void => {
  const claim = appender.tryClaim(record.length);
  claim.buffer.set(
    record.buffer.subarray(record.offset, record.offset + record.length),
    claim.offset,
  );
  last = claim.commit();
  if (first < 0) first = last;
  archived++;
};
const started = performance.now();
for (;;) {
  // Wait only when the ring is empty, without blocking the thread (recv), so this worker's
  // timers (the queue's msync every 200 ms) keep running; then take everything in one batch.
  const record = await receiver.recv(1000);
  if (record === CLOSED) break;
  if (record === TIMED_OUT) continue;
  archive(record);
  record.release();
  ringReader.poll(archive, 4096);
}
const elapsedMs = performance.now() - started;
await appender.synced(); // durable against power loss before we say so
queue.close();
parentPort?.postMessage({ archived, first, last, elapsedMs });
