/**
 * {@link FileLock}: an advisory lock on a lock file, held through a Linux open-file-description
 * (OFD) lock.
 *
 * Why OFD locks: they belong to the open file, not to the process, so two FileLocks in one
 * process exclude each other (POSIX `fcntl` locks would not), they work between worker threads
 * and between processes, they vanish when the holder dies (even by SIGKILL), and they never
 * depend on a PID — the failure Chronicle Queue hit in containers where every process is PID 1.
 *
 * @module
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { checkNotAborted } from './abort.js';
import type { NativeWaitHandle } from './binding.js';
import { checkPath } from './check.js';
import { parseOptions } from './config.js';
import { ClosedError } from './errors/closed-error.js';
import { fromErrno } from './errors/from-errno.js';
import { LockedError } from './errors/locked-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import { getBinding } from './native.js';
import { NativeFile } from './native-file.js';

/** Options of {@link FileLock.tryAcquire} and {@link FileLock.acquire}. */
export interface FileLockOptions {
  /** Exclusive (one holder) or shared (many holders, no exclusive one). Default `true`. */
  readonly exclusive?: boolean;
  /**
   * Lock only the bytes `[start, start + length)` of the file (they need not exist) instead of
   * the whole file. Locks on disjoint ranges do not conflict, so one lock file can carry many
   * independent locks (one per slot, say). A ranged lock writes no holder note.
   */
  readonly range?: LockRange | undefined;
}

/** A byte range of a lock file: `length` ≥ 1 bytes from `start`. */
export interface LockRange {
  /** Offset of the range's first byte in the lock file, in bytes (an integer ≥ 0). */
  readonly start: number;
  /** Size of the range in bytes (an integer ≥ 1). */
  readonly length: number;
}

/** Options of {@link FileLock.acquire}. */
export interface AcquireFileLockOptions extends FileLockOptions {
  /**
   * Give up after this many milliseconds (at most 2^31 − 1) with ERR_ANNAL_TIMEOUT. Default:
   * wait without limit.
   */
  readonly timeoutMs?: number;
  /** Abort the wait with ERR_ANNAL_ABORTED. */
  readonly signal?: AbortSignal;
}

const rangeSchema = z.strictObject({
  start: z.number().int().min(0),
  length: z.number().int().min(1),
});

const tryAcquireOptionsSchema = z.strictObject({
  exclusive: z.boolean().default(true),
  range: rangeSchema.optional(),
});

const acquireOptionsSchema = tryAcquireOptionsSchema.extend({
  timeoutMs: z
    .number()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

/**
 * An advisory lock on `path` (created if missing). Exclusive holders write who they are
 * (pid, host, time) into the file, so that a refused caller can be told who holds it.
 *
 * Threading: a FileLock is held by the thread that acquired it; locks exclude each other across
 * threads and processes alike. Durability: a lock is never persistent — it is released when
 * {@link release} runs, when the process exits, or when it is killed.
 *
 * @example
 * ```ts
 * using lock = await FileLock.acquire('/data/app/owner.lock', { timeoutMs: 5000 });
 * // … this process owns /data/app until the lock is released
 * ```
 */
export class FileLock implements Disposable {
  #file: NativeFile | undefined;
  /** The lock file. */
  readonly path: string;
  /** True for an exclusive lock. */
  readonly exclusive: boolean;
  /** The locked range, or undefined when the whole file is locked. */
  readonly range: LockRange | undefined;

  private constructor(file: NativeFile, exclusive: boolean, range: LockRange | undefined) {
    this.#file = file;
    this.path = file.path;
    this.exclusive = exclusive;
    this.range = range;
    if (this.#notesHolder) writeHolder(file);
  }

  /** Whole-file exclusive holders leave a note saying who they are; ranged locks share the file. */
  get #notesHolder(): boolean {
    return this.exclusive && this.range === undefined;
  }

  /**
   * Takes the lock if it is free, without waiting.
   *
   * @param path - the lock file, created (mode 0o644) if missing
   * @param options - see {@link FileLockOptions}
   * @returns the held lock, or `null` when another holder has a conflicting lock
   * @throws the errors of {@link NativeFile.open} for the path (ERR_ANNAL_NOT_FOUND when its
   *   directory is missing, ERR_ANNAL_PERMISSION, …); ERR_ANNAL_INVALID_OPTION for a bad option
   */
  static tryAcquire(path: string, options: FileLockOptions = {}): FileLock | null {
    checkPath(path, 'path');
    const { exclusive, range } = parseOptions(
      tryAcquireOptionsSchema,
      options,
      'FileLock.tryAcquire',
    );
    return FileLock.#tryAcquire(path, exclusive, range);
  }

  static #tryAcquire(
    path: string,
    exclusive: boolean,
    range: LockRange | undefined,
  ): FileLock | null {
    const file = NativeFile.open(path, { create: true, mode: 0o644 });
    try {
      if (getBinding().tryLock(file.fd, exclusive, range?.start ?? 0, range?.length ?? 0)) {
        return new FileLock(file, exclusive, range);
      }
    } catch (error) {
      file.close();
      throw fromErrno(error, { path });
    }
    file.close();
    return null;
  }

  /**
   * Waits for the lock. The wait runs on a native thread, so the event loop keeps running.
   *
   * @param path - the lock file, created (mode 0o644) if missing
   * @param options - see {@link AcquireFileLockOptions}
   * @throws (rejects) ERR_ANNAL_TIMEOUT after `timeoutMs` (the message names the holder when
   *   known), ERR_ANNAL_ABORTED when `signal` aborts (also when it already had), the errors of
   *   {@link FileLock.tryAcquire}
   */
  static async acquire(path: string, options: AcquireFileLockOptions = {}): Promise<FileLock> {
    checkPath(path, 'path');
    const { exclusive, timeoutMs, signal, range } = parseOptions(
      acquireOptionsSchema,
      options,
      'FileLock.acquire',
    );
    const what = `Waiting for the lock on ${path}`;
    checkNotAborted(signal, what, path);
    const immediate = FileLock.#tryAcquire(path, exclusive, range);
    if (immediate !== null) return immediate;

    const file = NativeFile.open(path, { create: true, mode: 0o644 });
    let wait: NativeWaitHandle;
    try {
      wait = getBinding().lockAsync(
        file.fd,
        exclusive,
        range?.start ?? 0,
        range?.length ?? 0,
        timeoutMs === undefined ? -1 : Math.ceil(timeoutMs),
      );
    } catch (error) {
      file.close();
      throw fromErrno(error, { path });
    }
    const onAbort = (): void => {
      wait.cancel();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let acquired: boolean;
    try {
      acquired = (await wait.promise) === true;
    } catch (error) {
      file.close();
      throw fromErrno(error, { path });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    // The native wait may have taken the lock just before the cancel arrived: a caller that
    // aborted has given up, so release it rather than hand back a lock nobody will release.
    if (acquired && signal?.aborted !== true) return new FileLock(file, exclusive, range);
    file.close();
    checkNotAborted(signal, what, path);
    throw new TimeoutError(
      `The lock on ${path} was not acquired within ${timeoutMs} ms${describeHolder(path)}`,
      { path },
    );
  }

  /**
   * Takes the lock if it is free, without waiting, and throws ERR_ANNAL_LOCKED naming the holder
   * otherwise; for callers that must not wait.
   *
   * @returns the held lock
   * @throws ERR_ANNAL_LOCKED, and the errors of {@link FileLock.tryAcquire}
   */
  static acquireOrThrow(path: string, options: FileLockOptions = {}): FileLock {
    const lock = FileLock.tryAcquire(path, options);
    if (lock === null) throw new LockedError(`${path} is locked${describeHolder(path)}`, { path });
    return lock;
  }

  /** True while held. */
  get held(): boolean {
    return this.#file !== undefined;
  }

  /** Releases the lock. Idempotent. */
  release(): void {
    const file = this.#file;
    if (file === undefined) return;
    this.#file = undefined;
    // Erase our holder note while we still hold the lock, so a later refusal (say, by shared
    // holders) never names a process that is gone.
    if (this.#notesHolder) {
      try {
        file.truncate(0);
      } catch {
        // The note is a courtesy; releasing the lock is what matters.
      }
    }
    // Closing the only descriptor of the open file description releases its OFD locks.
    file.close();
  }

  /** Same as {@link FileLock.release}. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** @throws ERR_ANNAL_CLOSED when released */
  assertHeld(): void {
    if (this.#file === undefined)
      throw new ClosedError(`The lock on ${this.path} was released`, { path: this.path });
  }
}

const encoder = new TextEncoder();

function writeHolder(file: NativeFile): void {
  const text = `pid=${process.pid} host=${hostname()} since=${new Date().toISOString()}\n`;
  try {
    file.truncate(0);
    file.writevSync([encoder.encode(text)], 0);
  } catch {
    // The holder note is a courtesy for error messages; the lock itself is what matters.
  }
}

/** ` (held by pid=… host=… since=…)`, or '' when the lock file says nothing. */
export function describeHolder(path: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? '' : ` (held by ${text})`;
  } catch {
    return '';
  }
}
