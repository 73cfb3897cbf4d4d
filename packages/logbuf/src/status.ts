/**
 * Hot-path results: named negative numbers, returned by `try*` methods instead of
 * throwing, so a full or empty ring costs a comparison, not an exception.
 *
 * @module
 */

/** The ring has no room for the claim now. Retry later; nothing was written. */
export const BACK_PRESSURED = -1;
/** Nothing to read now. Retry later (or block on a {@link Receiver}). */
export const EMPTY = -2;
/** The other side (sender or receiver) closed. Do not retry: nothing more will be sent or received. */
export const CLOSED = -3;
/** A blocking receive ran out of time with nothing to read. Retry if you still want to wait. */
export const TIMED_OUT = -4;

/** Union of the sentinel values a `try*` or blocking method can return. */
export type Status = typeof BACK_PRESSURED | typeof EMPTY | typeof CLOSED | typeof TIMED_OUT;
