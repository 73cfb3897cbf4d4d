/**
 * Producer or consumer of an `@annal/logbuf` SpscRing or MpscRing (workerData.kind). The
 * producer claims, writes the payload and its sequence number in place, and commits, spinning
 * on BACK_PRESSURED; it times batches of 64 claims with performance.now() and keeps the batches
 * that met no back-pressure. The consumer drains in a busy loop and verifies every record.
 */
import { workerData } from 'node:worker_threads';

import { BACK_PRESSURED, MpscRing, SpscRing } from '@annal/logbuf';

import { Verifier, makeTemplate, serveRounds, writeSequence } from './common.mjs';

const BATCH = 64;
const { role, kind, buffer, payloadBytes, producerId } = workerData;
const ring = kind === 'mpsc' ? MpscRing.attach(buffer) : SpscRing.attach(buffer);

function produce(count) {
  const template = makeTemplate(payloadBytes, producerId);
  const claimNs = [];
  let pressuredBatches = 0;
  let sequence = 0;
  while (sequence < count) {
    const batchEnd = Math.min(sequence + BATCH, count);
    const fullBatch = batchEnd - sequence === BATCH;
    let pressured = false;
    const started = performance.now();
    for (; sequence < batchEnd; sequence++) {
      let claim = ring.tryClaim(payloadBytes);
      while (claim === BACK_PRESSURED) {
        pressured = true;
        claim = ring.tryClaim(payloadBytes);
      }
      const bytes = claim.buffer;
      const offset = claim.offset;
      bytes.set(template, offset);
      writeSequence(bytes, offset, sequence);
      claim.commit();
    }
    const elapsedMs = performance.now() - started;
    if (pressured) pressuredBatches++;
    else if (fullBatch) claimNs.push((elapsedMs * 1e6) / BATCH);
  }
  return { type: 'produced', claimNs, pressuredBatches };
}

const verifier = new Verifier(payloadBytes);
const handler = (record) => {
  verifier.check(record.buffer, record.offset, record.length);
};

function consume(count) {
  verifier.reset();
  while (verifier.received < count) ring.drain(handler, 1024);
  return verifier.done();
}

serveRounds((count) => (role === 'producer' ? produce(count) : consume(count)));
