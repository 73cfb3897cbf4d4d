/**
 * An appender thread for `core/shared`: opens its own Queue over `directory` and an appender
 * (`shared` or exclusive), posts `ready`, and for each `round` message appends `count` records
 * of `payloadBytes`, each carrying its producer id (byte 4) and its sequence within the producer
 * (bytes 0–3, counting across rounds), then posts `done` with the count.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { Queue } from '@annal/core';

import { makeTemplate, writeSequence } from './common.mjs';

const { directory, producerId, payloadBytes, shared } = workerData;
const queue = Queue.open(directory);
const appender = queue.appender({ shared });
const record = makeTemplate(payloadBytes, producerId);
let sequence = 0;

parentPort.on('message', (message) => {
  if (message.type !== 'round') return;
  for (let n = 0; n < message.count; n++) {
    writeSequence(record, 0, sequence++);
    appender.appendSync(record);
  }
  parentPort.postMessage({ type: 'done', received: message.count });
});
parentPort.postMessage({ type: 'ready' });
