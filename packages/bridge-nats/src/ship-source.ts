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
   * Puts the reading reader on the first record after `last`, the stream's last shipped index;
   * when the stream has none of this origin (undefined), at the named reader's position. The
   * stream, not the named reader, decides: a server that lost acknowledged messages (power loss)
   * gets them again rather than a hole.
   * @throws ERR_ANNAL_BRIDGE_CONFLICT when the log has no record `last` and ends before it (the
   *   stream holds what this log never had: another log shipped under the same origin)
   */
  resumeAfter(last: number | undefined): void;
  /** The next record, or undefined when none is there yet. Never waits. */
  next(): ShipRecord | undefined;
  /** True when {@link next} has a record now (never waits, reads nothing). */
  hasNext(): boolean;
  /** Resolves when {@link next} may have a record, or when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void>;
  /** Moves the named reader past `index`: everything up to it is acknowledged. */
  acknowledged(index: number): void;
  /** Records appended and not yet read by the reading reader (for metrics; may scan files). */
  unread(): number;
  /** Closes the readers, and the log when the bridge opened it. */
  close(): Promise<void>;
}
