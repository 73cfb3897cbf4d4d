/**
 * When an appender's records become durable (survive power loss): the `sync` policy's
 * scheduler, and the group commit that `append()` and `sync()` share.
 *
 * @module
 */
import { ClosedError, SyncScheduler, type SyncPolicy } from '@annal/native';

/** What the durability side needs of a cycle file rolled away from. */
export interface SyncableFile {
  /** msync, blocking. */
  syncSync(): void;
  /** msync off the JS thread. */
  sync(): Promise<void>;
}

/**
 * The sync side of one appender. The appender keeps the hot-path facts (`scheduler`, `each`) in
 * its own fields; this holds the schedulers and what `sync()` and `close()` do with them.
 *
 * Threading: the appender's. The msyncs it starts run in the libuv thread pool.
 */
export class AppendDurability {
  /** `'each'`: every record is msync'd before `appendSync` returns. */
  readonly each: boolean;
  /** The scheduler of `{ everyMs }` and `'manual'`; undefined under `'none'` and `'each'`. */
  readonly scheduler: SyncScheduler | undefined;
  readonly #msync: () => Promise<void>;
  /** The group commit of `append()` and `sync()` where the policy has no scheduler of its own. */
  #group: SyncScheduler | undefined;
  /**
   * `'none'`: cycle files rolled away from whose msync, started at the roll, is still running
   * (the others msync them, blocking, as they roll). Each leaves as its msync ends, so this
   * holds at most the files of rolls less than an msync apart.
   */
  readonly #rolledAway = new Map<SyncableFile, Promise<void>>();
  /** A failed msync of a file rolled away from, for the next `sync()`/`syncSync()` to report. */
  #rolledAwayFailure: Error | undefined;

  /**
   * @param policy - the queue's `sync` option
   * @param msync - msyncs the appender's current cycle file off the JS thread (resolving at once
   *   after the appender closed: its close made everything durable first)
   */
  constructor(policy: SyncPolicy, msync: () => Promise<void>) {
    this.each = policy === 'each';
    this.#msync = msync;
    this.scheduler =
      policy === 'none' || policy === 'each'
        ? undefined
        : new SyncScheduler({ policy, sync: msync });
  }

  /**
   * The scheduler that shares one msync, off the JavaScript thread, between the `append()` and
   * `sync()` calls of a turn of the event loop (made on first use: `appendSync` never needs it).
   */
  groupCommit(): SyncScheduler {
    this.#group ??= new SyncScheduler({ policy: 'each', sync: this.#msync });
    return this.#group;
  }

  /**
   * Resolves when everything written so far is durable: under `{ everyMs }` with the scheduled
   * msync; otherwise with one started now (shared with concurrent callers).
   *
   * @throws (rejects) ERR_ANNAL_IO when the msync fails
   */
  sync(): Promise<void> {
    let current: Promise<void>;
    try {
      const scheduler = this.scheduler ?? this.groupCommit();
      const generation = scheduler.written();
      current = scheduler.policy === 'manual' ? scheduler.sync() : scheduler.synced(generation);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (this.#rolledAway.size === 0 && this.#rolledAwayFailure === undefined) return current;
    // Records of the cycles rolled away from are in other files: their msyncs count too.
    return Promise.all([current, ...this.#rolledAway.values()]).then(() => this.#takeFailure());
  }

  /**
   * `syncSync()`'s part for the cycle files rolled away from (the caller msyncs the current one):
   * msyncs, blocking, those whose msync is still running.
   *
   * @throws ERR_ANNAL_IO when one failed
   */
  syncRolledAwaySync(): void {
    for (const file of this.#rolledAway.keys()) {
      try {
        file.syncSync();
      } catch (error) {
        if (!ClosedError.isInstance(error)) throw error;
      }
    }
    this.#takeFailure();
  }

  /**
   * The appender rolled away from `file`. Every policy but `'none'` msyncs it (blocking) as it
   * rolls; under `'none'` an msync of it starts off the JavaScript thread, so that a later
   * `sync()` covers the records it holds without the roll waiting for the disk.
   */
  rolledAway(file: SyncableFile): void {
    if (this.syncsAtClose) {
      file.syncSync();
      return;
    }
    const done = file.sync().then(
      () => undefined,
      (error: unknown) => {
        // A file deleted (unmapped) by deleteCycles meanwhile has nothing left to sync here.
        if (!ClosedError.isInstance(error)) this.#rolledAwayFailure ??= error as Error;
      },
    );
    this.#rolledAway.set(
      file,
      done.finally(() => this.#rolledAway.delete(file)),
    );
  }

  /** Throws (once) a failed msync of a file rolled away from. */
  #takeFailure(): void {
    const failure = this.#rolledAwayFailure;
    this.#rolledAwayFailure = undefined;
    if (failure !== undefined) throw failure;
  }

  /** True when close must msync what was appended (every policy but `'none'`). */
  get syncsAtClose(): boolean {
    return this.scheduler !== undefined || this.each;
  }

  /** A background msync that failed, to report at close (under `'each'`, the group's too). */
  get failure(): Error | undefined {
    return this.scheduler?.failure ?? (this.each ? this.#group?.failure : undefined);
  }

  /** Stops the schedulers (their last msync finds the appender closed and does nothing). */
  stop(): void {
    this.scheduler?.close().catch(() => undefined);
    this.#group?.close().catch(() => undefined);
  }
}
