/**
 * The append lock of shared appenders: a word in each cycle file's header (line 1, see
 * layout.ts) taken by CAS and released by a store, held while one frame is written. What makes
 * it safe between processes that may die at any instruction:
 *
 * - **Liveness without PIDs.** The word holds the holder's slot + 1; the slot is a byte of
 *   `appender.lock` that the holder keeps OFD-locked for its lifetime, so "is the holder alive"
 *   is "is that byte locked", which the kernel answers truthfully even after a SIGKILL.
 * - **Take-over.** A waiter that finds the holder dead takes the word over by CAS while holding
 *   the dead slot's byte (so no newcomer can reuse that slot meanwhile), and the caller then
 *   recovers the end of the data the dead holder may have left half-updated.
 * - **No starvation.** A waiter past its spinning phase asks for a hand-off: the next release
 *   stores the waiter's value instead of 0 and wakes it, so an appender retaking the lock at
 *   once cannot keep others out.
 * - **No unbounded wait.** A live holder (a claim left open) is waited for up to `timeoutMs`,
 *   then ERR_ANNAL_TIMEOUT.
 *
 * @module
 */
import { TimeoutError, futexWait, futexWake } from '@annal/native';

import { MAX_SHARED_APPENDERS, type SharedMembership } from './appender-membership.js';
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
  /** The value this appender stores in lock words: its slot + 1. */
  readonly owner: number;
  readonly #membership: SharedMembership;
  readonly #timeoutMs: number;

  constructor(membership: SharedMembership, timeoutMs: number) {
    this.owner = membership.slot + 1;
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
   * Takes the word if it holds our own value, left by a dead appender that had our slot before
   * us (nobody else takes over from a slot that lives again). Also withdraws its hand-off
   * request. @returns true when the caller now holds the lock and must recover the end
   */
  reclaimFromPredecessor(header: Int32Array): boolean {
    withdrawAppendHandoff(header, this.owner);
    return loadAppendLock(header) === this.owner;
  }

  /**
   * Waits for the lock word of the file whose header is `header` (`path` names it in errors),
   * after a failed {@link AppendLock.tryTake}.
   *
   * @returns true when taken from a live appender or a free word (or handed to us); false when
   *   taken over from a dead holder (or found holding our own value unasked), whose half-done
   *   work the caller must recover before appending
   * @throws ERR_ANNAL_TIMEOUT when a live appender holds it for `timeoutMs`
   */
  wait(header: Int32Array, path: string): boolean {
    const owner = this.owner;
    let holder = 0;
    let spins = 0;
    let waitingSince = 0;
    let nextLivenessCheck = 0;
    let requested = false;
    try {
      for (;;) {
        const current = loadAppendLock(header);
        // Our own value: handed off to us if we asked; otherwise left by a throw while we held
        // it, or by a dead appender that had our slot: taken, but the end must be recovered.
        if (current === owner) return requested;
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
        if (now - waitingSince >= this.#timeoutMs) throw this.#timeout(path, current);
        futexWait(header, APPEND_LOCK_INDEX, current, LIVENESS_CHECK_MS);
      }
    } finally {
      if (requested) withdrawAppendHandoff(header, owner);
    }
  }

  /** Takes the word over from `holder` if that appender is dead (its slot byte is unlocked). */
  #takeOverIfDead(header: Int32Array, holder: number): boolean {
    const slot = holder - 1;
    // A value no appender can have (a corrupt word) has no holder to wait for.
    const valid = slot >= 0 && slot < MAX_SHARED_APPENDERS;
    const proof = valid ? this.#membership.lockIfDead(slot) : undefined;
    if (proof === null) return false;
    try {
      // Holding the dead slot's byte, nobody can take that slot (and its value) meanwhile.
      if (!swapAppendLock(header, holder, this.owner)) return false;
      // It may have died waiting, with a hand-off request still up.
      withdrawAppendHandoff(header, holder);
      return true;
    } finally {
      proof?.release();
    }
  }

  #timeout(path: string, holder: number): TimeoutError {
    return new TimeoutError(
      `${path}: the append lock has been held for ${this.#timeoutMs} ms by shared appender slot ${holder - 1}, which is alive (a claim left open?)`,
      { path, field: 'lockTimeoutMs' },
    );
  }
}
