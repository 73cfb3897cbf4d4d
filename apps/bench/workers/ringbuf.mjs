/**
 * Producer or consumer of a ringbuf.js SPSC RingBuffer (Uint8 elements) on a shared buffer.
 * The producer pushes a u32 length + payload as one frame once that much room is free; the
 * consumer pops the header, then the payload into a reused buffer. Both sides busy-poll
 * (ringbuf.js has no wait/notify).
 */
import { workerData } from 'node:worker_threads';

import { RingBuffer } from 'ringbuf.js';

import { Verifier, makeTemplate, readSequence, serveRounds, writeSequence } from './common.mjs';

const HEADER = 4;
const { role, storage, payloadBytes, producerId } = workerData;
const ring = new RingBuffer(storage, Uint8Array);

function produce(count) {
  const frame = new Uint8Array(HEADER + payloadBytes);
  frame.set(makeTemplate(payloadBytes, producerId), HEADER);
  writeSequence(frame, 0, payloadBytes);
  for (let sequence = 0; sequence < count; sequence++) {
    writeSequence(frame, HEADER, sequence);
    while (ring.availableWrite() < frame.length);
    ring.push(frame);
  }
  return { type: 'produced' };
}

const verifier = new Verifier(payloadBytes);
const header = new Uint8Array(HEADER);
const payload = new Uint8Array(payloadBytes);

function consume(count) {
  verifier.reset();
  while (verifier.received < count) {
    while (ring.availableRead() < HEADER);
    ring.pop(header, HEADER);
    const length = readSequence(header, 0);
    if (length > payload.length) {
      verifier.fail(`frame length ${length}`);
      break;
    }
    while (ring.availableRead() < length);
    ring.pop(payload, length);
    verifier.check(payload, 0, length);
  }
  return verifier.done();
}

serveRounds((count) => (role === 'producer' ? produce(count) : consume(count)));
