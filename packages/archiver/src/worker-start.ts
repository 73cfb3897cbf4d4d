/**
 * Starting an archiver's worker: the shared ring and statistics block it drains and fills, the
 * worker thread itself, and the wait until it has opened the queue (or failed to).
 *
 * @module
 */
import { Worker } from 'node:worker_threads';

import { SpscRing } from '@annal/logbuf';

import { WorkerFailedError } from './errors.js';
import { STATS_BYTES } from './layout.js';
import type { ResolvedArchiverOptions } from './options.js';
import type { WorkerData, WorkerMessage } from './worker-protocol.js';

/** A worker that has opened its queue, and the memory it shares with the traffic thread. */
export interface StartedWorker {
  readonly worker: Worker;
  /** The hand-off ring (an SPSC ring of `ringBytes`). */
  readonly ring: SharedArrayBuffer;
  /** The statistics block, every cell NaN until the worker writes it. */
  readonly stats: SharedArrayBuffer;
  /** The largest payload the worker's queue takes. */
  readonly maxPayloadBytes: number;
}

/**
 * Starts the worker that archives into `directory` and resolves once it is ready.
 * @throws what the worker threw opening the queue (ERR_ANNAL_LOCKED, …), or
 *   ERR_ANNAL_WORKER_FAILED when it ended without saying why
 */
export async function startWorker(
  directory: string,
  resolved: Readonly<ResolvedArchiverOptions>,
): Promise<StartedWorker> {
  const ring = SpscRing.allocate(resolved.ringBytes);
  const stats = new SharedArrayBuffer(STATS_BYTES);
  new Float64Array(stats).fill(Number.NaN);
  const data: WorkerData = {
    directory,
    ring,
    stats,
    syncEveryMs: resolved.sync === 'none' ? null : resolved.sync.everyMs,
    rollCycle: resolved.rollCycle,
    blockBytes: resolved.blockBytes,
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
  const maxPayloadBytes = await new Promise<number>((resolve, reject) => {
    const onError = (error: Error): void => {
      worker.off('exit', onExit);
      reject(error);
    };
    // A worker that ends without an error and without saying it is ready must not leave open()
    // waiting for ever (an 'error' arrives before 'exit', so this only sees a silent end).
    const onExit = (code: number): void => {
      reject(
        new WorkerFailedError(
          `Archiver.open: the archiver worker for ${directory} exited with code ${code} before it was ready`,
          { path: directory },
        ),
      );
    };
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.once('message', (message: WorkerMessage) => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (message.type === 'ready') resolve(message.maxPayloadBytes);
    });
  });
  return { worker, ring, stats, maxPayloadBytes };
}
