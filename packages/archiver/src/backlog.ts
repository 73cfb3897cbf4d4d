/**
 * The `whenFull: 'wait'` backlog: messages (copies) that found the ring full, kept in order and
 * moved into the ring by a timer as the worker frees it. Also holds stream declarations and ends,
 * which are never dropped, whatever the policy. The slow path: it allocates.
 *
 * @module
 */

/** Moves one record into the ring; false when it has no room yet. */
export type RingWrite = (
  kind: number,
  flags: number,
  stream: number,
  seconds: number,
  nanos: number,
  body: Uint8Array,
) => boolean;

interface Entry {
  readonly kind: number;
  readonly flags: number;
  readonly stream: number;
  readonly seconds: number;
  readonly nanos: number;
  readonly body: Uint8Array;
  readonly control: boolean;
}

/** How often the backlog tries the ring again while it holds something. */
const RETRY_MS = 1;

export class Backlog {
  readonly #maxBytes: number;
  readonly #write: RingWrite;
  readonly #onDrain: () => void;
  #entries: Entry[] = [];
  #head = 0;
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #abandoned = false;

  constructor(maxBytes: number, write: RingWrite, onDrain: () => void) {
    this.#maxBytes = maxBytes;
    this.#write = write;
    this.#onDrain = onDrain;
  }

  get isEmpty(): boolean {
    return this.#head === this.#entries.length;
  }

  /** Messages (not declarations) waiting. */
  get length(): number {
    let messages = 0;
    for (let i = this.#head; i < this.#entries.length; i++) {
      if (!(this.#entries[i] as Entry).control) messages++;
    }
    return messages;
  }

  /** Whether a message of `length` bytes would be kept. */
  accepts(length: number): boolean {
    return !this.#abandoned && this.#bytes + length <= this.#maxBytes;
  }

  /**
   * Keeps a copy of a record. A message beyond the byte bound is refused (false); a control
   * record is always kept.
   */
  push(
    kind: number,
    flags: number,
    stream: number,
    seconds: number,
    nanos: number,
    body: Uint8Array,
    control: boolean,
  ): boolean {
    if (!control && !this.accepts(body.length)) return false;
    // A copy: the caller may reuse its buffer at once (and Buffer#slice would be a view).
    const copy = new Uint8Array(body.length);
    copy.set(body);
    this.#entries.push({ kind, flags, stream, seconds, nanos, body: copy, control });
    this.#bytes += body.length;
    this.#schedule();
    return true;
  }

  /** Resolves once everything is in the ring, or `gaveUp()` says no one will make room. */
  async drained(gaveUp: () => boolean): Promise<void> {
    while (!this.isEmpty && !gaveUp()) {
      this.#move();
      if (this.isEmpty) break;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  /** The worker died: drop what waits (it would never drain) and refuse more messages. */
  abandon(): number {
    const messages = this.length;
    this.#abandoned = true;
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
    clearTimeout(this.#timer);
    return messages;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#abandoned) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#move();
      if (!this.isEmpty) this.#schedule();
    }, RETRY_MS);
    this.#timer.unref();
  }

  #move(): void {
    const entries = this.#entries;
    while (this.#head < entries.length) {
      const entry = entries[this.#head] as Entry;
      if (
        !this.#write(entry.kind, entry.flags, entry.stream, entry.seconds, entry.nanos, entry.body)
      )
        return;
      this.#bytes -= entry.body.length;
      this.#head++;
    }
    this.#entries = [];
    this.#head = 0;
    this.#onDrain();
  }
}
