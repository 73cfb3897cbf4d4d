/**
 * Peer: a MessageChannel between two workers, one `port.postMessage(Uint8Array)` (a structured
 * clone) per message; see `workers/message-channel.mjs`.
 *
 * @module
 */
import { MessageChannel } from 'node:worker_threads';

import { startWorkerRig, workerScript, type CrossThreadRig } from '../cross-thread.js';

/** Starts a producer and a consumer worker joined by a fresh MessageChannel. */
export function startMessageChannelRig(payloadBytes: number): Promise<CrossThreadRig> {
  const { port1, port2 } = new MessageChannel();
  return startWorkerRig(
    workerScript('message-channel.mjs'),
    1,
    payloadBytes,
    {},
    {
      producer: () => ({ data: { port: port1 }, transfer: [port1] }),
      consumer: { data: { port: port2 }, transfer: [port2] },
    },
  );
}
