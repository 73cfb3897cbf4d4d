/**
 * The append lock of shared appenders: a word in each cycle file's header (line 1, see
 * layout.ts) taken by CAS and released by a store, held while one frame is written. What makes
 * it safe between processes that may die at any instruction:
 *
 * - **Liveness without PIDs.** The word holds the holder's lock value: its slot and generation
 *   (see appender-membership.ts). The slot is a byte of `appender.lock` that the holder keeps
 *   OFD-locked for its lifetime, so "is the holder alive" is "is that byte locked, and by the
 *   same generation", which the kernel answers truthfully even after a SIGKILL.
 * - **Take-over.** A waiter that finds the holder gone takes the word over by CAS, and the
 *   caller then recovers the end of the data the dead holder may have left half-updated.
 * - **No starvation.** A waiter past its spinning phase asks for a hand-off: the next release
 *   takes the request (a CAS, so a waiter that withdraws at that instant knows it lost the race
 *   and waits for the lock on its way) and stores the waiter's value instead of 0, then wakes
 *   it, so an appender retaking the lock at once cannot keep others out.
 * - **No unbounded wait.** A live holder (a claim left open) is waited for up to `timeoutMs`,
 *   then ERR_ANNAL_TIMEOUT.
 *
 * @module
 */
import { TimeoutError, futexWaitSync, futexWake } from '@annal/native';

import { type SharedMembership, slotOf } from './appender-membership.js';
import {
  APPEND_LOCK_INDEX,
  loadAppendLock,
  releaseAppendLock,
  requestAppendHandoff,
  swapAppendLock,
  tryTakeAppendLock,
  withdrawAppendHandoff,
} from './layout.js';

/** Spins on a held lock before sleeping: a holder keeps it for well under a microsecond. */
const SPINS = 2000;
/** Longest sleep between looks at the lock, and how often the holder's liveness is checked (ms). */
const LIVENESS_CHECK_MS = 1;

/** One shared appender's side of the append locks of every cycle file it appends to. */
export class AppendLock {
  /** The value this appender stores in lock words: its slot and generation. */
  readonly owner: number;
  readonly #membership: SharedMembership;
  readonly #timeoutMs: number;

  constructor(membership: SharedMembership, timeoutMs: number) {
    this.owner = membership.lockValue;
    this.#membership = membership;
    this.#timeoutMs = timeoutMs;
  }

  /** Takes the lock word if it is free (one CAS). */
  tryTake(header: Int32Array): boolean {
    return tryTakeAppendLock(header, this.owner);
  }

  /** Releases the lock word (to a waiter that asked for a hand-off, woken here, if any). */
  release(header: Int32Array): void {
    if (releaseAppendLock(header)) futexWake(header, APPEND_LOCK_INDEX);
  }

  /**
   * Waits for the lock word of the file whose header is `header` (`path` names it in errors),
   * after a failed {@link AppendLock.tryTake}.
   *
   * @returns true when taken from a live appender or a free word (or handed to us); false when
   *   taken over from a dead holder (or found holding our own value unasked: a hand-off that
   *   arrived after we gave up), whose half-done work the caller must recover before appending
   * @throws ERR_ANNAL_TIMEOUT when a live appender holds it for `timeoutMs`
   */
  wait(header: Int32Array, path: string): boolean {
    const owner = this.owner;
    let holder = 0;
    let spins = 0;
    let waitingSince = 0;
    let nextLivenessCheck = 0;
    let requested = false;
    let handedOver = false;
    try {
      for (;;) {
        const current = loadAppendLock(header);
        // Our own value: handed off to us if we asked; otherwise left by a throw while we held
        // it, or by a hand-off that came after we gave up: ours, but recover the end first.
        if (current === owner) return requested || handedOver;
        if (current === 0) {
          if (tryTakeAppendLock(header, owner)) return true;
          continue;
        }
        if (spins < SPINS) {
          spins++;
          continue;
        }
        if (!requested) requested = requestAppendHandoff(header, owner);
        const now = performance.now();
        if (current !== holder) {
          // The lock moved: whoever holds it now gets the whole timeout.
          holder = current;
          waitingSince = now;
          nextLivenessCheck = now;
        }
        if (now >= nextLivenessCheck) {
          if (this.#takeOverIfDead(header, current)) return false;
          nextLivenessCheck = now + LIVENESS_CHECK_MS;
        }
        if (now - waitingSince >= this.#timeoutMs) {
          if (!requested || withdrawAppendHandoff(header, owner)) {
            requested = false;
            throw this.#timeout(path, current);
          }
          // The holder took our request an instant ago and is storing our value: wait for it
          // (or for the holder's death, if it dies in between) rather than leave it a lock
          // nobody knows it holds.
          requested = false;
          handedOver = true;
          waitingSince = now;
        }
        futexWaitSync(header, APPEND_LOCK_INDEX, current, { timeoutMs: LIVENESS_CHECK_MS });
      }
    } finally {
      if (requested) withdrawAppendHandoff(header, owner);
    }
  }

  /** Takes the word over from `holder` if that appender is gone. */
  #takeOverIfDead(header: Int32Array, holder: number): boolean {
    return this.#membership.ifGone(holder, () => {
      if (!swapAppendLock(header, holder, this.owner)) return false;
      // It may have died waiting, with a hand-off request still up.
      withdrawAppendHandoff(header, holder);
      return true;
    });
  }

  #timeout(path: string, holder: number): TimeoutError {
    return new TimeoutError(
      `${path}: the append lock has been held for ${this.#timeoutMs} ms by the shared appender in slot ${slotOf(holder)}, which is alive (a claim left open?)`,
      { path, field: 'lockTimeoutMs' },
    );
  }
}
