/**
 * Producer or consumer of an `@annal/logbuf` SpscRing or MpscRing (workerData.kind). The
 * producer claims, writes the payload and its sequence number in place, and commits, spinning
 * on BACK_PRESSURED (with workerData.publishEvery > 1 it uses `commitDeferred()` and publishes
 * with `commit()` once every publishEvery records and at the end of the round); it times batches of 64 claims with performance.now() and keeps the batches
 * that met no back-pressure. The consumer calls poll() paced by an IdleStrategy (a short spin
 * after an empty poll, as the logbuf README recommends) and verifies every record.
 */
import { workerData } from 'node:worker_threads';

import { BACK_PRESSURED, IdleStrategy, MpscRing, SpscRing } from '@annal/logbuf';

import { Verifier, makeTemplate, serveRounds, writeSequence } from './common.mjs';

const BATCH = 64;
const { role, kind, buffer, payloadBytes, producerId, publishEvery = 1 } = workerData;
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
      if (publishEvery > 1 && (sequence + 1) % publishEvery !== 0 && sequence + 1 !== count) {
        claim.commitDeferred();
      } else {
        claim.commit();
      }
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
  const idle = new IdleStrategy();
  while (verifier.received < count) idle.idle(ring.poll(handler, 1024));
  return verifier.done();
}

serveRounds((count) => (role === 'producer' ? produce(count) : consume(count)));
