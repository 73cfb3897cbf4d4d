/**
 * Peer: thread-stream 4.2.1 (pino's transport channel: a SharedArrayBuffer between a writer and
 * its own worker), text lines only. The producer worker writes lines into a ThreadStream and
 * reports when thread-stream's worker has checked them; see `workers/thread-stream.mjs`.
 *
 * @module
 */
import {
  ControlledWorker,
  checkDone,
  workerScript,
  type CrossThreadRig,
  type RoundOutcome,
} from '../cross-thread.js';

/** Starts the producer worker, which starts thread-stream's worker as the consumer. */
export async function startThreadStreamRig(payloadBytes: number): Promise<CrossThreadRig> {
  const producer = new ControlledWorker(workerScript('thread-stream.mjs'), { payloadBytes });
  try {
    await producer.next('ready');
  } catch (error) {
    await producer.terminate();
    throw error;
  }
  return {
    async runRound(count: number): Promise<RoundOutcome> {
      producer.startRound(count);
      const received = checkDone(await producer.next('done'), count);
      return { received };
    },
    close: () => producer.terminate(),
  };
}
