/**
 * The archiver worker: receives records from the hot thread through an `@annal/logbuf` ring and
 * appends each one to an `@annal/core` queue with a zero-copy claim (ring → mapped file, one
 * copy), until the sender closes the channel.
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
const receiver = new Receiver(SpscRing.attach(buffer));
let archived = 0;
let first = -1;
let last = -1;
const started = performance.now();
for (;;) {
  const record = receiver.recv(1000);
  if (record === CLOSED) break;
  if (record === TIMED_OUT) continue;
  const claim = appender.tryClaim(record.length);
  claim.buffer.set(
    record.buffer.subarray(record.offset, record.offset + record.length),
    claim.offset,
  );
  last = claim.commit();
  if (first < 0) first = last;
  record.release();
  archived++;
}
const elapsedMs = performance.now() - started;
await appender.synced(); // durable against power loss before we say so
queue.close();
parentPort?.postMessage({ archived, first, last, elapsedMs });
