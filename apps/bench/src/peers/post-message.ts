/**
 * Peer: `parentPort.postMessage(Uint8Array)` per message from a worker to the main thread (a
 * structured clone each, no back-pressure); see `workers/post-message.mjs`.
 *
 * @module
 */
import { startMainConsumerRig, type CrossThreadRig } from '../cross-thread.js';

/** Starts a producer worker that posts each message to the main thread, which verifies it. */
export function startPostMessageRig(payloadBytes: number): Promise<CrossThreadRig> {
  return startMainConsumerRig('per-message', payloadBytes, (data, verifier) => {
    const bytes = data as Uint8Array;
    verifier.check(
      new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      0,
      bytes.byteLength,
    );
  });
}
