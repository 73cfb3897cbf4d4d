/**
 * When an appender's records become durable (survive power loss): the `sync` policy's
 * scheduler, and the group commit that `append()` and `sync()` share.
 *
 * @module
 */
import { SyncScheduler, type SyncPolicy } from '@annal/native';

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
    try {
      const scheduler = this.scheduler ?? this.groupCommit();
      const generation = scheduler.written();
      if (scheduler.policy === 'manual') return scheduler.syncNow();
      return scheduler.synced(generation);
    } catch (error) {
      return Promise.reject(error as Error);
    }
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
