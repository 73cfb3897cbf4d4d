/**
 * The options of {@link Queue.open}: one zod schema holding every default (STYLE R32).
 *
 * @module
 */
import type { SyncPolicy } from '@annal/native';
import { byteSize, parseOptions, powerOfTwo, syncPolicySchema } from '@annal/native/internal';
import { z } from 'zod';

import { LENGTH_MASK } from './layout.js';
import { ROLL_CYCLES, type RollCycleName } from './roll-cycle.js';

const ROLL_CYCLE_NAMES = Object.keys(ROLL_CYCLES) as [RollCycleName, ...RollCycleName[]];

/** Smallest block: 64 KiB. */
export const MIN_BLOCK_SIZE = 64 * 1024;
/** Largest block: 1 GiB. */
export const MAX_BLOCK_SIZE = 1024 * 1024 * 1024;
/** Default block: 64 MiB (Chronicle Queue's default too). */
export const DEFAULT_BLOCK_SIZE = 64 * 1024 * 1024;

/**
 * Options of `Queue.open`. Sizes take a number of bytes or a string such as `'64 MiB'`.
 */
const schema = z.strictObject({
  /** Length of one cycle file. Default `'FAST_DAILY'`. Used when creating files only. */
  rollCycle: z.enum(ROLL_CYCLE_NAMES).default('FAST_DAILY'),
  /**
   * Unix milliseconds where cycle 0 starts; moves every cycle boundary (e.g. `5 * 3600_000` makes
   * daily files start at 05:00 UTC; for a local time zone, add its offset). Default 0.
   */
  epochMs: z.number().int().min(0).default(0),
  /**
   * Bytes of one data block: the unit of preallocation and of mapping, and 4× the largest
   * record. A power of two from 64 KiB to 1 GiB. Default 64 MiB.
   */
  blockSize: byteSize({ min: MIN_BLOCK_SIZE, max: MAX_BLOCK_SIZE })
    .pipe(powerOfTwo({ min: MIN_BLOCK_SIZE, max: MAX_BLOCK_SIZE }))
    .default(DEFAULT_BLOCK_SIZE),
  /** `'crc32c'` stores and verifies a CRC32C of each payload; `'off'` stores 0. Default `'off'`. */
  checksums: z.enum(['off', 'crc32c']).default('off'),
  /** Entries per index page (a power of two, 8 to 65536). Default: the roll cycle's. */
  indexCount: powerOfTwo({ min: 8, max: 65536 }).optional(),
  /** Records per index entry (a power of two, 1 to 65536). Default: the roll cycle's. */
  indexSpacing: powerOfTwo({ min: 1, max: 65536 }).optional(),
  /** Open without writing anything: files are mapped PROT_READ. Default false. */
  readOnly: z.boolean().default(false),
  /**
   * When appended records are flushed to disk (msync): `'none'` (the kernel decides; survives a
   * process crash, not power loss), `'manual'` (`queue.sync()`), `'each'` (every append waits
   * for its msync), or `{ everyMs }`. Default `'none'`. See docs/durability.md.
   */
  sync: syncPolicySchema.default('none'),
  /**
   * Largest payload in bytes. Default and upper bound: a quarter of the block size minus the
   * 8-byte frame header.
   */
  maxPayloadLength: byteSize({ min: 0, max: LENGTH_MASK }).optional(),
  /** The clock that decides the cycle, in Unix milliseconds. Default `Date.now`. */
  clock: z
    .custom<() => number>((value) => typeof value === 'function', 'must be a function')
    .default(() => Date.now),
  /**
   * What to do with a corrupt record: `'stop'` (throw ERR_ANNAL_CORRUPT, loudly; the default),
   * `'skip'` (readers skip a record whose checksum fails, and a damaged cycle file, and count
   * them), or `'truncate'` (an appender that finds a corrupt frame while recovering the end drops
   * it and everything after).
   */
  onCorrupt: z.enum(['stop', 'skip', 'truncate']).default('stop'),
  /** Called when this Queue maps a cycle file (first use). */
  onFileAcquired: z
    .custom<(cycle: number, path: string) => void>(
      (value) => typeof value === 'function',
      'must be a function',
    )
    .optional(),
  /** Called when this Queue unmaps a cycle file (close, or deletion by `deleteCycles`). */
  onFileReleased: z
    .custom<(cycle: number, path: string) => void>(
      (value) => typeof value === 'function',
      'must be a function',
    )
    .optional(),
});

/** What `Queue.open` accepts; every field is optional (defaults in brackets). */
export interface QueueOptions {
  /** Length of one cycle file. [`'FAST_DAILY'`] Shapes new queues only. */
  readonly rollCycle?: RollCycleName | undefined;
  /** Unix milliseconds where cycle 0 starts; moves every cycle boundary. [0] */
  readonly epochMs?: number | undefined;
  /** Bytes per data block, a power of two from 64 KiB to 1 GiB; a number or e.g. `'64 MiB'`. [64 MiB] */
  readonly blockSize?: number | string | undefined;
  /** `'crc32c'` stores and verifies a CRC32C of each payload. [`'off'`] */
  readonly checksums?: 'off' | 'crc32c' | undefined;
  /** Entries per index page, a power of two from 8 to 65536. [the roll cycle's] */
  readonly indexCount?: number | undefined;
  /** Records per index entry, a power of two from 1 to 65536. [the roll cycle's] */
  readonly indexSpacing?: number | undefined;
  /** Map PROT_READ and refuse appenders. [false] */
  readonly readOnly?: boolean | undefined;
  /** When appends are msync'd: `'none'`, `'manual'`, `'each'` or `{ everyMs }`. [`'none'`] */
  readonly sync?: 'none' | 'manual' | 'each' | { readonly everyMs: number | string } | undefined;
  /** Largest payload in bytes, at most a quarter block minus 8. [that bound] */
  readonly maxPayloadLength?: number | string | undefined;
  /** The clock deciding the cycle, Unix ms, called on every append. [a coarse `Date.now`] */
  readonly clock?: (() => number) | undefined;
  /**
   * Corrupt records: `'stop'` throws ERR_ANNAL_CORRUPT; `'skip'` makes readers skip (and
   * count) records whose checksum fails; `'truncate'` makes an appender that meets a corrupt
   * frame while recovering drop it and everything after it. [`'stop'`]
   */
  readonly onCorrupt?: 'stop' | 'skip' | 'truncate' | undefined;
  /** Called when this Queue maps a cycle file (its first use here). */
  readonly onFileAcquired?: ((cycle: number, path: string) => void) | undefined;
  /** Called when this Queue unmaps a cycle file (at close, or when `deleteCycles` deletes it). */
  readonly onFileReleased?: ((cycle: number, path: string) => void) | undefined;
}

/** Options after defaults were applied (sizes in bytes). */
export interface ResolvedQueueOptions {
  readonly rollCycle: RollCycleName;
  readonly epochMs: number;
  readonly blockSize: number;
  readonly checksums: 'off' | 'crc32c';
  readonly indexCount?: number | undefined;
  readonly indexSpacing?: number | undefined;
  readonly readOnly: boolean;
  readonly sync: SyncPolicy;
  readonly maxPayloadLength?: number | undefined;
  readonly clock: () => number;
  readonly onCorrupt: 'stop' | 'skip' | 'truncate';
  readonly onFileAcquired?: ((cycle: number, path: string) => void) | undefined;
  readonly onFileReleased?: ((cycle: number, path: string) => void) | undefined;
}

/** The zod schema of `Queue.open`'s options, defaults included (for composing configuration). */
export const queueOptionsSchema: z.ZodType<ResolvedQueueOptions, QueueOptions> = schema;

/** Parses `Queue.open` options. @throws ERR_ANNAL_INVALID_OPTION naming the option */
export function parseQueueOptions(input: unknown): ResolvedQueueOptions {
  return parseOptions(schema, input, 'Queue.open');
}

/** Largest payload a block of `blockSize` bytes allows: a frame of at most a quarter block. */
export function maxPayloadForBlock(blockSize: number): number {
  return Math.min(blockSize / 4 - 8, LENGTH_MASK);
}

/** Default `lockTimeoutMs` of shared appenders: 10 s. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

const appenderSchema = z.strictObject({
  shared: z.boolean().default(false),
  lockTimeoutMs: z
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .default(DEFAULT_LOCK_TIMEOUT_MS),
});

/** What `queue.appender()` accepts; every field is optional (defaults in brackets). */
export interface AppenderOptions {
  /**
   * Append alongside other shared appenders of this queue, in any threads and processes (up to
   * 1024), instead of as its only appender. Exclusive appenders are faster; shared and exclusive
   * appenders exclude each other. [false]
   */
  readonly shared?: boolean | undefined;
  /**
   * Shared appenders: how long (ms) to wait for the append lock while a live appender holds it
   * (a claim left open) before failing with ERR_ANNAL_TIMEOUT. A dead holder's lock is taken
   * over within about a millisecond whatever this says. [10000]
   */
  readonly lockTimeoutMs?: number | undefined;
}

/** Appender options after defaults were applied. */
export interface ResolvedAppenderOptions {
  readonly shared: boolean;
  readonly lockTimeoutMs: number;
}

/** Parses `queue.appender()` options. @throws ERR_ANNAL_INVALID_OPTION naming the option */
export function parseAppenderOptions(input: unknown): ResolvedAppenderOptions {
  return parseOptions(appenderSchema, input, 'queue.appender');
}
