/**
 * Waiting for the next record, across processes: a reader registers as a waiter in the cycle
 * file's header and sleeps on its commit counter, a futex word that appenders bump and wake only
 * when someone waits. Shared by `reader.waitNext()` (a Promise; the sleep runs off the JS
 * thread) and `reader.waitNextSync()` (blocks the thread).
 *
 * @module
 */
import { AbortedError, futexWait, futexWaitSync, membarrier } from '@annal/native';

import {
  COMMIT_COUNTER_INDEX,
  addWaiterCount,
  loadCommitCounter,
  loadFencelessPublish,
} from './layout.js';

/** What a wait needs from its reader. */
export interface WaitSubject {
  /** Throws ERR_ANNAL_CLOSED once the reader is closed. */
  checkOpen(): void;
  /** True when `next()` has a record now (moving over skip frames and cycle ends). */
  hasRecord(): boolean;
  /**
   * The header to register in, or undefined when the reader must poll instead: no cycle file
   * yet, or a read-only queue (it cannot register).
   */
  waitHeader(): Int32Array | undefined;
}

/** Milliseconds a read-only reader sleeps between looks while tailing (it cannot register). */
const READ_ONLY_POLL_MS = 1;
/** Longest single futex sleep of a registered waiter (it then re-checks). */
const WAIT_SLICE_MS = 1000;

/**
 * Called by a reader right after it registers as a waiter, before its re-check. If an appender
 * of the file publishes without fences (layout.ts), a membarrier makes our registration and
 * its last record meet: it sees us and wakes us, or we see its record. Where membarrier is
 * unavailable, the wake-up may be missed, so the reader sleeps in slices it would poll at.
 * @returns how long the reader may sleep before looking again (ms)
 */
function sleepAfterRegistering(header: Int32Array): number {
  if (loadFencelessPublish(header) === 0 || membarrier()) return WAIT_SLICE_MS;
  return READ_ONLY_POLL_MS;
}

/** A private word to sleep on while polling (nobody wakes it). */
const sleeper = new Int32Array(1);

/**
 * Resolves true as soon as `subject` has a record, false after `timeoutMs`.
 *
 * @throws (rejects) ERR_ANNAL_ABORTED when `signal` aborts; ERR_ANNAL_CLOSED when the reader
 *   closes meanwhile
 */
export async function waitForRecord(
  subject: WaitSubject,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    subject.checkOpen();
    if (signal?.aborted === true) throw aborted(signal);
    if (subject.hasRecord()) return true;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    const header = subject.waitHeader();
    if (header === undefined) {
      await sleep(Math.min(READ_ONLY_POLL_MS, remaining), signal);
      continue;
    }
    addWaiterCount(header, 1);
    try {
      const sleepMs = sleepAfterRegistering(header);
      const counter = loadCommitCounter(header);
      // Re-check after registering: an append that missed our registration is seen here.
      if (subject.hasRecord()) return true;
      await futexWait(header, COMMIT_COUNTER_INDEX, counter, {
        timeoutMs: Math.min(remaining, sleepMs),
        ...(signal === undefined ? {} : { signal }),
      });
    } finally {
      // The queue closed meanwhile unmapped the header (its view is detached): the count cannot
      // be taken back, as for a waiter that was killed; checkOpen() then says ERR_ANNAL_CLOSED.
      if (header.byteLength !== 0) addWaiterCount(header, -1);
    }
  }
}

/** Like {@link waitForRecord}, blocking the thread in the futex wait. */
export function waitForRecordSync(subject: WaitSubject, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    subject.checkOpen();
    if (subject.hasRecord()) return true;
    const remaining = deadline - performance.now();
    if (remaining <= 0) return false;
    const header = subject.waitHeader();
    if (header === undefined) {
      futexWaitSync(sleeper, 0, 0, { timeoutMs: Math.min(READ_ONLY_POLL_MS, remaining) });
      continue;
    }
    addWaiterCount(header, 1);
    try {
      const sleepMs = sleepAfterRegistering(header);
      const counter = loadCommitCounter(header);
      if (subject.hasRecord()) return true;
      futexWaitSync(header, COMMIT_COUNTER_INDEX, counter, {
        timeoutMs: Math.min(remaining, sleepMs),
      });
    } finally {
      addWaiterCount(header, -1);
    }
  }
}

function aborted(signal: AbortSignal): AbortedError {
  return new AbortedError('waitNext was aborted', { field: 'signal', cause: signal.reason });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      if (signal !== undefined) reject(aborted(signal));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
