/**
 * Roll cycles: how long each cycle file covers, how its index is shaped, and how cycles map to
 * clock time and file names.
 *
 * @module
 */

/** The definition of a roll cycle. */
export interface RollCycle {
  /** Name as accepted by the `rollCycle` option. */
  readonly name: RollCycleName;
  /** Milliseconds one cycle (one file) covers. */
  readonly lengthMs: number;
  /** Default entries per index page and in the first-level index (a power of two). */
  readonly indexCount: number;
  /** Default records per index entry (a power of two). */
  readonly indexSpacing: number;
}

/** Names of the built-in roll cycles. */
export type RollCycleName =
  'FAST_DAILY' | 'FAST_HOURLY' | 'HALF_HOURLY' | 'TEN_MINUTELY' | 'FIVE_MINUTELY' | 'TEST_SECONDLY';

const MINUTE_MS = 60_000;

/**
 * The built-in cycles. Index shapes give each cycle `indexCount² × indexSpacing` records per
 * file, chosen so that a queue index (cycle × 2^sequenceBits + sequence) stays below 2^53 for
 * at least 150 years after the default epoch (1970) (see `maxCycle`). An index entry every 32 or
 * 64 records (Chronicle Queue's cycles use 256): a seek hops over half that on average, and 64
 * against 256 halves a random seek (docs/decisions/2026-12-05-denser-index-and-plain-acquire-loads.md).
 *
 * | cycle | length | records per cycle | cycles before 2^53 |
 * |---|---|---|---|
 * | FAST_DAILY | 24 h | 2^32 | 2^21 (5,700 years) |
 * | FAST_HOURLY | 1 h | 2^32 | 2^21 (239 years) |
 * | HALF_HOURLY | 30 min | 2^31 | 2^22 (239 years) |
 * | TEN_MINUTELY | 10 min | 2^30 | 2^23 (159 years) |
 * | FIVE_MINUTELY | 5 min | 2^29 | 2^24 (159 years) |
 * | TEST_SECONDLY | 1 s | 2^20 | 2^33 (272 years) |
 */
export const ROLL_CYCLES: Readonly<Record<RollCycleName, RollCycle>> = {
  FAST_DAILY: {
    name: 'FAST_DAILY',
    lengthMs: 24 * 60 * MINUTE_MS,
    indexCount: 8192,
    indexSpacing: 64,
  },
  FAST_HOURLY: {
    name: 'FAST_HOURLY',
    lengthMs: 60 * MINUTE_MS,
    indexCount: 8192,
    indexSpacing: 64,
  },
  HALF_HOURLY: {
    name: 'HALF_HOURLY',
    lengthMs: 30 * MINUTE_MS,
    indexCount: 8192,
    indexSpacing: 32,
  },
  TEN_MINUTELY: {
    name: 'TEN_MINUTELY',
    lengthMs: 10 * MINUTE_MS,
    indexCount: 4096,
    indexSpacing: 64,
  },
  FIVE_MINUTELY: {
    name: 'FIVE_MINUTELY',
    lengthMs: 5 * MINUTE_MS,
    indexCount: 4096,
    indexSpacing: 32,
  },
  TEST_SECONDLY: { name: 'TEST_SECONDLY', lengthMs: 1000, indexCount: 256, indexSpacing: 16 },
};

/** Bits of the sequence in an index for an index shape: log2(indexCount² × indexSpacing). */
export function sequenceBitsFor(indexCount: number, indexSpacing: number): number {
  return 2 * Math.log2(indexCount) + Math.log2(indexSpacing);
}

/** Largest cycle number whose indices stay exact JS numbers (below 2^53). */
export function maxCycle(sequenceBits: number): number {
  return 2 ** (53 - sequenceBits) - 1;
}

/** The cycle that contains Unix time `nowMs`. */
export function cycleAt(nowMs: number, epochMs: number, lengthMs: number): number {
  return Math.floor((nowMs - epochMs) / lengthMs);
}

/** Unix milliseconds at which `cycle` starts. */
export function cycleStartMs(cycle: number, epochMs: number, lengthMs: number): number {
  return epochMs + cycle * lengthMs;
}

/**
 * File name stem of a cycle: its UTC start as `YYYYMMDDTHHMMSSZ` (sorts in time order; cycles
 * shorter than a second are not offered, so names never collide).
 */
export function cycleFileStem(startMs: number): string {
  const date = new Date(startMs);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return (
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`
  );
}

const STEM_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses a stem made by {@link cycleFileStem} back into Unix milliseconds, or undefined. */
export function parseCycleFileStem(stem: string): number | undefined {
  const match = STEM_PATTERN.exec(stem);
  if (match === null) return undefined;
  const field = (group: number): number => Number(match[group]);
  return Date.UTC(field(1), field(2) - 1, field(3), field(4), field(5), field(6));
}

/**
 * The name of the built-in roll cycle `lengthMs` long (each has its own length), or undefined
 * for a length none has: how a file's header, which records the length, names its roll cycle.
 */
export function rollCycleNameOf(lengthMs: number): RollCycleName | undefined {
  for (const cycle of Object.values(ROLL_CYCLES))
    if (cycle.lengthMs === lengthMs) return cycle.name;
  return undefined;
}
