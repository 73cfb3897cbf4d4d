/**
 * The contract every row of `core/append` meets, peers and annal alike: a store opened in a
 * fresh temporary directory that takes records one at a time and, on request, makes everything
 * appended so far reach the kernel, without syncing anything to the disk. (The warm-block annal
 * rows are a sequence of such stores: see `annal-core-warm.ts`.) The suite drives it in
 * rounds (see `suites/core/shared.ts`); a peer module only adapts its library to this.
 *
 * @module
 */

/** A store being appended to by one benchmark child. Created by an {@link AppendTargetFactory}. */
export interface AppendTarget {
  /**
   * Appends one record. The caller reuses `record` for the next one, so a store that keeps a
   * reference instead of copying (sonic-boom, lmdb's asynchronous `put`) must copy it here, and
   * that copy is part of its cost.
   *
   * @returns false when the caller must await {@link drain} before appending again
   *   (back-pressure, as `stream.write` signals it); stores without back-pressure return true
   */
  readonly append: (record: Buffer) => boolean;
  /** Resolves when the back-pressure that made `append` return false has cleared. */
  readonly drain: () => Promise<void>;
  /**
   * Optional, not timed: called before every round (warm-up and timed) with the records the
   * round will append, the sequence number of its first record, and the template every record
   * is made from. The warm-block annal rows use it to check where the previous round ended and,
   * when the round would not fit in the current block, to verify the queue they leave and move
   * to a fresh, prefaulted one. Peers have none.
   */
  readonly prepareRound?: (
    records: number,
    firstSequence: number,
    template: Buffer,
  ) => void | Promise<void>;
  /**
   * Makes every record appended so far reach the kernel (written to the file or committed to the
   * store's mapping), with no fsync, fdatasync or msync: the end of a timed round.
   */
  readonly settle: () => void | Promise<void>;
  /**
   * Not timed: throws unless the store holds exactly `count` records, sequence numbers 0…count-1
   * in order, made from `template` (a spread of them compared byte for byte). Called after
   * `settle`.
   */
  readonly verify: (count: number, template: Buffer) => void | Promise<void>;
  /**
   * The directory holding the whole store (everything appended since the target opened), for
   * the disk-usage note; undefined for a target that moves to fresh stores during the run (its
   * {@link notes} say how), which gets no disk note.
   */
  readonly directory: string | undefined;
  /** What setup learned that a reader of the table should know (e.g. how a library was built). */
  readonly notes?: string;
  /** Closes the store and removes its directory. Safe to call once after any failure. */
  readonly close: () => void | Promise<void>;
}

/**
 * Opens a fresh, empty store in a new temporary directory, for records of `payloadBytes`. A
 * factory loads its library here (dynamic `import()`), never at module load: every child imports
 * every suite, and a native addon that fails to load must fail its own rows only.
 */
export type AppendTargetFactory = (payloadBytes: number) => AppendTarget | Promise<AppendTarget>;
