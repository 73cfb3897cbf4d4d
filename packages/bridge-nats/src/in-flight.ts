/**
 * The window of messages published and not yet acknowledged, oldest first: a ring of reused
 * entries (no allocation per message), so that the named reader moves only over a prefix that
 * JetStream acknowledged in full.
 *
 * @module
 */

/** One published message awaiting its acknowledgement. */
export interface InFlightEntry {
  index: number;
  /** Unix ms the record is as old as: its recorded time, else when the bridge read it. */
  since: number;
  settled: boolean;
  failed: boolean;
}

/** A bounded FIFO of {@link InFlightEntry}. */
export class InFlight {
  readonly capacity: number;
  readonly #entries: InFlightEntry[];
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#entries = Array.from({ length: capacity }, () => ({
      index: 0,
      since: 0,
      settled: false,
      failed: false,
    }));
  }

  /** Entries in the window. */
  get size(): number {
    return this.#size;
  }

  /** True when no more may be published until an acknowledgement frees a place. */
  get full(): boolean {
    return this.#size === this.capacity;
  }

  /** The oldest entry, if any. */
  get oldest(): InFlightEntry | undefined {
    return this.#size === 0 ? undefined : this.#entries[this.#head];
  }

  /** Takes a place for record `index` (the window must not be full). */
  push(index: number, since: number): InFlightEntry {
    const entry = this.#entries[(this.#head + this.#size) % this.capacity] as InFlightEntry;
    this.#size++;
    entry.index = index;
    entry.since = since;
    entry.settled = false;
    entry.failed = false;
    return entry;
  }

  /**
   * Removes the acknowledged entries at the front (stopping at a failed or pending one).
   * @returns the index of the last removed, or -1 when none was
   */
  popAcknowledged(): number {
    let last = -1;
    while (this.#size > 0) {
      const entry = this.#entries[this.#head] as InFlightEntry;
      if (!entry.settled || entry.failed) break;
      last = entry.index;
      this.#head = (this.#head + 1) % this.capacity;
      this.#size--;
    }
    return last;
  }

  /** True when every entry has its answer (acknowledgement or failure). */
  get allSettled(): boolean {
    for (let i = 0; i < this.#size; i++) {
      if (!(this.#entries[(this.#head + i) % this.capacity] as InFlightEntry).settled) return false;
    }
    return true;
  }

  /** Forgets every entry (after a failure, once all settled: the stream says what it holds). */
  clear(): void {
    this.#head = 0;
    this.#size = 0;
  }
}
