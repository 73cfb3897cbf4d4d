/**
 * Futex wait and wake on a 32-bit word inside mapped memory: the way one thread or process
 * sleeps until another changes a word, across processes and across separate mappings of the
 * same file (where `Atomics.wait`/`notify` cannot help: V8 keys its waiters on the virtual
 * address, so two mappings of one file never wake each other).
 *
 * The protocol is the classic one: load the word; if it says "nothing yet", wait while it still
 * holds that value; the other side changes the word and then wakes. A wait can end spuriously,
 * so callers always re-check the word.
 *
 * @module
 */
import {
  FUTEX_NOT_EQUAL,
  FUTEX_TIMED_OUT,
  FUTEX_WOKEN,
  type NativeBinding,
  type NativeWaitHandle,
} from './binding.js';
import { z } from 'zod';
import { checkNonNegativeInteger } from './check.js';
import { parseOptions } from './config.js';
import { checkNotAborted } from './abort.js';
import { fromErrno } from './errors/from-errno.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { getBinding } from './native.js';

/** How a futex wait ended; the same words as `Atomics.wait`. */
export type FutexWaitResult = 'ok' | 'not-equal' | 'timed-out';

/** Options of {@link futexWaitSync}. */
export interface FutexWaitSyncOptions {
  /**
   * Stop waiting after this many milliseconds (→ `'timed-out'`): 0 to 2^31 − 1, or Infinity.
   * Default: no limit.
   */
  readonly timeoutMs?: number;
}

/** Options of {@link futexWait}. */
export interface FutexWaitOptions extends FutexWaitSyncOptions {
  /** Abort the wait: the promise rejects with ERR_ANNAL_ABORTED. */
  readonly signal?: AbortSignal | undefined;
}

// z.number() refuses Infinity (zod 4), which is this option's default and documented value.
const timeoutMsSchema = z
  .custom<number>((value) => typeof value === 'number' && isTimeout(value), {
    message: `must be a number from 0 to 2147483647 or Infinity`,
  })
  .default(Infinity);

const futexWaitSyncOptionsSchema = z.strictObject({ timeoutMs: timeoutMsSchema });

const futexWaitOptionsSchema = z.strictObject({
  timeoutMs: timeoutMsSchema,
  signal: z.instanceof(AbortSignal).optional(),
});

/** The largest futex word value, as an unsigned 32-bit number. */
const MAX_UINT32 = 0xffffffff;
/** The smallest, as a signed 32-bit number. */
const MIN_INT32 = -0x80000000;

function resultName(code: number): FutexWaitResult {
  if (code === FUTEX_WOKEN) return 'ok';
  if (code === FUTEX_NOT_EQUAL) return 'not-equal';
  if (code === FUTEX_TIMED_OUT) return 'timed-out';
  throw new RangeError(`unexpected futex result ${code}`);
}

function checkWord(view: Int32Array, index: number): void {
  if (!(view instanceof Int32Array)) {
    throw new InvalidArgumentError('view must be an Int32Array over mapped or shared memory', {
      field: 'view',
    });
  }
  checkNonNegativeInteger(index, 'index');
  if (index >= view.length) {
    throw new InvalidArgumentError(
      `index must be below view.length: index=${index}, view.length=${view.length}`,
      {
        field: 'index',
      },
    );
  }
}

/** Longest finite wait in milliseconds (2^31 − 1, about 24.8 days); longer is Infinity. */
const MAX_TIMEOUT_MS = 0x7fffffff;

function isTimeout(value: unknown): value is number {
  return (
    typeof value === 'number' && (value === Infinity || (value >= 0 && value <= MAX_TIMEOUT_MS))
  );
}

function checkTimeout(timeoutMs: number): number {
  if (timeoutMs === Infinity) return -1;
  if (!isTimeout(timeoutMs)) {
    throw new InvalidArgumentError(
      `timeoutMs must be a number from 0 to ${MAX_TIMEOUT_MS} or Infinity: timeoutMs=${String(timeoutMs)}`,
      { field: 'timeoutMs' },
    );
  }
  return Math.ceil(timeoutMs);
}

function waitArguments(
  view: Int32Array,
  index: number,
  expected: number,
): [NativeBinding, number, number] {
  checkWord(view, index);
  if (
    typeof expected !== 'number' ||
    !Number.isInteger(expected) ||
    expected < MIN_INT32 ||
    expected > MAX_UINT32
  ) {
    throw new InvalidArgumentError(
      `expected must be a 32-bit integer (signed or unsigned): expected=${String(expected)}`,
      { field: 'expected' },
    );
  }
  return [getBinding(), view.byteOffset + index * 4, expected | 0];
}

/**
 * Blocks the calling thread while `view[index] === expected`, until woken or `timeoutMs` passes.
 * For worker threads: on the main thread use {@link futexWait}.
 *
 * @param view - an Int32Array over a mapping or shared memory
 * @param index - the element to wait on, inside `view`
 * @param expected - a 32-bit integer (signed or unsigned bits)
 * @param options - see {@link FutexWaitSyncOptions}; `timeoutMs` is 0 to 2^31 − 1, or Infinity
 *   (the default)
 * @returns `'ok'` when woken (possibly spuriously), `'not-equal'` when the word had already
 *   changed, `'timed-out'`
 * @throws ERR_ANNAL_INVALID_ARGUMENT naming the argument that is wrong,
 *   ERR_ANNAL_INVALID_OPTION for a bad option
 * @example
 * ```ts
 * futexWaitSync(words, 0, 0, { timeoutMs: 100 }); // 'ok', 'not-equal' or 'timed-out'
 * ```
 */
export function futexWaitSync(
  view: Int32Array,
  index: number,
  expected: number,
  options?: FutexWaitSyncOptions,
): FutexWaitResult {
  const [binding, byteOffset, value] = waitArguments(view, index, expected);
  const timeout =
    options === undefined
      ? -1
      : checkTimeout(parseOptions(futexWaitSyncOptionsSchema, options, 'futexWaitSync').timeoutMs);
  try {
    return resultName(binding.futexWait(view.buffer, byteOffset, value, timeout));
  } catch (error) {
    throw fromErrno(error, { field: 'view' });
  }
}

/**
 * Waits on a native thread while `view[index] === expected`; the event loop keeps running.
 *
 * @param view - an Int32Array over a mapping or shared memory
 * @param index - the element to wait on, inside `view`
 * @param expected - a 32-bit integer (signed or unsigned bits)
 * @param options - see {@link FutexWaitOptions}
 * @returns as {@link futexWaitSync}
 * @throws (rejects) ERR_ANNAL_ABORTED when `signal` aborts (or had already),
 *   ERR_ANNAL_INVALID_ARGUMENT for a bad argument, ERR_ANNAL_INVALID_OPTION for a bad option
 */
export async function futexWait(
  view: Int32Array,
  index: number,
  expected: number,
  options: FutexWaitOptions = {},
): Promise<FutexWaitResult> {
  const [binding, byteOffset, value] = waitArguments(view, index, expected);
  const { timeoutMs, signal } = parseOptions(futexWaitOptionsSchema, options, 'futexWait');
  const timeout = checkTimeout(timeoutMs);
  checkNotAborted(signal, 'The futex wait');
  let wait: NativeWaitHandle;
  try {
    wait = binding.futexWaitAsync(view.buffer, byteOffset, value, timeout);
  } catch (error) {
    throw fromErrno(error, { field: 'view' });
  }
  const onAbort = (): void => {
    wait.cancel();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let code: number;
  try {
    code = (await wait.promise) as number;
  } catch (error) {
    throw fromErrno(error, { field: 'view' });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  checkNotAborted(signal, 'The futex wait');
  return resultName(code);
}

/**
 * Wakes up to `count` threads or processes waiting on `view[index]`. Never waits.
 * @param count - an integer ≥ 0 (at most 2^31 − 1 take effect), or Infinity (the default): all
 * @returns how many were woken
 * @throws ERR_ANNAL_INVALID_ARGUMENT naming the argument that is wrong
 */
export function futexWake(view: Int32Array, index: number, count = Infinity): number {
  checkWord(view, index);
  const limit = count === Infinity ? 0x7fffffff : count;
  checkNonNegativeInteger(limit, 'count');
  try {
    return getBinding().futexWake(
      view.buffer,
      view.byteOffset + index * 4,
      Math.min(limit, 0x7fffffff),
    );
  } catch (error) {
    throw fromErrno(error, { field: 'view' });
  }
}
