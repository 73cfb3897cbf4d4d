/**
 * Who may append to a queue: the OFD locks in `<queue>/appender.lock` that admit either one
 * exclusive appender or any number of shared ones (never both), and tell shared appenders which
 * of them are alive — without a PID anywhere (OFD locks vanish with the process that held them,
 * even under SIGKILL, and mean the same in a container where every process is PID 1).
 *
 * The byte ranges of `appender.lock`, the words of `appender.slots` and the bits of a lock value
 * are declared in appender-lock-layout.ts.
 *
 * @module
 */
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { FileLock, LockedError, TimeoutError, futexWaitSync } from '@annal/native';
import { describeHolder, fromErrno } from '@annal/native/internal';

import {
  APPENDER_LOCK_FILE,
  APPENDER_SLOTS_FILE,
  FIRST_SLOT_BYTE,
  GENERATIONS,
  JOINS_OFFSET,
  JOIN_BYTE,
  MAX_SHARED_APPENDERS,
  SENTINEL_BYTE,
  SLOT_WORD_BYTES,
  generationOf,
  lockValue,
  slotGenerationOffset,
  slotOf,
} from './appender-lock-layout.js';

export {
  APPENDER_LOCK_FILE,
  APPENDER_SLOTS_FILE,
  MAX_SHARED_APPENDERS,
  lockValue,
  slotOf,
} from './appender-lock-layout.js';

/** Pause between attempts while another appender joins (ms): joining is rare and short. */
const JOIN_RETRY_MS = 1;

/** The exclusive appender's lock: the whole of `appender.lock`. */
export function acquireExclusive(directory: string): FileLock {
  const path = join(directory, APPENDER_LOCK_FILE);
  const lock = FileLock.tryAcquire(path);
  if (lock !== null) return lock;
  // The exclusive lock covers every byte, the slots too: ask for the sentinel first, which only
  // an exclusive appender holds, or a second exclusive appender would be told of shared ones.
  if (exclusiveAppenderPresent(path)) {
    throw new LockedError(
      `${directory} has an exclusive appender${describeHolder(path)}: a queue has one exclusive appender at a time (or any number of shared ones)`,
      { path },
    );
  }
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
  /** This appender's slot: a byte of `appender.lock` it keeps locked while it lives. */
  readonly slot: number;
  /** What this appender stores in append lock words: its slot and generation. */
  readonly lockValue: number;
  readonly #path: string;
  readonly #slotsPath: string;
  readonly #slotLock: FileLock;

  private constructor(directory: string, slot: number, generation: number, slotLock: FileLock) {
    this.#path = join(directory, APPENDER_LOCK_FILE);
    this.#slotsPath = join(directory, APPENDER_SLOTS_FILE);
    this.slot = slot;
    this.lockValue = lockValue(slot, generation);
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
      let membership: SharedMembership;
      try {
        const generation = newGeneration(join(directory, APPENDER_SLOTS_FILE), slotLock.slot);
        membership = new SharedMembership(directory, slotLock.slot, generation, slotLock.lock);
      } catch (error) {
        slotLock.lock.release();
        throw error;
      }
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
   * Runs `act` if the appender whose lock value is `value` is gone for good, and returns what it
   * returns; false (without running it) while that appender may live. Gone: its slot byte is
   * unlocked (held by us while `act` runs, so nobody takes the slot meanwhile), or the slot now
   * belongs to an appender of another generation. A value no appender can have (a corrupt
   * word) counts as gone.
   */
  ifGone(value: number, act: () => boolean): boolean {
    if (value === this.lockValue) return false;
    const slot = slotOf(value);
    const generation = generationOf(value);
    if (slot < 0 || slot >= MAX_SHARED_APPENDERS || generation < 1 || generation > GENERATIONS) {
      return act();
    }
    if (slot === this.slot) return act();
    const slotLock = FileLock.tryAcquire(this.#path, {
      range: { start: FIRST_SLOT_BYTE + slot, length: 1 },
    });
    if (slotLock === null) {
      // Someone holds the slot: its owner, or a newcomer (whose generation, written before it
      // could store a value anywhere, differs; while it is still joining, the old one shows and
      // we only wait longer).
      return readWord(this.#slotsPath, slotGenerationOffset(slot)) !== generation && act();
    }
    try {
      return act();
    } finally {
      slotLock.release();
    }
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

/** Under the join lock: counts a join and records its generation as `slot`'s. */
function newGeneration(path: string, slot: number): number {
  const fd = openFile(path, constants.O_RDWR | constants.O_CREAT);
  try {
    const word = Buffer.alloc(SLOT_WORD_BYTES);
    const joins =
      readSync(fd, word, 0, SLOT_WORD_BYTES, JOINS_OFFSET) === SLOT_WORD_BYTES
        ? word.readUInt32LE()
        : 0;
    const generation = (joins % GENERATIONS) + 1;
    word.writeUInt32LE((joins + 1) % 2 ** 32);
    writeSync(fd, word, 0, SLOT_WORD_BYTES, JOINS_OFFSET);
    word.writeUInt32LE(generation);
    writeSync(fd, word, 0, SLOT_WORD_BYTES, slotGenerationOffset(slot));
    return generation;
  } catch (error) {
    throw fromErrno(error, { path });
  } finally {
    closeSync(fd);
  }
}

/** A u32 word of `path` at `offset`, or 0 when the file is shorter (a slot never taken). */
function readWord(path: string, offset: number): number {
  const fd = openFile(path, constants.O_RDONLY);
  try {
    const word = Buffer.alloc(SLOT_WORD_BYTES);
    return readSync(fd, word, 0, SLOT_WORD_BYTES, offset) === SLOT_WORD_BYTES
      ? word.readUInt32LE()
      : 0;
  } catch (error) {
    throw fromErrno(error, { path, offset });
  } finally {
    closeSync(fd);
  }
}

/** openSync, with a refusal as a coded error naming the file. */
function openFile(path: string, flags: number): number {
  try {
    return openSync(path, flags, 0o644);
  } catch (error) {
    throw fromErrno(error, { path });
  }
}

/**
 * True while an exclusive appender holds the queue: the sentinel byte is write-locked. The probe
 * is a read lock, so that probes of concurrent joiners never refuse each other (two write-lock
 * probes did: the loser took the other's probe for an exclusive appender).
 */
function exclusiveAppenderPresent(path: string): boolean {
  const probe = FileLock.tryAcquire(path, {
    range: { start: SENTINEL_BYTE, length: 1 },
    exclusive: false,
  });
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
  futexWaitSync(pauseCell, 0, 0, { timeoutMs: ms });
}
