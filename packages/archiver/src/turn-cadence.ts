/**
 * The hot path's rhythm: work the traffic thread does once per batch of records instead of once
 * per record. A batch ends with the event-loop callback that recorded it (a microtask marks the
 * end) or after {@link BATCH_RECORDS} records, whichever comes first: the pattern of Aeron's
 * duty cycles, which cache their clocks once per cycle.
 *
 * Two things ride on it. The clock (under `clock: 'turn'`): Node 20's `performance.now()` costs
 * ~60 ns and returns a heap number (16 bytes of garbage), so it is read once per batch. The
 * ring's publication: records are committed deferred and published with one sequentially
 * consistent store per batch, not one full fence per record (see `@annal/logbuf`'s
 * `commitDeferred`); a record is visible to the worker when its callback ends, at the latest.
 *
 * @module
 */

/** Records in one batch at most: a synchronous loop that records for long still sees time move. */
export const BATCH_RECORDS = 32;

export class TurnCadence {
  #remaining = 0;
  #queued = false;
  readonly #onBatchEnd: () => void;
  readonly #expire = (): void => {
    this.#remaining = 0;
    this.#queued = false;
    this.#onBatchEnd();
  };

  /** @param onBatchEnd - called when a callback that recorded ends (publish what is deferred) */
  constructor(onBatchEnd: () => void) {
    this.#onBatchEnd = onBatchEnd;
  }

  /** Counts one record; true when it starts a new batch (read the clock, publish the last). */
  next(): boolean {
    if (this.#remaining > 0) {
      this.#remaining--;
      return false;
    }
    this.#remaining = BATCH_RECORDS - 1;
    if (!this.#queued) {
      this.#queued = true;
      queueMicrotask(this.#expire);
    }
    return true;
  }
}
