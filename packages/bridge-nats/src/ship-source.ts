/**
 * What a shipping bridge reads: a core queue or a wal topic behind one interface, with two
 * readers over it. The reading reader runs ahead (it feeds the window of unacknowledged
 * messages) and stores nothing; the named reader follows only what JetStream acknowledged, so
 * its stored position never claims a record the stream may not hold.
 *
 * @module
 */

/** A record handed to the bridge: its index and a copy of its payload. */
export interface ShipRecord {
  readonly index: number;
  readonly payload: Uint8Array;
}

/** A local log the bridge ships. */
export interface ShipSource {
  /** What it is, for messages: `queue /path` or `wal /path topic t`. */
  readonly description: string;
  /**
   * Puts the reading reader on the first record after `last` (the stream's last shipped index;
   * undefined when the stream has none of this origin), or at the named reader's position when
   * that is further on.
   * @throws ERR_ANNAL_BRIDGE_CONFLICT when the log has no record `last` and ends before it (the
   *   stream holds what this log never had: another log shipped under the same origin)
   */
  resumeAfter(last: number | undefined): void;
  /** The next record, or undefined when none is there yet. Never waits. */
  next(): ShipRecord | undefined;
  /** Resolves when {@link next} may have a record, or when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void>;
  /** Moves the named reader past `index`: everything up to it is acknowledged. */
  acknowledged(index: number): void;
  /** Records appended and not yet read by the reading reader (for metrics; may scan files). */
  unread(): number;
  /** Closes the readers, and the log when the bridge opened it. */
  close(): Promise<void>;
}
