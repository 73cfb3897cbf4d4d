/**
 * Peer: do-it-yourself batching. The worker packs frames (u32 length + payload) into 64 KiB
 * ArrayBuffers and transfers each to the main thread, which parses the frames in place (no
 * copy); see `workers/post-message.mjs`.
 *
 * @module
 */
import { startMainConsumerRig, type CrossThreadRig } from '../cross-thread.js';

/** Starts a producer worker that transfers packed 64 KiB buffers to the main thread. */
export function startPackedTransferRig(payloadBytes: number): Promise<CrossThreadRig> {
  return startMainConsumerRig('packed', payloadBytes, (data, verifier) => {
    const view = new DataView(data as ArrayBuffer);
    const frames = view.getUint32(0, true);
    let offset = 4;
    for (let frame = 0; frame < frames; frame++) {
      const length = view.getUint32(offset, true);
      verifier.check(view, offset + 4, length);
      offset += 4 + length;
    }
  });
}
