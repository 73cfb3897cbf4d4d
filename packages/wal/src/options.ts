/**
 * The options of {@link Wal.open}: one zod schema holding every default, and the
 * rules that tie the size limits to the segment size. A limit the user did not set is derived
 * from the ones they did, so a small `segmentBytes` alone is always accepted; a limit the user
 * set that cannot fit is refused naming that option. `quiet` may also come from ANNAL_QUIET,
 * read once per `Wal.open` (the option wins); nothing is kept at module level.
 *
 * @module
 */
import { InvalidOptionError, type SyncPolicy } from '@annal/native';
import { byteSize, durationMs, parseOptions } from '@annal/native/internal';
import { z } from 'zod';

import { LENGTH_MASK, SEGMENT_HEADER_BYTES, frameBytes } from './layout.js';

const MIB = 1024 * 1024;

/** Smallest `segmentBytes`: 1 MiB. */
export const MIN_SEGMENT_BYTES = MIB;
/** Largest `segmentBytes`: 1 GiB. */
export const MAX_SEGMENT_BYTES = 1024 * MIB;
/** `segmentBytes` when not set: 32 MiB. */
export const DEFAULT_SEGMENT_BYTES = 32 * MIB;
/** `maxPayloadBytes` when not set, unless the segment is too small for it (see the rules). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * MIB;
/** `maxBatchRecords` when not set. */
export const DEFAULT_MAX_BATCH_RECORDS = 2000;
/** `maxBatchBytes` when not set, unless the segment is too small for it (see the rules). */
export const DEFAULT_MAX_BATCH_BYTES = 8 * MIB;
/**
 * Bytes a batch needs per record besides its payload, in the rule
 * `maxBatchBytes + BATCH_OVERHEAD_BYTES_PER_RECORD × maxBatchRecords ≤ (segmentBytes − 4096) / 2`:
 * a frame header and up to 7 bytes of alignment, rounded up.
 */
export const BATCH_OVERHEAD_BYTES_PER_RECORD = 16;
/** The values ANNAL_QUIET may take, and what each means. */
export const ANNAL_QUIET_VALUES: Readonly<Record<string, boolean>> = {
  '': false,
  '0': false,
  false: false,
  no: false,
  off: false,
  '1': true,
  true: true,
  yes: true,
  on: true,
};

/** How named readers' indexes are kept. See docs/durability.md. */
export type Consistency =
  | 'strictly-once'
  | {
      /**
       * Store a named reader's index every `persistEvery` records instead of before each one:
       * after a crash the reader sees at most that many records again, and never skips one.
       */
      readonly atLeastOnce: {
        /** Records between two stores of the index: an integer from 1 to 1,000,000. */
        readonly persistEvery: number;
      };
    };

const SYNC_VALUES = `'none', 'manual', 'each' or { everyMs: n } (n: milliseconds from 1, or a duration such as "200ms")`;

const syncSchema = z.union(
  [
    z.literal('none'),
    z.literal('manual'),
    z.literal('each'),
    z.strictObject({ everyMs: durationMs({ min: 1 }) }),
  ],
  { error: `must be ${SYNC_VALUES}` },
);

const consistencySchema = z.union(
  [
    z.literal('strictly-once'),
    z.strictObject({
      atLeastOnce: z.strictObject({ persistEvery: z.number().int().min(1).max(1_000_000) }),
    }),
  ],
  {
    error: `must be 'strictly-once' or { atLeastOnce: { persistEvery: n } } (n an integer from 1 to 1,000,000)`,
  },
);

const walOptionsSchema = z
  .strictObject({
    /**
     * When appends become durable (survive power loss); every mode survives a crash of the
     * process as soon as `appendSync` returns (`mmap`) or its event-loop turn ends (`fd`):
     * - `{ everyMs: n }` (default `{ everyMs: 200 }`): a sync runs at most n ms after the first
     *   unsynced append, off the JS thread; power loss loses at most the last n ms.
     * - `'each'`: `append` resolves after the fdatasync that covers it (concurrent appends share
     *   one), `appendSync` syncs on the calling thread before it returns.
     * - `'manual'`: nothing is synced until `wal.sync()`/`syncSync()` or `close()`.
     * - `'none'`: as `'manual'`, but `close()` does not sync either (scratch data, tmpfs).
     */
    sync: syncSchema.default({ everyMs: 200 }),
    /**
     * How named readers' indexes are kept: `'strictly-once'` (stored before a record is handed
     * out) or `{ atLeastOnce: { persistEvery: n } }` (stored every n records; after a crash a
     * reader sees at most n records again, never skips one). Default `'strictly-once'`.
     */
    consistency: consistencySchema.default('strictly-once'),
    /**
     * How segments are written and read: `'mmap'` (mapped) or `'fd'` (pwritev/preadv through a
     * staging buffer). Both write the same files. Default `'mmap'`.
     */
    backend: z.enum(['mmap', 'fd'], { error: `must be 'mmap' or 'fd'` }).default('mmap'),
    /**
     * Which segments are deleted (never the one appends go to): `consumed: 'delete'` once every
     * named reader's stored index is past them; `maxBytes`, the oldest beyond that many bytes of
     * segments per topic; `maxAgeMs`, those whose newest record is older. Default: keep all.
     */
    retention: z
      .strictObject({
        consumed: z
          .enum(['keep', 'delete'], { error: `must be 'keep' or 'delete'` })
          .default('keep'),
        maxBytes: byteSize({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
        maxAgeMs: durationMs({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
      })
      .default({ consumed: 'keep' }),
    /** Bytes of one segment file, preallocated. 1 MiB to 1 GiB. Default 32 MiB. */
    segmentBytes: byteSize({ min: MIN_SEGMENT_BYTES, max: MAX_SEGMENT_BYTES }).default(
      DEFAULT_SEGMENT_BYTES,
    ),
    /** Largest payload in bytes. Default: 4 MiB, or less in a small segment (the rules). */
    maxPayloadBytes: byteSize({ min: 1, max: LENGTH_MASK }).optional(),
    /** Most records in one `appendBatch`. Default 2,000, or less in a small segment. */
    maxBatchRecords: z.number().int().min(1).max(1_000_000).optional(),
    /** Most payload bytes in one `appendBatch`. Default 8 MiB, or less in a small segment. */
    maxBatchBytes: byteSize({ min: 1, max: 512 * MIB }).optional(),
    /**
     * What opening a topic does when its end is damaged: `'stop'` (throw ERR_ANNAL_CORRUPT
     * naming topic, file, byte offset and index) or `'truncate'` (cut the log at the last whole
     * record, keeping a copy of what is cut in the topic's `cut/` directory, with a warning).
     * Default `'stop'`.
     */
    onCorrupt: z
      .enum(['stop', 'truncate'], {
        error: `must be 'stop' or 'truncate' (wal has no 'skip': see its README)`,
      })
      .default('stop'),
    /** No warnings on stderr. Default: from ANNAL_QUIET, else false. */
    quiet: z.boolean({ error: 'must be true or false' }),
    /**
     * Opens the log to look at it while another process may own and append to it: takes no
     * lock and writes nothing anywhere; every write method throws ERR_ANNAL_READ_ONLY. Default
     * false.
     */
    readOnly: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .transform((options, context) => {
    const room = options.segmentBytes - SEGMENT_HEADER_BYTES;
    const segment = `segmentBytes=${options.segmentBytes}`;
    // Rule 1: four of the largest records fit in a segment.
    const largestPayload = (Math.floor(room / 4) & ~7) - frameBytes(0);
    const maxPayloadBytes =
      options.maxPayloadBytes ?? Math.min(DEFAULT_MAX_PAYLOAD_BYTES, largestPayload);
    if (frameBytes(maxPayloadBytes) * 4 > room) {
      context.addIssue({
        code: 'custom',
        path: ['maxPayloadBytes'],
        message: `must leave room for 4 records in a segment (${segment}, so at most ${largestPayload}); raise segmentBytes or lower maxPayloadBytes`,
      });
      return z.NEVER;
    }
    // Rule 2: the largest batch fits in half a segment.
    const half = Math.floor(room / 2);
    const maxBatchRecords =
      options.maxBatchRecords ??
      Math.min(DEFAULT_MAX_BATCH_RECORDS, Math.floor(half / (2 * BATCH_OVERHEAD_BYTES_PER_RECORD)));
    const overhead = BATCH_OVERHEAD_BYTES_PER_RECORD * maxBatchRecords;
    if (overhead >= half) {
      context.addIssue({
        code: 'custom',
        path: ['maxBatchRecords'],
        message: `needs ${BATCH_OVERHEAD_BYTES_PER_RECORD} bytes per record in half a segment (${segment}, so fewer than ${Math.ceil(half / BATCH_OVERHEAD_BYTES_PER_RECORD)})`,
      });
      return z.NEVER;
    }
    const maxBatchBytes =
      options.maxBatchBytes ?? Math.min(DEFAULT_MAX_BATCH_BYTES, half - overhead);
    if (maxBatchBytes + overhead > half) {
      context.addIssue({
        code: 'custom',
        path: ['maxBatchBytes'],
        message: `plus ${BATCH_OVERHEAD_BYTES_PER_RECORD} bytes for each of maxBatchRecords=${maxBatchRecords} records must fit in half a segment (${segment}, so at most ${half - overhead})`,
      });
      return z.NEVER;
    }
    return { ...options, maxPayloadBytes, maxBatchRecords, maxBatchBytes };
  });

/** A size: a number of bytes, or a string such as `'64 KiB'`, `'32 MiB'` or `'1 MB'`. */
export type ByteSize = number | string;

/**
 * Options of {@link Wal.open}; sizes take bytes or strings such as `'32 MiB'` (binary units:
 * KiB, MiB, GiB are powers of 1024; kB, MB, GB powers of 1000). Each option left out (or given
 * as undefined) takes its default.
 */
export interface WalOptions {
  /** When records survive power loss: `{ everyMs: n }` (default 200), `'each'`, `'manual'`, `'none'`. */
  readonly sync?:
    | SyncPolicy
    | {
        /**
         * Longest delay between the first unsynced append and the sync that covers it:
         * milliseconds (≥ 1), or a duration string such as `'200ms'`. Default 200.
         */
        readonly everyMs: number | string;
      }
    | undefined;
  /** When named readers' places are stored. Default `'strictly-once'`. */
  readonly consistency?: Consistency | undefined;
  /** How segments are written and read. Default `'mmap'`. */
  readonly backend?: 'mmap' | 'fd' | undefined;
  /** Which oldest segments are deleted. Default: keep everything. */
  readonly retention?:
    | {
        /** `'delete'`: once every named reader's stored place is past them. Default `'keep'`. */
        readonly consumed?: 'keep' | 'delete' | undefined;
        /** Delete the oldest segments beyond this many bytes of segments per topic. */
        readonly maxBytes?: ByteSize | undefined;
        /** Delete segments whose newest record is older (ms, or a duration such as `'7d'`). */
        readonly maxAgeMs?: number | string | undefined;
      }
    | undefined;
  /** Bytes of one segment file, 1 MiB to 1 GiB. Default 32 MiB. */
  readonly segmentBytes?: ByteSize | undefined;
  /** Largest payload. Default 4 MiB, or the largest a smaller segment allows. */
  readonly maxPayloadBytes?: ByteSize | undefined;
  /** Most records in one batch. Default 2,000, or the most a smaller segment allows. */
  readonly maxBatchRecords?: number | undefined;
  /** Most payload bytes in one batch. Default 8 MiB, or the most a smaller segment allows. */
  readonly maxBatchBytes?: ByteSize | undefined;
  /** What opening a topic does at damage at its end. Default `'stop'`. */
  readonly onCorrupt?: 'stop' | 'truncate' | undefined;
  /** No warnings on stderr. Default: from ANNAL_QUIET, else false. */
  readonly quiet?: boolean | undefined;
  /**
   * Look without owning: no lock, nothing written (no recovery, no stored reader places), and
   * what a writer in another process appends becomes visible to reads made after it. Every write
   * method throws ERR_ANNAL_READ_ONLY. Default false.
   */
  readonly readOnly?: boolean | undefined;
}

/** Options after defaults and derivation: what `wal.options` holds. */
export interface ResolvedWalOptions {
  /** When records survive power loss. */
  readonly sync: SyncPolicy;
  /** When named readers' places are stored. */
  readonly consistency: Consistency;
  /** How segments are written and read. */
  readonly backend: 'mmap' | 'fd';
  /** Which oldest segments are deleted. */
  readonly retention: {
    /** `'delete'`: once every named reader's stored place is past them. */
    readonly consumed: 'keep' | 'delete';
    /** Bytes of segments per topic beyond which the oldest go. */
    readonly maxBytes?: number | undefined;
    /** Age in ms beyond which segments go. */
    readonly maxAgeMs?: number | undefined;
  };
  /** Bytes of one segment file. */
  readonly segmentBytes: number;
  /** Largest payload in bytes. */
  readonly maxPayloadBytes: number;
  /** Most records in one batch. */
  readonly maxBatchRecords: number;
  /** Most payload bytes in one batch. */
  readonly maxBatchBytes: number;
  /** What opening a topic does at damage at its end. */
  readonly onCorrupt: 'stop' | 'truncate';
  /** No warnings on stderr. */
  readonly quiet: boolean;
  /** Opened to look only: no lock, nothing written. */
  readonly readOnly: boolean;
}

/** Options whose values are sizes in bytes (their errors explain the units). */
const SIZE_OPTIONS = new Set([
  'segmentBytes',
  'maxPayloadBytes',
  'maxBatchBytes',
  'retention.maxBytes',
]);

/**
 * Validates `options`, filling defaults from the environment (read now, once) and the schema.
 * @throws ERR_ANNAL_INVALID_OPTION naming the option (`field`) and listing what is allowed
 */
export function parseWalOptions(
  options: WalOptions | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): ResolvedWalOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidOptionError(`Wal.open: options must be an object: ${String(options)}`, {
      field: 'options',
    });
  }
  // An option given as undefined falls back like a missing one.
  const given = Object.fromEntries(
    Object.entries(options ?? {}).filter(([, value]) => value !== undefined),
  );
  const withEnvironment = { quiet: quietFrom(environment['ANNAL_QUIET']), ...given };
  try {
    const parsed: ResolvedWalOptions = parseOptions(walOptionsSchema, withEnvironment, 'Wal.open');
    return parsed;
  } catch (error) {
    if (!(error instanceof InvalidOptionError) || !SIZE_OPTIONS.has(error.field ?? '')) throw error;
    throw new InvalidOptionError(
      `${error.message} (KiB, MiB and GiB are powers of 1024: 1 MiB = 1,048,576 bytes; kB, MB and GB powers of 1000: 1 MB = 1,000,000 bytes)`,
      { field: error.field as string, cause: error },
    );
  }
}

/** ANNAL_QUIET as a boolean. @throws ERR_ANNAL_INVALID_OPTION for a value it does not know */
function quietFrom(value: string | undefined): boolean {
  if (value === undefined) return false;
  const key = value.trim().toLowerCase();
  const quiet = Object.hasOwn(ANNAL_QUIET_VALUES, key) ? ANNAL_QUIET_VALUES[key] : undefined;
  if (quiet === undefined) {
    throw new InvalidOptionError(
      `Wal.open: ANNAL_QUIET=${JSON.stringify(value)} is not understood: use 1, true, yes or on (quiet), or 0, false, no, off or empty (not quiet)`,
      { field: 'ANNAL_QUIET' },
    );
  }
  return quiet;
}
