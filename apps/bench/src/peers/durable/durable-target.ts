/**
 * The contract every row of `wal/durable` and `wal/batch` meets, peers and annal alike: a store
 * opened in a fresh temporary directory where an append counts only once it survives power loss
 * (its sync has returned). The suites drive it one record at a time, from many concurrent
 * callers, or a batch at a time (see `suites/wal/durable-measure.ts`); a peer module only adapts
 * its library to this.
 *
 * @module
 */

/** A store whose appends are durable when they return. Created by a {@link DurableTargetFactory}. */
export interface DurableTarget {
  /**
   * Appends one record and returns, or resolves, once it is durable. The caller leaves `record`
   * alone until then, and reuses it afterwards; several calls may be in flight at once (each
   * with a record of its own), and their records are stored in call order.
   */
  readonly append: (record: Buffer) => void | Promise<void>;
  /**
   * Appends `records` as one unit (one transaction, batch or write) and returns, or resolves,
   * once all of them are durable. The caller reuses the records afterwards.
   */
  readonly appendBatch: (records: readonly Buffer[]) => void | Promise<void>;
  /**
   * Not timed: throws unless the store holds exactly `count` records, sequence numbers
   * 0…count-1 in order, made from `template` (at least a spread of them compared byte for byte).
   */
  readonly verify: (count: number, template: Buffer) => void | Promise<void>;
  /** What a reader of the table should know about how this store was opened or synced. */
  readonly notes?: string;
  /** Closes the store and removes its directory. Safe to call once after any failure. */
  readonly close: () => void | Promise<void>;
}

/**
 * Opens a fresh, empty store in a new temporary directory for records of `payloadBytes`. Loads
 * its library here (dynamic `import()`), never at module load: every child imports every suite.
 */
export type DurableTargetFactory = (payloadBytes: number) => DurableTarget | Promise<DurableTarget>;
