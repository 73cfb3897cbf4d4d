/**
 * Producer or consumer on the two ends of a MessageChannel (workerData.port): the producer
 * posts one standalone Uint8Array per message (a structured clone), the consumer verifies each
 * as it arrives and reports `done` when the round's count is reached.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { Verifier, makeTemplate, serveRounds, writeSequence } from './common.mjs';

const { role, port, payloadBytes, producerId } = workerData;

if (role === 'producer') {
  const message = makeTemplate(payloadBytes, producerId);
  serveRounds((count) => {
    for (let sequence = 0; sequence < count; sequence++) {
      writeSequence(message, 0, sequence);
      port.postMessage(message);
    }
    return { type: 'produced' };
  });
} else {
  const verifier = new Verifier(payloadBytes);
  let target = -1;
  const finishIfDone = () => {
    if (target >= 0 && verifier.received >= target) {
      target = -1;
      parentPort.postMessage(verifier.done());
      verifier.reset();
    }
  };
  port.on('message', (bytes) => {
    verifier.check(bytes, 0, bytes.length);
    finishIfDone();
  });
  serveRounds((count) => {
    target = count;
    finishIfDone();
    return undefined;
  });
}
