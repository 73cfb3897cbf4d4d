/**
 * The options of {@link Archiver.open}: one zod schema holding every default.
 *
 * @module
 */
import { ROLL_CYCLES, type RollCycleName } from '@annal/core';
import { byteSize, durationMs, parseOptions } from '@annal/native/internal';
import { z } from 'zod';

/** The default size of the hand-off ring. */
export const DEFAULT_RING_BYTES = 16 << 20;
/** How long `record()` spins for room under `whenFull: 'wait'` before it backlogs. */
export const DEFAULT_WAIT_MICROS = 50;
/** The default bound of the `whenFull: 'wait'` backlog. */
export const DEFAULT_BACKLOG_BYTES = 64 << 20;
/** The default sync schedule: every second. */
export const DEFAULT_SYNC_EVERY_MS = 1000;

/** What `record()` does when the ring is full (the worker has fallen behind). */
export type WhenFull = 'drop' | 'wait' | 'fail';

/** Options of {@link Archiver.open}. */
export interface ArchiverOptions {
  /**
   * Bytes of the ring between the traffic thread and the worker: a power of two from 64 KiB
   * to 1 GiB, as a number or a string (`'16 MiB'`). It bounds what a crash of the process can
   * lose, and the largest message: `ringBytes / 2 - 24` bytes. Default 16 MiB.
   */
  readonly ringBytes?: number | string;
  /**
   * When the ring is full: `'drop'` (default) drops the message, counts it (`stats().dropped`)
   * and writes a GAP record before the next message that fits; `'wait'` spins up to
   * `waitMicros`, then keeps the message (a copy) in a backlog that a timer moves into the ring
   * in order as it frees, up to `backlogBytes` (beyond which messages are dropped and counted);
   * `'fail'` throws ERR_ANNAL_BACK_PRESSURED.
   */
  readonly whenFull?: WhenFull;
  /** Microseconds `record()` spins for room under `'wait'` before it backlogs. Default 50. */
  readonly waitMicros?: number;
  /** The bound of the `'wait'` backlog, bytes (number or string). Default 64 MiB. */
  readonly backlogBytes?: number | string;
  /**
   * When the worker syncs the queue to disk (msync), so that what it appended survives power
   * loss: `{ everyMs }` (number or a duration string, from 1 ms), or `'none'` (only `close()`
   * syncs). Default `{ everyMs: 1000 }`.
   */
  readonly sync?:
    | 'none'
    | {
        /**
         * Period of the worker's syncs: milliseconds (from 1) or a duration string such as
         * `'200ms'`. Default 1000.
         */
        readonly everyMs: number | string;
      };
  /**
   * How `record()` reads the time it stamps on a message. `'turn'` (default): once at the first
   * record of each event-loop callback and again every 32 records within it (as Aeron caches its
   * clocks per duty cycle): a message's time is when the callback that received or sent it began
   * to record (all the messages one socket read delivers share it), and the hot path reads no
   * clock. `'each'`: at every record, exact to the call, for ~60 ns and 16 bytes of garbage more
   * per record (Node 20's `performance.now()` returns a heap number).
   */
  readonly clock?: 'turn' | 'each';
  /**
   * The queue's roll cycle, for a new queue: one of `@annal/core`'s `ROLL_CYCLES` names
   * (`'FAST_DAILY'`, `'FAST_HOURLY'`, `'HALF_HOURLY'`, …). Default `'FAST_DAILY'`.
   */
  readonly rollCycle?: RollCycleName;
  /** The queue's block size, for a new queue (`@annal/core`'s `blockBytes`). Default 64 MiB. */
  readonly blockBytes?: number | string;
}

const schema = z.strictObject({
  ringBytes: byteSize({ min: 64 << 10, max: 1 << 30 })
    .refine((bytes) => Number.isInteger(Math.log2(bytes)), { message: 'must be a power of two' })
    .default(DEFAULT_RING_BYTES),
  whenFull: z.enum(['drop', 'wait', 'fail']).default('drop'),
  waitMicros: z.number().int().min(0).max(1_000_000).default(DEFAULT_WAIT_MICROS),
  backlogBytes: byteSize({ min: 0, max: 2 ** 40 }).default(DEFAULT_BACKLOG_BYTES),
  sync: z
    .union([z.literal('none'), z.strictObject({ everyMs: durationMs({ min: 1 }) })])
    .default({ everyMs: DEFAULT_SYNC_EVERY_MS }),
  clock: z.enum(['turn', 'each']).default('turn'),
  rollCycle: z.enum(Object.keys(ROLL_CYCLES) as [RollCycleName, ...RollCycleName[]]).optional(),
  blockBytes: byteSize({ min: 1 }).optional(),
});

/** {@link ArchiverOptions} with every default filled in. */
export type ResolvedArchiverOptions = z.output<typeof schema>;

/** Validates `options` once, at the edge. */
export function parseArchiverOptions(options: unknown): Readonly<ResolvedArchiverOptions> {
  return parseOptions(schema, options, 'Archiver.open');
}
