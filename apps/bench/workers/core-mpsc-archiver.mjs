/**
 * Producer or consumer for the `mpsc-then-exclusive` row of `core/shared`: producers hand 64 B
 * records to one consumer thread through an `@annal/logbuf` MpscRing, and the consumer appends
 * each one to an `@annal/core` queue through the one exclusive appender (what a user builds
 * when several threads must write one queue and shared appenders are not used).
 *
 * - producer: for each `round`, claims, writes the record (its sequence within the producer,
 *   counting across rounds, in bytes 0–3; its producer id in byte 4) in place and commits,
 *   spinning on BACK_PRESSURED; posts `produced`.
 * - consumer: opens the queue over `directory` and `queue.appender()`, then for each `round`
 *   calls poll() paced by an IdleStrategy and appends every record it reads with
 *   `appender.append(view)` (one copy, ring → mapped file) until it has appended `count`; posts
 *   `done`. The records are checked by reading the queue back after the rounds, on the main
 *   thread.
 */
import { workerData } from 'node:worker_threads';

import { Queue } from '@annal/core';
import { BACK_PRESSURED, IdleStrategy, MpscRing } from '@annal/logbuf';

import { makeTemplate, serveRounds, writeSequence } from './common.mjs';

const { role, buffer, directory, payloadBytes, producerId } = workerData;
const ring = MpscRing.attach(buffer);

let sequence = 0;
function produce(count) {
  const template = makeTemplate(payloadBytes, producerId);
  for (let n = 0; n < count; n++) {
    let claim = ring.tryClaim(payloadBytes);
    while (claim === BACK_PRESSURED) claim = ring.tryClaim(payloadBytes);
    const bytes = claim.buffer;
    const offset = claim.offset;
    bytes.set(template, offset);
    writeSequence(bytes, offset, sequence++);
    claim.commit();
  }
  return { type: 'produced' };
}

const queue = role === 'consumer' ? Queue.open(directory) : undefined;
const appender = queue?.appender();
let appended = 0;
const archive = (record) => {
  appender.append(record.buffer.subarray(record.offset, record.offset + record.length));
  appended++;
};

function consume(count) {
  appended = 0;
  const idle = new IdleStrategy();
  while (appended < count) idle.idle(ring.poll(archive, 1024));
  return { type: 'done', received: appended };
}

serveRounds((count) => (role === 'producer' ? produce(count) : consume(count)));
