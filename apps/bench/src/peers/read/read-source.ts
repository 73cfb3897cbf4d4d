/**
 * The contract every row of `core/read` meets, peers and annal alike: a store filled in setup
 * (untimed) with records 0…count-1, then read from the first record to the last, in order, as
 * many times as the suite asks. The suite times each full pass (see `suites/core/shared.ts`).
 *
 * @module
 */

/** A filled store that one benchmark child reads sequentially. Built by a {@link ReadSourceFactory}. */
export interface ReadSource {
  /**
   * Reads every record once, from the first, in order, and checks each one's length and
   * sequence number as it goes (part of the timed work, the same check in every row).
   *
   * @returns how many records it read
   * @throws on the first record with a wrong length or sequence number
   */
  readonly readAll: () => number | Promise<number>;
  /** What setup learned that a reader of the table should know (e.g. how a library was built). */
  readonly notes?: string;
  /** Closes the store and removes its directory. Safe to call once after any failure. */
  readonly close: () => void | Promise<void>;
}

/**
 * Builds a store in a fresh temporary directory holding `count` records made from `template`
 * (sequence numbers 0…count-1) and opens it for reading. Setup: not timed. Loads its library
 * here (dynamic `import()`), never at module load.
 */
export type ReadSourceFactory = (
  count: number,
  template: Buffer,
) => ReadSource | Promise<ReadSource>;

/** The error a reader throws for a record that is not the one expected. */
export function badRecordError(expectedSequence: number, length: number, sequence: number): Error {
  return new Error(
    `record ${expectedSequence}: read length ${length} and sequence number ${sequence}`,
  );
}
