/**
 * Peer: ringbuf.js 0.4.0, a wait-free SPSC ring on a SharedArrayBuffer (1 MiB of Uint8
 * elements), producer worker → consumer worker; see `workers/ringbuf.mjs` for the framing.
 *
 * @module
 */
import { RingBuffer } from 'ringbuf.js';

import { startWorkerRig, workerScript, type CrossThreadRig } from '../cross-thread.js';

const RING_BYTES = 1 << 20;

/** Starts a ringbuf.js producer and consumer worker over a fresh 1 MiB ring. */
export function startRingbufRig(payloadBytes: number): Promise<CrossThreadRig> {
  const storage = RingBuffer.getStorageForCapacity(RING_BYTES, Uint8Array);
  return startWorkerRig(workerScript('ringbuf.mjs'), 1, payloadBytes, { storage });
}
