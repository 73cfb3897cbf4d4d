/**
 * Asymmetric fences between processes, through membarrier(2). A hot path that publishes with a
 * plain store (on x86-64 a store is already ordered after earlier stores, but a later load may
 * pass it) pairs with a rare side that calls {@link membarrier}: every running thread of every
 * process that called {@link membarrierRegister} executes a full barrier before it returns. The
 * hot side pays nothing; the rare side pays a syscall (and an interrupt per CPU running a
 * registered thread).
 *
 * The classic use is a lost-wake-up check: the hot side stores, then loads "is anyone
 * waiting"; the waiter registers, calls membarrier, then loads what the hot side stored. One of
 * the two is guaranteed to see the other.
 *
 * @module
 */
import { getBinding } from './native.js';

let registered: boolean | undefined;

/**
 * Registers this process as a hot side of asymmetric fences (once; later calls return the first
 * answer).
 *
 * @returns false when the kernel cannot (before Linux 4.16, or membarrier denied by seccomp):
 *   the caller must then use full fences itself
 */
export function membarrierRegister(): boolean {
  registered ??= getBinding().membarrierRegister();
  return registered;
}

/**
 * Executes a full memory barrier on every running thread of every registered process
 * (MEMBARRIER_CMD_GLOBAL_EXPEDITED) before returning.
 *
 * @returns false when unavailable (see {@link membarrierRegister})
 */
export function membarrier(): boolean {
  return getBinding().membarrier();
}
