/**
 * What the archiver and its worker say to each other when the worker starts and ends (the
 * records themselves go through the ring).
 *
 * @module
 */

/** `workerData` of the archiver worker. */
export interface WorkerData {
  /** The queue directory. */
  readonly directory: string;
  /** The SpscRing's buffer: the traffic thread produces, the worker consumes. */
  readonly ring: SharedArrayBuffer;
  /** The statistics block (layout.ts), written by the worker. */
  readonly stats: SharedArrayBuffer;
  /** Sync period in ms, or null for no scheduled sync (close() still syncs). */
  readonly syncEveryMs: number | null;
  readonly rollCycle: string | undefined;
  readonly blockBytes: number | string | undefined;
}

/** Messages from the worker. Failures arrive as the Worker's 'error' event. */
export type WorkerMessage =
  | {
      /** The queue is open and the SESSION record written: records may flow. */
      readonly type: 'ready';
      /** The queue's largest record payload. */
      readonly maxPayloadBytes: number;
    }
  | {
      /** Drained, synced and closed after the sender closed the ring. */
      readonly type: 'closed';
    };
