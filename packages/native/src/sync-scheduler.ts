/**
 * {@link SyncScheduler}: decides when written data is made durable, runs the sync off the JS
 * thread, coalesces concurrent requests into one sync (group commit) and reports a failed sync to
 * everyone who waits — it is never logged and forgotten.
 *
 * @module
 */
import { z } from 'zod';
import type { AnnalError } from './errors/annal-error.js';
import { ClosedError } from './errors/closed-error.js';
import { fromErrno } from './errors/from-errno.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { InvalidOptionError } from './errors/invalid-option-error.js';
import { IoError } from './errors/io-error.js';
import { durationMs, parseOptions } from './config.js';

/**
 * When data becomes durable (survives power loss). In every policy, data is safe from a crash of
 * the *process* as soon as it is written (it is in the page cache); the policy only decides when
 * it is also safe from an OS crash or power loss.
 *
 * - `'each'`: a sync starts at the end of the turn of the event loop that wrote (so every write
 *   of that turn shares it); writes made while one runs are covered by the next (group commit:
 *   one sync for everything queued meanwhile).
 * - `{ everyMs: n }`: a sync runs at most `n` ms after the first unsynced write. Power loss loses
 *   at most the last `n` ms (plus the sync's own duration).
 * - `'manual'`: syncs run only when asked ({@link SyncScheduler.sync} or
 *   {@link SyncScheduler.synced}) and at close.
 * - `'none'`: as `'manual'`, but close does not sync either (for scratch data or tmpfs).
 */
export type SyncPolicy =
  | 'none'
  | 'manual'
  | 'each'
  | {
      /**
       * Longest delay, in milliseconds, between the first unsynced write and the sync that
       * covers it (from 1 to 2^31 − 1).
       */
      readonly everyMs: number;
    };

/** zod schema of {@link SyncPolicy}; durations may be strings such as `"200ms"`. */
export const syncPolicySchema = z.union([
  z.literal('none'),
  z.literal('manual'),
  z.literal('each'),
  z.strictObject({ everyMs: durationMs({ min: 1 }) }),
]);

const schedulerOptionsSchema = z.strictObject({
  policy: syncPolicySchema,
  sync: z.custom<() => Promise<void>>((value) => typeof value === 'function', {
    message: 'must be a function returning a Promise',
  }),
  onError: z
    .custom<(error: AnnalError) => void>((value) => typeof value === 'function', {
      message: 'must be a function',
    })
    .optional(),
});

/** Options of the {@link SyncScheduler} constructor. */
export interface SyncSchedulerOptions {
  /** When syncs happen; see {@link SyncPolicy}. */
  readonly policy: SyncPolicy;
  /** Runs one sync off the JS thread (e.g. `() => mapped.msync()` or `() => file.fdatasync()`). */
  readonly sync: () => Promise<void>;
  /** Told about a failed sync, whether or not anyone waits for it. */
  readonly onError?: (error: AnnalError) => void;
}

interface Waiter {
  readonly generation: number;
  readonly resolve: () => void;
  readonly reject: (error: AnnalError) => void;
}

/**
 * Tracks writes as a rising *generation* number and syncs by policy.
 *
 * Threading: one scheduler serves one thread (the writer's); the sync itself runs in the libuv
 * thread pool. Durability: when {@link synced}`(g)` resolves, everything written before
 * {@link written} returned `g` survives power loss. After a failed sync, nothing written since
 * the last successful sync can be assumed durable (the kernel may have dropped the dirty pages),
 * so the scheduler stays failed: every waiter and every later call rejects with ERR_ANNAL_IO.
 *
 * @example
 * ```ts
 * const scheduler = new SyncScheduler({ policy: { everyMs: 200 }, sync: () => file.fdatasync() });
 * writeRecord(); const generation = scheduler.written();
 * await scheduler.synced(generation); // durable
 * ```
 */
export class SyncScheduler implements AsyncDisposable {
  readonly #policy: SyncPolicy;
  readonly #sync: () => Promise<void>;
  readonly #onError: ((error: AnnalError) => void) | undefined;
  readonly #intervalMs: number;
  #writtenGeneration = 0;
  #durableGeneration = 0;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #waiters: Waiter[] = [];
  #failure: AnnalError | undefined;
  #closed = false;
  /** A sync will start at the end of the current turn ({@link #startAtTurnEnd}). */
  #startScheduled = false;
  /** sync() arrived while a sync ran: start another as soon as it ends, whatever the policy. */
  #syncRequested = false;

  /**
   * @param options - see {@link SyncSchedulerOptions}
   * @throws ERR_ANNAL_INVALID_OPTION when `options` is not an object, has an unknown key, or its
   *   `policy`, `sync` or `onError` is not what {@link SyncSchedulerOptions} says
   */
  constructor(options: SyncSchedulerOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidOptionError(
        'SyncScheduler: options must be an object with policy and sync',
        { field: 'options' },
      );
    }
    const { policy, sync, onError } = parseOptions(
      schedulerOptionsSchema,
      options,
      'SyncScheduler',
    );
    this.#policy = policy;
    this.#sync = sync as () => Promise<void>;
    this.#onError = onError as ((error: AnnalError) => void) | undefined;
    this.#intervalMs = typeof policy === 'object' ? policy.everyMs : 0;
  }

  /** The policy in force. */
  get policy(): SyncPolicy {
    return this.#policy;
  }

  /** Generation of the latest {@link written} call. */
  get writtenGeneration(): number {
    return this.#writtenGeneration;
  }

  /** Highest generation known durable. Stale by at most one sync in flight. */
  get durableGeneration(): number {
    return this.#durableGeneration;
  }

  /** The failure that stopped this scheduler, if any. */
  get failure(): AnnalError | undefined {
    return this.#failure;
  }

  /**
   * Records that data was written and returns its generation. Cheap enough for a hot path:
   * under `{ everyMs }`, `'manual'` and `'none'` it only increments a counter (and arms the timer
   * on the first write after a sync).
   *
   * @throws ERR_ANNAL_CLOSED after close, ERR_ANNAL_IO after a failed sync
   */
  written(): number {
    if (this.#closed || this.#failure !== undefined) this.#throwUnusable();
    const generation = ++this.#writtenGeneration;
    if (this.#policy === 'each') {
      if (!this.#running) this.#startAtTurnEnd();
    } else if (this.#intervalMs > 0 && this.#timer === undefined && !this.#running) {
      this.#arm();
    }
    return generation;
  }

  /**
   * Resolves when everything up to `generation` is durable. Under `'manual'` and `'none'` this
   * asks for a sync; under `{ everyMs }` it waits for the scheduled one.
   *
   * @param generation - from {@link written}; default: everything written so far
   * @throws (rejects) ERR_ANNAL_IO when a sync fails, ERR_ANNAL_CLOSED after close,
   *   ERR_ANNAL_INVALID_ARGUMENT for a generation that is not an integer from 0 to
   *   {@link writtenGeneration}
   */
  synced(generation = this.#writtenGeneration): Promise<void> {
    if (
      !Number.isSafeInteger(generation) ||
      generation < 0 ||
      generation > this.#writtenGeneration
    ) {
      // A generation nobody has written yet would never be synced: refuse it rather than hang.
      // Rejected, not thrown: a caller awaiting the Promise must see every failure the same way.
      return Promise.reject(
        new InvalidArgumentError(
          `generation must be an integer from 0 to the latest written generation (${this.#writtenGeneration}): generation=${String(generation)}`,
          { field: 'generation' },
        ),
      );
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (generation <= this.#durableGeneration) return Promise.resolve();
    if (this.#closed) return Promise.reject(this.#closedError());
    const promise = new Promise<void>((resolve, reject) =>
      this.#waiters.push({ generation, resolve, reject }),
    );
    if (this.#policy === 'each') {
      if (!this.#running) this.#startAtTurnEnd();
    } else if (this.#intervalMs === 0 && !this.#running) {
      this.#start();
    }
    // Someone now waits for the scheduled sync: its timer must keep the event loop alive, or a
    // process (or worker) with nothing else to do would exit before the sync it awaits.
    this.#timer?.ref();
    return promise;
  }

  /** Syncs now, whatever the policy, and resolves when everything written so far is durable. */
  sync(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const promise = this.synced();
    if (this.#writtenGeneration > this.#durableGeneration) {
      // A sync already running may have started before the latest writes: ask for another.
      if (this.#running) this.#syncRequested = true;
      else this.#start();
    }
    return promise;
  }

  /**
   * Stops scheduling. Unless the policy is `'none'`, first syncs what was written. Idempotent.
   * @throws (rejects) ERR_ANNAL_IO when that last sync fails
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    const failure = this.#failure;
    const finalSync = this.#policy === 'none' || failure !== undefined ? undefined : this.sync();
    this.#closed = true;
    this.#disarm();
    try {
      if (failure !== undefined) throw failure;
      if (finalSync !== undefined) await finalSync;
    } finally {
      for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#closedError());
    }
  }

  /** Same as {@link SyncScheduler.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) this.#start();
    }, this.#intervalMs);
    // Page-cache data already survives a process crash; the timer must not keep a process alive,
    // unless someone awaits the sync it starts (see synced()).
    if (this.#waiters.length === 0) this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Under `'each'`: starts a sync once the current turn of the event loop has run, so every
   * write of the turn — and every waiter the last sync woke, which writes again at once — shares
   * it. Starting at the first write instead alternates syncs of one write with syncs of all the
   * others, halving the writes per sync (docs/decisions/2026-12-04-logbuf-native-measured-choices.md).
   */
  #startAtTurnEnd(): void {
    if (this.#startScheduled) return;
    this.#startScheduled = true;
    setImmediate(() => {
      this.#startScheduled = false;
      if (!this.#running && !this.#closed && this.#failure === undefined) {
        if (this.#writtenGeneration > this.#durableGeneration) this.#start();
      }
    });
  }

  #start(): void {
    this.#disarm();
    this.#running = true;
    this.#syncRequested = false;
    // Everything written before this point is covered by this sync; later writes wait for the next.
    const target = this.#writtenGeneration;
    let pending: Promise<void>;
    try {
      pending = this.#sync();
    } catch (error) {
      pending = Promise.reject(error as Error);
    }
    pending.then(
      () => this.#finish(target),
      (error: unknown) => this.#fail(error),
    );
  }

  #finish(target: number): void {
    this.#running = false;
    if (target > this.#durableGeneration) this.#durableGeneration = target;
    const durable = this.#durableGeneration;
    const waiting: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.generation <= durable) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#waiters = waiting;
    if (this.#writtenGeneration <= durable) return;
    // More was written while the sync ran: group-commit it now, or leave it to the timer.
    const restart =
      this.#policy === 'each' ||
      this.#syncRequested ||
      this.#closed || // close() waits for everything written before it
      (this.#intervalMs === 0 && waiting.length > 0);
    if (restart && this.#policy === 'each' && !this.#closed) this.#startAtTurnEnd();
    else if (restart) this.#start();
    else if (this.#intervalMs > 0) this.#arm();
  }

  #fail(cause: unknown): void {
    this.#running = false;
    this.#disarm();
    const reason = fromErrno(cause);
    const failure = new IoError(
      `A sync failed; data written since the last successful sync may not be durable: ${reason.message}`,
      { cause: reason, ...(reason.path === undefined ? {} : { path: reason.path }) },
    );
    this.#failure = failure;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(failure);
    this.#onError?.(failure);
  }

  #closedError(): ClosedError {
    return new ClosedError('The sync scheduler is closed');
  }

  #throwUnusable(): never {
    throw this.#failure ?? this.#closedError();
  }
}
