/**
 * When what a {@link Wal} writes becomes durable: the sync schedule (group commit off the JS
 * thread, native's SyncScheduler), syncs on the calling thread under `sync: 'each'`, the sticky
 * failure that stops the log after a failed sync, and when a named reader's index is stored.
 *
 * @module
 */
import { ClosedError, IoError, SyncScheduler, type AnnalError } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

import type { Cursor } from './cursor.js';
import type { ResolvedWalOptions } from './options.js';
import type { Topic } from './topic.js';

export class Durability {
  readonly #scheduler: SyncScheduler;
  /** `sync: 'each'`: a synchronous append syncs before it returns. */
  readonly #eachDurable: boolean;
  /** Records a named reader consumes between two stores of its index. */
  readonly #persistEvery: number;
  /** A sync on the calling thread failed: the log stops, as after a failed scheduled sync. */
  #failure: AnnalError | undefined;
  /**
   * `closeSync` synced everything on the calling thread and closed the topics: what a scheduled
   * sync still in flight (or asked for later) covers is durable already.
   */
  #syncedAtClose = false;

  /** @param syncAll - syncs every open topic off the JS thread */
  constructor(options: ResolvedWalOptions, syncAll: () => Promise<void>) {
    const consistency = options.consistency;
    this.#persistEvery = consistency === 'strictly-once' ? 1 : consistency.atLeastOnce.persistEvery;
    this.#eachDurable = options.sync === 'each';
    this.#scheduler = new SyncScheduler({
      policy: options.sync,
      sync: () => this.#scheduledSync(syncAll),
    });
  }

  /** The failure of an earlier sync (every later write throws it), if any. */
  get failure(): AnnalError | undefined {
    return this.#scheduler.failure ?? this.#failure;
  }

  /** True under `'strictly-once'`: every record consumed is stored before it is handed out. */
  get storesEach(): boolean {
    return this.#persistEvery === 1;
  }

  /**
   * After a synchronous append to `log`: under `'each'` it is synced here, on the calling thread
   * (the call returns durable); otherwise the schedule takes it.
   * @throws ERR_ANNAL_IO when that sync fails (and every later append throws it)
   */
  appendedSync(log: Topic): void {
    if (!this.#eachDurable) {
      this.#scheduler.written();
      return;
    }
    this.#onThread(() => log.syncSync());
  }

  /** After an asynchronous append: resolves once it is covered by a sync under `'each'`. */
  appended(): Promise<void> | undefined {
    this.#scheduler.written();
    return this.#eachDurable ? this.#scheduler.synced() : undefined;
  }

  /**
   * After `count` records were consumed through `cursor`: stores its index when the consistency
   * mode says so (`force`: now, whatever the mode — a seek).
   */
  consumed(log: Topic, cursor: Cursor, count: number, force = false): void {
    if (cursor.slot === undefined) return;
    cursor.sinceStore += count;
    if (!force && cursor.sinceStore < this.#persistEvery) return;
    this.store(log, cursor);
  }

  /**
   * Stores `index` (default: the cursor's) as the place of the named reader of `cursor` now.
   * Under `'each'` it is durable before this returns; otherwise the schedule's next sync covers
   * it, like an append's.
   */
  store(log: Topic, cursor: Cursor, index = cursor.index): void {
    log.storeIndex(cursor, index);
    if (this.#eachDurable) this.#onThread(() => log.syncReadersSync());
    else this.#scheduler.written();
  }

  /** Resolves when everything written so far survives power loss (syncing now if need be). */
  sync(): Promise<void> {
    return this.#scheduler.synced();
  }

  /** The same on the calling thread. @throws ERR_ANNAL_IO when a sync fails */
  syncSync(topics: Iterable<Topic>): void {
    const failure = this.failure;
    if (failure !== undefined) throw failure;
    for (const topic of topics) this.#onThread(() => topic.syncSync());
  }

  /** Stops the schedule, syncing what it was given (unless `'none'`). */
  close(): Promise<void> {
    return this.#scheduler.close();
  }

  /**
   * For `closeSync`, after {@link syncSync} succeeded and before the topics close: everything
   * written is durable, so a scheduled sync still in the pool that finds its mapping or file
   * closed has done its job, and the schedule's last sync has nothing left to do. Its waiters
   * (`await append`, `await sync`) resolve instead of failing.
   */
  syncedAtClose(): void {
    this.#syncedAtClose = true;
  }

  async #scheduledSync(syncAll: () => Promise<void>): Promise<void> {
    if (this.#syncedAtClose) return;
    try {
      await syncAll();
    } catch (error) {
      if (!(this.#syncedAtClose && ClosedError.isInstance(error))) throw error;
    }
  }

  /** Runs a sync on the calling thread; a failure stops the log as a scheduled one does. */
  #onThread(sync: () => void): void {
    try {
      sync();
    } catch (error) {
      const reason = fromErrno(error);
      this.#failure ??= new IoError(
        `A sync failed; data written since the last successful sync may not be durable: ${reason.message}`,
        { cause: reason, ...(reason.path === undefined ? {} : { path: reason.path }) },
      );
      throw this.#failure;
    }
  }
}
