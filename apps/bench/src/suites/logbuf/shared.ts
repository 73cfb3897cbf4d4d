/**
 * What the logbuf suites share: the two payload sizes, messages per round, and the
 * implementation that runs producers and a consumer of an `@annal/logbuf` ring in workers.
 *
 * @module
 */
import { MpscRing, SpscRing } from '@annal/logbuf';

import {
  measureCrossThread,
  startWorkerRig,
  workerScript,
  type CrossThreadRig,
  type MessageCounts,
} from '../../cross-thread.js';
import type { Implementation } from '../../suite.js';

/** Ring capacity for annal's rings (ringbuf.js gets the same 1 MiB). */
export const RING_BYTES = 1 << 20;

/** A payload size and how many messages one round moves at it. */
export interface PayloadSize {
  /** Scenario id prefix: `64B`, `1KiB`. */
  readonly label: string;
  readonly payloadBytes: number;
  /** Messages per round for the fast (shared-memory, batched) implementations. */
  readonly counts: MessageCounts;
  /** Messages per round for one-postMessage-per-message implementations. */
  readonly slowCounts: MessageCounts;
}

export const PAYLOAD_SIZES: readonly PayloadSize[] = [
  {
    label: '64B',
    payloadBytes: 64,
    counts: { full: 2_000_000, smoke: 50_000 },
    slowCounts: { full: 500_000, smoke: 20_000 },
  },
  {
    label: '1KiB',
    payloadBytes: 1024,
    counts: { full: 500_000, smoke: 20_000 },
    slowCounts: { full: 500_000, smoke: 20_000 },
  },
];

/** Common description of the message format and the check, for the notes. */
export const VERIFIED =
  'every message carries a u32 sequence number (and its producer id) that the consumer checks, with the count';

/** A cross-thread implementation from a rig factory. */
export function crossThreadImplementation(
  id: string,
  role: Implementation['role'],
  description: string,
  size: PayloadSize,
  counts: MessageCounts,
  startRig: (payloadBytes: number) => Promise<CrossThreadRig>,
  notes: string,
  verified = VERIFIED,
): Implementation {
  return {
    id,
    role,
    description,
    create: () =>
      measureCrossThread(
        () => startRig(size.payloadBytes),
        counts,
        size.payloadBytes,
        `${notes}; ${verified}`,
      ),
  };
}

/** Records per publish in the deferred-commit variant (`commitDeferred()`, then `commit()`). */
export const PUBLISH_EVERY = 64;

/**
 * Starts `producers` producer workers and one consumer worker over a fresh annal ring;
 * `publishEvery` > 1 makes producers commit with `commitDeferred()` and publish once per that
 * many records.
 */
export function startAnnalRig(
  kind: 'spsc' | 'mpsc',
  producers: number,
  payloadBytes: number,
  publishEvery = 1,
): Promise<CrossThreadRig> {
  const buffer = kind === 'mpsc' ? MpscRing.allocate(RING_BYTES) : SpscRing.allocate(RING_BYTES);
  return startWorkerRig(workerScript('annal-ring.mjs'), producers, payloadBytes, {
    kind,
    buffer,
    publishEvery,
  });
}
