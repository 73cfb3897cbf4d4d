/**
 * The options of {@link replay}: one zod schema holding every default.
 *
 * @module
 */
import { z } from 'zod';

import type { ReplayRecord } from './record.js';
import { VirtualClock } from './virtual-clock.js';

/** Where a replay is, as given to `onProgress`. */
export interface ReplayProgress {
  /** Records handed to the handler so far. */
  readonly delivered: number;
  /** Records read and left out (by `fromTime`, `toTime`, `types`, `streams` or `filter`). */
  readonly skipped: number;
  /** Stream of the last record delivered (`''` when none yet). */
  readonly stream: string;
  /** Index in its stream of the last record delivered (-1 when none yet). */
  readonly index: number;
  /** Timestamp of the last stamped record delivered, Unix ms (`NaN` when none yet). */
  readonly timestamp: number;
}

/** Options of {@link replay} and {@link startReplay}. */
export interface ReplayOptions<R extends ReplayRecord = ReplayRecord> {
  /** Leave out records stamped before this time (Unix ms, inclusive bound). Default none. */
  readonly fromTime?: number;
  /** Leave out records stamped after this time (Unix ms, inclusive bound). Default none. */
  readonly toTime?: number;
  /** Deliver only records of these types (`record.type`). Default all. */
  readonly types?: readonly string[];
  /** Deliver only records of these streams (`record.stream`, for merges). Default all. */
  readonly streams?: readonly string[];
  /** Deliver only records for which this returns true (after the filters above). Default all. */
  readonly filter?: (record: R) => boolean;
  /** Stops the replay: it rejects with ERR_ANNAL_ABORTED, the signal's reason as `cause`. */
  readonly signal?: AbortSignal;
  /** Called after every `progressEvery` delivered records, and once at the end. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Records between `onProgress` calls: an integer from 1. Default 10,000. */
  readonly progressEvery?: number;
  /**
   * `'max'` (default): as fast as the handler goes. `'realtime'`: records are delivered at
   * their recorded spacing in wall time. A number N > 0: N times real time (2 = twice as fast).
   * Records without a timestamp are never delayed.
   */
  readonly speed?: 'max' | 'realtime' | number;
  /** The clock handlers see (share one across replays, or look at its timers after). Default a new one. */
  readonly clock?: VirtualClock;
  /**
   * Fake the globals (`Date`, `setTimeout`, `clearTimeout`, `setInterval`, `clearInterval`)
   * for the length of the replay, driven by the replay's clock, for code that calls them
   * directly. Not with `clock` (give that clock `fakeGlobals` instead). Default false.
   */
  readonly fakeGlobals?: boolean;
  /** After the last record, move the clock to this time (Unix ms), firing the timers due by then. */
  readonly until?: number;
  /** Close the source when the replay ends (also on error or abort). Default true. */
  readonly closeSource?: boolean;
  /** Start paused: nothing is delivered until `resume()` or `step()` (tools). Default false. */
  readonly paused?: boolean;
}

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', {
  message: 'expected a function',
});
const time = z.number().refine(Number.isFinite, { message: 'expected a finite number (Unix ms)' });

/** The schema of {@link ReplayOptions}. */
export const replayOptionsSchema = z
  .object({
    fromTime: time.optional(),
    toTime: time.optional(),
    types: z.array(z.string()).readonly().optional(),
    streams: z.array(z.string()).readonly().optional(),
    filter: fn.optional(),
    signal: z.instanceof(AbortSignal).optional(),
    onProgress: fn.optional(),
    progressEvery: z.number().int().min(1).default(10_000),
    speed: z
      .union([
        z.literal('max'),
        z.literal('realtime'),
        z.number().positive().refine(Number.isFinite, { message: 'expected a finite factor' }),
      ])
      .default('max'),
    clock: z.instanceof(VirtualClock).optional(),
    fakeGlobals: z.boolean().default(false),
    until: time.optional(),
    closeSource: z.boolean().default(true),
    paused: z.boolean().default(false),
  })
  .strict()
  .refine((options) => !(options.fakeGlobals && options.clock !== undefined), {
    message: 'give either clock or fakeGlobals: true, not both (make the clock with fakeGlobals)',
    path: ['fakeGlobals'],
  });
