/**
 * Who may append to a queue: the OFD locks in `<queue>/appender.lock` that admit either one
 * exclusive appender or any number of shared ones (never both), and tell shared appenders which
 * of them are alive — without a PID anywhere (OFD locks vanish with the process that held them,
 * even under SIGKILL, and mean the same in a container where every process is PID 1).
 *
 * ```
 *  appender.lock, byte ranges (the file itself stays empty unless an exclusive holder notes
 *  who it is)
 *    byte 0               join lock: held by a shared appender while it joins (moments)
 *    bytes 1 .. 1024      slot k at byte 1 + k: held by shared appender k for its lifetime;
 *                         k + 1 is what it stores in a cycle file's append lock word
 *    byte 1025            sentinel: free unless an exclusive appender holds the whole file
 *    the whole file       the exclusive appender
 * ```
 *
 * @module
 */
import { join } from 'node:path';

import { FileLock, LockedError, TimeoutError, futexWait } from '@annal/native';
import { describeHolder } from '@annal/native/internal';

/** File name of the lock file of a queue's appenders. */
export const APPENDER_LOCK_FILE = 'appender.lock';
/** Most shared appenders of one queue alive at once. */
export const MAX_SHARED_APPENDERS = 1024;

const JOIN_BYTE = 0;
const FIRST_SLOT_BYTE = 1;
const SENTINEL_BYTE = FIRST_SLOT_BYTE + MAX_SHARED_APPENDERS;

/** Pause between attempts while another appender joins (ms): joining is rare and short. */
const JOIN_RETRY_MS = 1;

/** The exclusive appender's lock: the whole of `appender.lock`. */
export function acquireExclusive(directory: string): FileLock {
  const path = join(directory, APPENDER_LOCK_FILE);
  const lock = FileLock.tryAcquire(path);
  if (lock !== null) return lock;
  if (sharedAppendersPresent(path)) {
    throw new LockedError(
      `${directory} has shared appenders: open this appender with { shared: true } to append alongside them`,
      { path },
    );
  }
  throw new LockedError(`${path} is locked: another appender holds it${describeHolder(path)}`, {
    path,
  });
}

/** A shared appender's place among the live shared appenders of a queue. */
export class SharedMembership {
  /** This appender's slot; it stores `slot + 1` in append lock words. */
  readonly slot: number;
  readonly #path: string;
  readonly #slotLock: FileLock;

  private constructor(path: string, slot: number, slotLock: FileLock) {
    this.#path = path;
    this.slot = slot;
    this.#slotLock = slotLock;
  }

  /**
   * Joins the shared appenders of `directory`: waits for the join lock, takes a free slot, calls
   * `initialise` with the membership and `alone` (true when no other shared appender lives, so the caller
   * may recover the end of the queue from the files alone and reset stale lock words), and lets
   * the next joiner in.
   *
   * @throws ERR_ANNAL_LOCKED when an exclusive appender holds the queue, or every slot is taken;
   *   ERR_ANNAL_TIMEOUT when the join lock stays held for `timeoutMs`
   */
  static join(
    directory: string,
    timeoutMs: number,
    initialise: (alone: boolean, membership: SharedMembership) => void,
  ): SharedMembership {
    const path = join(directory, APPENDER_LOCK_FILE);
    const joinLock = waitForJoinLock(path, directory, timeoutMs);
    try {
      const everyone = FileLock.tryAcquire(path, {
        range: { start: FIRST_SLOT_BYTE, length: MAX_SHARED_APPENDERS },
      });
      const alone = everyone !== null;
      everyone?.release();
      const slotLock = takeFreeSlot(path, directory);
      const membership = new SharedMembership(path, slotLock.slot, slotLock.lock);
      try {
        initialise(alone, membership);
      } catch (error) {
        membership.leave();
        throw error;
      }
      return membership;
    } finally {
      joinLock.release();
    }
  }

  /**
   * Proof that the appender in `slot` is gone: its slot lock, now held by the caller (which
   * releases it once done, so nobody can take the slot meanwhile), or null while it lives.
   */
  lockIfDead(slot: number): FileLock | null {
    if (slot === this.slot) return null;
    return FileLock.tryAcquire(this.#path, {
      range: { start: FIRST_SLOT_BYTE + slot, length: 1 },
    });
  }

  /** Leaves: the slot is free for another appender. */
  leave(): void {
    this.#slotLock.release();
  }
}

function waitForJoinLock(path: string, directory: string, timeoutMs: number): FileLock {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const lock = FileLock.tryAcquire(path, { range: { start: JOIN_BYTE, length: 1 } });
    if (lock !== null) return lock;
    if (exclusiveAppenderPresent(path)) {
      throw new LockedError(
        `${directory} has an exclusive appender${describeHolder(path)}: shared appenders cannot join until it closes`,
        { path },
      );
    }
    if (performance.now() >= deadline) {
      throw new TimeoutError(
        `another appender of ${directory} was still joining after ${timeoutMs} ms`,
        { path },
      );
    }
    pauseMs(JOIN_RETRY_MS);
  }
}

function takeFreeSlot(path: string, directory: string): { slot: number; lock: FileLock } {
  for (let slot = 0; slot < MAX_SHARED_APPENDERS; slot++) {
    const lock = FileLock.tryAcquire(path, {
      range: { start: FIRST_SLOT_BYTE + slot, length: 1 },
    });
    if (lock !== null) return { slot, lock };
  }
  throw new LockedError(
    `${directory} already has ${MAX_SHARED_APPENDERS} shared appenders, the most a queue allows`,
    { path },
  );
}

function exclusiveAppenderPresent(path: string): boolean {
  const probe = FileLock.tryAcquire(path, { range: { start: SENTINEL_BYTE, length: 1 } });
  probe?.release();
  return probe === null;
}

function sharedAppendersPresent(path: string): boolean {
  const probe = FileLock.tryAcquire(path, {
    range: { start: JOIN_BYTE, length: FIRST_SLOT_BYTE + MAX_SHARED_APPENDERS },
  });
  probe?.release();
  return probe === null;
}

const pauseCell = new Int32Array(1);

/** Blocks the thread for about `ms` (whole ms; the append API is synchronous, so waits block). */
function pauseMs(ms: number): void {
  futexWait(pauseCell, 0, 0, ms);
}
