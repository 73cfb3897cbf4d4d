/**
 * Producer for the worker → main peers (workerData.mode):
 * - `per-message`: parentPort.postMessage of one standalone Uint8Array per message (a
 *   structured clone each), no back-pressure;
 * - `packed`: frames (u32 length + payload) packed into 64 KiB ArrayBuffers, each transferred
 *   (not copied) when the next frame would not fit; a buffer starts with its frame count.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { makeTemplate, serveRounds, writeSequence } from './common.mjs';

const PACK_BYTES = 64 * 1024;
const { mode, payloadBytes, producerId } = workerData;
const template = makeTemplate(payloadBytes, producerId);

function perMessage(count) {
  for (let sequence = 0; sequence < count; sequence++) {
    writeSequence(template, 0, sequence);
    parentPort.postMessage(template);
  }
  return { type: 'produced' };
}

function packed(count) {
  let pack = new Uint8Array(PACK_BYTES);
  let offset = 4;
  let frames = 0;
  const flush = () => {
    writeSequence(pack, 0, frames);
    parentPort.postMessage(pack.buffer, [pack.buffer]);
    pack = new Uint8Array(PACK_BYTES);
    offset = 4;
    frames = 0;
  };
  for (let sequence = 0; sequence < count; sequence++) {
    if (offset + 4 + payloadBytes > PACK_BYTES) flush();
    writeSequence(pack, offset, payloadBytes);
    pack.set(template, offset + 4);
    writeSequence(pack, offset + 4, sequence);
    offset += 4 + payloadBytes;
    frames++;
  }
  if (frames > 0) flush();
  return { type: 'produced' };
}

serveRounds(mode === 'packed' ? packed : perMessage);
