/**
 * The byte layout of a queue's `appender.lock` and `appender.slots` files and of a shared
 * appender's lock value: the only module that knows their offsets and bits. How they are used
 * (joining, slots, liveness) is appender-membership.ts.
 *
 * ```
 *  appender.lock, byte ranges (the file itself stays empty unless an exclusive holder notes
 *  who it is)
 *    byte 0               join lock: held by a shared appender while it joins (moments)
 *    bytes 1 .. 1024      slot k at byte 1 + k: held by shared appender k for its lifetime
 *    byte 1025            sentinel: free unless an exclusive appender holds the whole file
 *    the whole file       the exclusive appender
 *
 *  appender.slots, u32 little-endian words, written only under the join lock
 *    offset 0             joins so far (the next generation is this mod 2^20, plus 1)
 *    offset 4 + 4k        generation of the shared appender that last took slot k
 *
 *  a shared appender's lock value (what it stores in a cycle file's append lock word)
 *    bits 0 .. 10         slot + 1            (1 .. 1024)
 *    bits 11 .. 30        generation          (1 .. 2^20, never 0)
 * ```
 *
 * The generation makes every joiner's value new: a value a dead appender left in a lock word
 * (as holder or hand-off target) never names the live appender that took its slot after it.
 *
 * @module
 */

/** File name of the lock file of a queue's appenders. */
export const APPENDER_LOCK_FILE = 'appender.lock';
/** File name of the generations of shared appenders' slots. */
export const APPENDER_SLOTS_FILE = 'appender.slots';
/** Most shared appenders of one queue alive at once. */
export const MAX_SHARED_APPENDERS = 1024;

/** `appender.lock`: the byte a shared appender locks while it joins. */
export const JOIN_BYTE = 0;
/** `appender.lock`: slot k is byte `FIRST_SLOT_BYTE + k`. */
export const FIRST_SLOT_BYTE = 1;
/** `appender.lock`: free unless an exclusive appender holds the whole file. */
export const SENTINEL_BYTE = FIRST_SLOT_BYTE + MAX_SHARED_APPENDERS;

/** `appender.slots`: bytes of each word (u32 little-endian). */
export const SLOT_WORD_BYTES = 4;
/** `appender.slots`: the count of joins so far. */
export const JOINS_OFFSET = 0;

/** `appender.slots`: offset of the generation of the appender that last took `slot`. */
export function slotGenerationOffset(slot: number): number {
  return JOINS_OFFSET + SLOT_WORD_BYTES + SLOT_WORD_BYTES * slot;
}

const SLOT_BITS = 11;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
/** Generations run 1 .. 2^20 and then repeat: 2^20 joins apart, with the same slot. */
export const GENERATIONS = 1 << 20;

/** The lock value of the shared appender in `slot` with `generation` (see the diagram). */
export function lockValue(slot: number, generation: number): number {
  return slot + 1 + generation * (SLOT_MASK + 1);
}

/** The slot in a lock value (-1 for 0, which no appender has). */
export function slotOf(value: number): number {
  return (value & SLOT_MASK) - 1;
}

/** The generation in a lock value. */
export function generationOf(value: number): number {
  return Math.floor(value / (SLOT_MASK + 1));
}
