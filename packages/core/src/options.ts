/**
 * The options of {@link Queue.open}: one zod schema holding every default.
 *
 * @module
 */
import { InvalidOptionError, type SyncPolicy } from '@annal/native';
import { byteSize, parseOptions, powerOfTwo, syncPolicySchema } from '@annal/native/internal';
import { z } from 'zod';

import { LENGTH_MASK, computeIndexPageFrameLength } from './layout.js';
import { ROLL_CYCLES, type RollCycleName } from './roll-cycle.js';

const ROLL_CYCLE_NAMES = Object.keys(ROLL_CYCLES) as [RollCycleName, ...RollCycleName[]];

/** Smallest block: 64 KiB (and never below `16 × indexCount + 32`: 256 KiB for the `FAST_*` and `HALF_HOURLY` roll cycles, 128 KiB for `TEN_MINUTELY` and `FIVE_MINUTELY`). */
export const MIN_BLOCK_BYTES = 64 * 1024;
/** Largest block: 1 GiB. */
export const MAX_BLOCK_BYTES = 1024 * 1024 * 1024;
/** Default block: 64 MiB (Chronicle Queue's default too). */
export const DEFAULT_BLOCK_BYTES = 64 * 1024 * 1024;

/** The `sync` option: the policies of {@link SyncPolicy}, named in the error when none matches. */
const syncSchema = z.union(syncPolicySchema.options, {
  error: () =>
    `must be 'none', 'manual', 'each' or { everyMs } (milliseconds, or a duration such as '200ms')`,
});

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
   * record. A power of two from 64 KiB to 1 GiB, and at least `16 × indexCount + 32` (checked
   * with the index shape when a queue is created). Default 64 MiB.
   */
  blockBytes: byteSize({ min: MIN_BLOCK_BYTES, max: MAX_BLOCK_BYTES })
    .pipe(powerOfTwo({ min: MIN_BLOCK_BYTES, max: MAX_BLOCK_BYTES }))
    .default(DEFAULT_BLOCK_BYTES),
  /** `'crc32c'` stores and verifies a CRC32C of each payload; `'off'` stores 0. Default `'off'`. */
  checksums: z.enum(['off', 'crc32c']).default('off'),
  /** Entries per index page (a power of two, 8 to 65536). Default: the roll cycle's. */
  indexCount: powerOfTwo({ min: 8, max: 65536 }).optional(),
  /** Records per index entry (a power of two, 1 to 65536). Default: the roll cycle's. */
  indexSpacing: powerOfTwo({ min: 1, max: 65536 }).optional(),
  /** Open without writing anything: files are mapped PROT_READ. Default false. */
  readOnly: z.boolean().default(false),
  /**
   * When appended records are msync'd (made to survive power loss; a process crash never loses
   * an appended record): `'none'` (the kernel writes back when it likes; `appender.sync()` or
   * `syncSync()` on demand), `'manual'` (the same, and `close()` syncs), `'each'` (`appendSync`
   * msyncs each record before it returns; `append()` shares one msync per turn of the event
   * loop), or `{ everyMs }` (at most that long after a write). Default `'none'`. See
   * docs/durability.md.
   */
  sync: syncSchema.default('none'),
  /**
   * Largest payload in bytes. Default and upper bound: a quarter of the block size minus the
   * 8-byte frame header.
   */
  maxPayloadBytes: byteSize({ min: 0, max: LENGTH_MASK }).optional(),
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
  /**
   * Bytes per data block, a power of two from 64 KiB to 1 GiB and at least
   * `16 × indexCount + 32` (so 256 KiB with the default roll cycle); a number or e.g. `'64 MiB'`
   * (binary units; `'64 MB'` is decimal and not a power of two). [64 MiB]
   */
  readonly blockBytes?: number | string | undefined;
  /** `'crc32c'` stores and verifies a CRC32C of each payload. [`'off'`] */
  readonly checksums?: 'off' | 'crc32c' | undefined;
  /** Entries per index page, a power of two from 8 to 65536. [the roll cycle's] */
  readonly indexCount?: number | undefined;
  /** Records per index entry, a power of two from 1 to 65536. [the roll cycle's] */
  readonly indexSpacing?: number | undefined;
  /** Map PROT_READ and refuse appenders. [false] */
  readonly readOnly?: boolean | undefined;
  /**
   * When appends are msync'd: `'none'` (on demand: `appender.sync()`/`syncSync()`), `'manual'`
   * (on demand and at close), `'each'` (every record), or `{ everyMs }`. [`'none'`]
   */
  readonly sync?:
    | 'none'
    | 'manual'
    | 'each'
    | {
        /**
         * Longest delay between the first unsynced append and the msync that covers it:
         * milliseconds (≥ 1), or a duration string such as `'200ms'`.
         */
        readonly everyMs: number | string;
      }
    | undefined;
  /** Largest payload in bytes, at most a quarter block minus 8. [that bound] */
  readonly maxPayloadBytes?: number | string | undefined;
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
  /** Length of one cycle file (see {@link QueueOptions.rollCycle}). */
  readonly rollCycle: RollCycleName;
  /** Unix milliseconds where cycle 0 starts. */
  readonly epochMs: number;
  /** Bytes per data block, a power of two. */
  readonly blockBytes: number;
  /** Whether payloads carry a CRC32C (`'crc32c'`) or not (`'off'`). */
  readonly checksums: 'off' | 'crc32c';
  /** Entries per index page; undefined means the roll cycle's. */
  readonly indexCount?: number | undefined;
  /** Records per index entry; undefined means the roll cycle's. */
  readonly indexSpacing?: number | undefined;
  /** Whether the queue is opened read-only. */
  readonly readOnly: boolean;
  /** When appends are msync'd, with durations in milliseconds. */
  readonly sync: SyncPolicy;
  /** Largest payload in bytes; undefined means a quarter block minus the 8-byte frame header. */
  readonly maxPayloadBytes?: number | undefined;
  /** The clock deciding the cycle, in Unix milliseconds. */
  readonly clock: () => number;
  /** What to do with a corrupt record (see {@link QueueOptions.onCorrupt}). */
  readonly onCorrupt: 'stop' | 'skip' | 'truncate';
  /** Called when this Queue maps a cycle file, if set. */
  readonly onFileAcquired?: ((cycle: number, path: string) => void) | undefined;
  /** Called when this Queue unmaps a cycle file, if set. */
  readonly onFileReleased?: ((cycle: number, path: string) => void) | undefined;
}

/** The zod schema of `Queue.open`'s options, defaults included (for composing configuration). */
export const queueOptionsSchema: z.ZodType<ResolvedQueueOptions, QueueOptions> = schema;

/** Parses `Queue.open` options. @throws ERR_ANNAL_INVALID_OPTION naming the option */
export function parseQueueOptions(input: unknown): ResolvedQueueOptions {
  rejectRenamedOptions(input, 'Queue.open');
  try {
    return parseOptions(schema, input, 'Queue.open');
  } catch (error) {
    throw explainSizeUnits(error, input);
  }
}

/** Options renamed for 1.0 (docs/decisions/2026-12-04-one-vocabulary.md): old name → new name. */
const RENAMED_OPTIONS: Readonly<Record<string, string>> = {
  blockSize: 'blockBytes',
  maxPayloadLength: 'maxPayloadBytes',
  maxRecordLength: 'maxPayloadBytes',
};

/** Refuses an option under its pre-1.0 name, naming the new one. */
export function rejectRenamedOptions(input: unknown, where: string): void {
  if (typeof input !== 'object' || input === null) return;
  for (const key of Object.keys(input)) {
    const renamed = RENAMED_OPTIONS[key];
    if (renamed !== undefined) {
      throw new InvalidOptionError(`${where}: the option ${key} is now called ${renamed}`, {
        field: key,
      });
    }
  }
}

/**
 * A size option refused with a decimal unit (`'64 MB'` is 64 000 000 bytes, not a power of two)
 * is most likely meant in binary units: the error then says how the two differ.
 */
export function explainSizeUnits(error: unknown, input: unknown): unknown {
  if (!InvalidOptionError.isInstance(error) || typeof input !== 'object' || input === null) {
    return error;
  }
  const field = error.field ?? '';
  const value = (input as Record<string, unknown>)[field];
  if (typeof value !== 'string') return error;
  const decimal = /^\s*([\d.]+)\s*(kB|MB|GB|TB)\s*$/i.exec(value);
  if (decimal === null) return error;
  const binary = `${decimal[1] ?? ''} ${(decimal[2] ?? '').charAt(0).toUpperCase()}iB`;
  return new InvalidOptionError(
    `${error.message}. Note: ${JSON.stringify(value)} is in decimal units (1 MB = 1 000 000 bytes); sizes here are usually binary (1 MiB = 1 048 576 bytes): did you mean ${JSON.stringify(binary)}?`,
    { field, cause: error },
  );
}

/**
 * Smallest block for index pages of `indexCount` entries: a block holds at least 4 of them
 * (`16 × indexCount + 32` bytes), as it holds at least 4 of the largest records.
 */
export function minBlockBytesFor(indexCount: number): number {
  return 4 * computeIndexPageFrameLength(indexCount);
}

/** Largest payload a block of `blockBytes` bytes allows: a frame of at most a quarter block. */
export function maxPayloadForBlock(blockBytes: number): number {
  return Math.min(blockBytes / 4 - 8, LENGTH_MASK);
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
  /** Whether the appender shares the queue with other shared appenders. */
  readonly shared: boolean;
  /** Milliseconds a shared appender waits for the append lock held by a live appender. */
  readonly lockTimeoutMs: number;
}

/** Parses `queue.appender()` options. @throws ERR_ANNAL_INVALID_OPTION naming the option */
export function parseAppenderOptions(input: unknown): ResolvedAppenderOptions {
  return parseOptions(appenderSchema, input, 'queue.appender');
}
