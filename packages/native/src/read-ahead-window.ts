/**
 * How many records a reader checks ahead of itself in one CRC call (core's and wal's
 * read-ahead checks, each over its own frame format): a window that starts at one record after
 * the reader moves and doubles with each look that goes on reading, up to {@link MAX_READ_AHEAD}.
 * A reader reading sequentially reaches full runs after a few records; one that seeks and reads
 * a record or two (random access) never pays for the CRC of records it will not read (with 4 KiB
 * records a full run is 256 KiB).
 *
 * @module
 */

/** Most records checked in one call. */
export const MAX_READ_AHEAD = 64;
/** Fewest records worth one call: fewer are checked one by one (in JS, where they are short). */
export const MIN_READ_AHEAD = 4;
/** Most payload bytes checked in one call (beyond it the cost is the CRC, not the call). */
export const MAX_READ_AHEAD_BYTES = 256 * 1024;

/** The window of one reader (or one segment's readers): see the module description. */
export class ReadAheadWindow {
  #records = 1;

  /** The reader moved (seek, attach, another reader): the next look checks one record. */
  reset(): void {
    this.#records = 1;
  }

  /**
   * The most records this look may check, and grows the next look's window.
   * @returns 0 when fewer than {@link MIN_READ_AHEAD} are allowed: check the record alone
   */
  take(): number {
    const records = this.#records;
    if (records < MAX_READ_AHEAD) this.#records = records * 2;
    return records < MIN_READ_AHEAD ? 0 : records;
  }
}
