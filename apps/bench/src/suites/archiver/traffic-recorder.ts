/**
 * What the archiver suite's rows put on the traffic thread, behind one contract: a hot call per
 * message, and the untimed hooks the measurements pace themselves with (is the consumer far
 * behind, wait until it has everything, stop and say what happened).
 *
 * @module
 */

import type { WebSocket } from 'ws';

/** One way of getting a message off the traffic thread: annal's archiver, a bare ring, pino. */
export interface TrafficRecorder {
  /** The hot call, timed: hand one message to the consumer thread. */
  readonly record: (message: Buffer) => void;
  /**
   * For a recorder that taps a `ws` socket itself (`archiveWebSocket`): attaches to `socket`, and
   * the client's handler then does not call `record`.
   */
  readonly tapWebSocket?: (socket: WebSocket) => void;
  /** Untimed: true when the consumer is so far behind that the producer should let it catch up. */
  readonly isBehind: () => boolean;
  /** Untimed: resolves once the consumer has taken everything recorded so far. */
  readonly caughtUp: () => Promise<void>;
  /** Stops the producer side and resolves once the consumer has taken (or written) everything. */
  readonly close: () => Promise<void>;
  /**
   * After close, untimed: checks that the consumer took every message, removes what the
   * recorder wrote, and returns a sentence for the notes.
   *
   * @throws when a message is missing or was dropped
   */
  readonly verify: () => string;
}

/** Closes and verifies a recorder a failed measurement left behind, ignoring its errors. */
export async function disposeRecorder(recorder: TrafficRecorder | undefined): Promise<void> {
  if (recorder === undefined) return;
  try {
    await recorder.close();
  } catch {
    // The measurement already failed with the error that matters.
  }
  try {
    recorder.verify();
  } catch {
    // As above.
  }
}

/** One event-loop turn (timers, I/O and the other threads' messages get their chance). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Sleeps `ms` on a timer: how a producer waits for a consumer that is far behind without taking
 * a core from it (on 2 vCPUs a producer spinning on event-loop turns competes with its worker).
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Turns until `done()` holds, one event-loop turn apart. */
export async function waitUntil(done: () => boolean): Promise<void> {
  while (!done()) await nextTurn();
}
