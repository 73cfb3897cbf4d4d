/**
 * Shared mode of the appender: how one of several shared appenders takes its turn.
 *
 * The append lock word of the current cycle file is held from {@link SharedAppend.reserve} until
 * the frame is published or dropped ({@link SharedAppend.release}), so frames are written one at
 * a time, in the order the lock was taken. While holding it an appender reads the end (write
 * position and record count, line 1), writes its frame there (and any index page, block padding
 * or end-of-cycle frame), stores the new end, and releases: the release store publishes it all to
 * the next holder. Readers need nothing of this: they see frames published as always.
 *
 * Separate from appender.ts because exclusive appenders never run it; it moves the same
 * {@link AppendPosition} the appender writes at.
 *
 * @module
 */
import type { AppendDurability } from './append-durability.js';
import { unsealedEnd } from './append-errors.js';
import { findIndexPage } from './append-index-page.js';
import type { AppendLock } from './append-lock.js';
import type { AppendPosition } from './append-position.js';
import { findCheckedEnd } from './recovery.js';
import {
  getRecordCount,
  getSealed,
  getWritePosition,
  loadLengthWord,
  loadSealed,
  resetAppendLock,
  setAppendEnd,
  storeSealed,
} from './layout.js';
import { cycleAt } from './roll-cycle.js';

/** A shared appender's turns at the append lock of the cycle file it appends to. */
export class SharedAppend {
  readonly #at: AppendPosition;
  readonly #lock: AppendLock;
  readonly #durability: AppendDurability;

  constructor(at: AppendPosition, lock: AppendLock, durability: AppendDurability) {
    this.#at = at;
    this.#lock = lock;
    this.#durability = durability;
  }

  /**
   * Starts a shared appender, called while it holds the join lock. Alone (no other shared
   * appender lives), it recovers the end from the files as an exclusive appender does, and
   * clears whatever a dead appender left in the lock word. Otherwise the live appenders keep the
   * end in line 1: it attaches to the newest cycle and reads the end under the lock.
   */
  start(alone: boolean): void {
    const at = this.#at;
    if (alone) {
      at.start();
      setAppendEnd(at.header, at.position, at.sequence);
      resetAppendLock(at.header);
      return;
    }
    const files = at.files;
    const now = at.clock();
    const shape = files.shape;
    const newest = files.listCycles().at(-1) ?? cycleAt(now, shape.epochMs, shape.cycleLengthMs);
    // A dead appender's value in the lock word is taken over by the first to wait on it.
    this.#attach(newest);
  }

  /**
   * The appender's reserve for a shared appender: returns the block offset of the new frame,
   * holding the append lock (released on a throw).
   */
  reserve(length: number): number {
    const at = this.#at;
    this.#acquire();
    // Rolling seals this cycle and releases its lock: then start over in the next one.
    while (at.clockPassedCycleEnd()) {
      this.#roll();
      this.#acquire();
    }
    try {
      return at.placeFrame(length);
    } catch (error) {
      // Whatever was written (an index page, padding) is complete: publish the end it reached.
      this.release();
      throw error;
    }
  }

  /** Stores the end reached and releases the append lock. */
  release(): void {
    const at = this.#at;
    setAppendEnd(at.header, at.position, at.sequence);
    this.#lock.release(at.header);
  }

  /**
   * Takes the append lock of the newest unsealed cycle file and loads the end of its data. A
   * sealed file sends it on to the next cycle (created by whoever sealed it, right after sealing).
   */
  #acquire(): void {
    for (;;) {
      const at = this.#at;
      const header = at.header;
      const lock = this.#lock;
      if (!lock.tryTake(header)) {
        // A sealed file with a successor needs no lock to leave (its lock word may even name an
        // appender that died in it).
        if (loadSealed(header) !== 0 && this.#moveToSuccessor()) continue;
        if (!lock.wait(header, at.file.path)) this.#recoverEnd();
      }
      if (getSealed(header) === 0) {
        try {
          this.#loadEnd();
        } catch (error) {
          lock.release(header);
          throw error;
        }
        return;
      }
      this.#followSealed();
    }
  }

  /** Attaches to the next existing cycle after the current one; false when there is none yet. */
  #moveToSuccessor(): boolean {
    const next = this.#at.successorCycle();
    if (next === undefined) return false;
    this.#attach(next);
    return true;
  }

  /**
   * Reads the end from line 1 (we hold the lock) and maps the block it is in. Line 1 is not
   * checksummed, so the end is checked before it is used: it must hold a free word in the block
   * mapped already (one load), or, in another block, lie inside the allocated file. Otherwise
   * (damage) the end is found again by a checked scan, as after a dead holder: never is a block
   * allocated or written on the word of an unchecked position.
   */
  #loadEnd(): void {
    const at = this.#at;
    const header = at.header;
    const position = getWritePosition(header);
    at.sequence = getRecordCount(header);
    at.position = position;
    if (!(position >= at.blockStart && position <= at.blockEnd)) {
      // Another block (rare: a syscall): mapped only once it lies inside the allocated file.
      const inFile = position % 8 === 0 && position <= at.file.allocatedBlocks() * at.blockBytes;
      if (inFile) at.mapBlockAt(position);
    }
    const inBlock = position >= at.blockStart && position <= at.blockEnd;
    if (
      inBlock &&
      (position === at.blockEnd || loadLengthWord(at.words, position - at.blockStart) === 0)
    ) {
      return;
    }
    this.#rescanEnd();
    // The checked frames end the cycle although the sealed flag said otherwise: damage.
    if (getSealed(header) !== 0) throw unsealedEnd(at.file.path);
  }

  /**
   * After taking over from a dead holder: it may have published a frame (a record, an index
   * page, padding, the end of the cycle) without storing the new end, or stored the position and
   * not the count, and left a partial payload past it. Finds the true end from the last index
   * entry (as recovery after a crash does), zeroes past it, and stores it.
   */
  #recoverEnd(): void {
    try {
      this.#rescanEnd();
    } catch (error) {
      this.#lock.release(this.#at.header);
      throw error;
    }
  }

  /** Holding the lock: finds the end by a checked scan and stores it (throws holding it). */
  #rescanEnd(): void {
    const at = this.#at;
    const header = at.header;
    // The stored end may be torn (position stored, count not): scan from the index instead.
    const end = findCheckedEnd(at.file, at.onCorrupt);
    at.position = end.position;
    at.sequence = end.sequence;
    at.mapBlockAt(end.position);
    if (end.sealed) storeSealed(header);
    else at.zeroAt(end.position);
    findIndexPage(at, end);
    setAppendEnd(header, at.position, at.sequence);
  }

  /**
   * Holding the lock of a sealed file: moves to the next cycle file. Whoever sealed it created
   * that file under this lock; if it died first (or an exclusive appender sealed it and died),
   * the successor is created here, under the same lock, so only one is ever created.
   */
  #followSealed(): void {
    const at = this.#at;
    let next = at.successorCycle();
    if (next === undefined) {
      const now = at.clock();
      next = at.rollTarget(now);
      try {
        at.files.getOrCreate(next, now);
      } catch (error) {
        this.#lock.release(at.header);
        throw error;
      }
    }
    this.#lock.release(at.header);
    this.#attach(next);
  }

  /** Holding the lock: the clock passed the cycle's end. Seals, creates the next file, releases. */
  #roll(): void {
    const at = this.#at;
    const now = at.clock();
    const next = at.rollTarget(now);
    const file = at.file;
    try {
      // Sealed first, then the successor created, both under this file's lock: an appender that
      // finds the file sealed either finds the successor or (if we died in between) creates it
      // under the same lock, so the chain of cycles never forks and no cycle stays unsealed.
      at.seal();
      at.files.getOrCreate(next, now);
    } finally {
      this.#lock.release(at.header);
    }
    this.#attach(next);
    this.#durability.rolledAway(file);
  }

  /** Makes `cycle` current without positioning: the end is read under its lock. */
  #attach(cycle: number): void {
    const at = this.#at;
    const file = at.files.getOrCreate(cycle, at.clock());
    at.useFile(file, cycle);
    at.blockStart = 0;
    at.blockEnd = -1;
    at.indexPageNumber = -1;
    at.indexPageWords = undefined;
  }
}
