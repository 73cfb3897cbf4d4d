/**
 * AbortSignal handling shared by the waiting APIs, so an abort is always our coded error.
 *
 * @module
 */
import { AbortedError } from './errors/aborted-error.js';

/**
 * Throws {@link AbortedError} (ERR_ANNAL_ABORTED, `cause` = the signal's reason) when `signal`
 * has aborted. `what` names the wait, e.g. `"Waiting for the lock on /data/owner.lock"`.
 * @internal
 */
export function checkNotAborted(
  signal: AbortSignal | undefined,
  what: string,
  path?: string,
): void {
  if (signal?.aborted !== true) return;
  throw new AbortedError(`${what} was aborted`, {
    cause: signal.reason,
    ...(path === undefined ? {} : { path }),
  });
}
