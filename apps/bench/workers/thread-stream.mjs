/**
 * Producer for the thread-stream peer: a worker that owns a ThreadStream (pino's SAB channel,
 * 4 MiB default buffer) whose own worker runs `thread-stream-target.mjs`. Each message is a text
 * line of (payloadBytes − 1) ASCII characters + '\n' starting with its 10-digit sequence number;
 * the producer honours `drain`. The target counts and checks lines into a shared Int32Array
 * (received, errors); the producer reports `done` once the target has every line it sent.
 */
import { once } from 'node:events';
import { workerData } from 'node:worker_threads';

import ThreadStream from 'thread-stream';

import { serveRounds } from './common.mjs';

const SEQUENCE_DIGITS = 10;
const { payloadBytes } = workerData;
const counters = new Int32Array(new SharedArrayBuffer(8));
const stream = new ThreadStream({
  filename: new URL('./thread-stream-target.mjs', import.meta.url).href,
  workerData: { counters, payloadBytes },
  sync: false,
});
await once(stream, 'ready');
const filler = 'x'.repeat(payloadBytes - 1 - SEQUENCE_DIGITS);
let sent = 0;

const waitForTarget = () => new Promise((resolve) => setImmediate(resolve));

serveRounds(async (count) => {
  const before = Atomics.load(counters, 0);
  for (let index = 0; index < count; index++) {
    const line = `${String(sent).padStart(SEQUENCE_DIGITS, '0')}${filler}\n`;
    sent++;
    if (!stream.write(line)) await once(stream, 'drain');
  }
  while (Atomics.load(counters, 0) < sent) await waitForTarget();
  return {
    type: 'done',
    received: Atomics.load(counters, 0) - before,
    errors: Atomics.load(counters, 1),
    firstError: 'a line had the wrong length or sequence number',
  };
});
