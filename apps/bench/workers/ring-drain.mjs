/**
 * The consumer of the archiver suite's ring-only floor: drains an `@annal/logbuf` SpscRing with
 * poll() paced by an IdleStrategy, checks every record's length against the first one's, and
 * publishes how many it took in control[0] until control[1] says stop.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { IdleStrategy, SpscRing } from '@annal/logbuf';

const { buffer, control } = workerData;
const ring = SpscRing.attach(buffer);
const idle = new IdleStrategy();
let taken = 0;
let length = -1;
const handler = (record) => {
  if (length === -1) length = record.length;
  else if (record.length !== length)
    throw new Error(`record ${taken}: length ${record.length}, expected ${length}`);
  taken++;
};
parentPort.postMessage('ready');
while (Atomics.load(control, 1) === 0) {
  const count = ring.poll(handler, 4096);
  if (count > 0) Atomics.store(control, 0, taken);
  idle.idle(count);
}
