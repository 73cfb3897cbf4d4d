/**
 * The options of {@link Wal.open}: one zod schema holding every default (STYLE R32). Defaults
 * for `dir`, `namespace` and `quiet` may also come from ANNAL_DATA_DIR, ANNAL_NAMESPACE and
 * ANNAL_QUIET, read once per `Wal.open` (options win); nothing is kept at module level.
 *
 * @module
 */
import type { SyncPolicy } from '@annal/native';
import { byteSize, durationMs, parseOptions, syncPolicySchema } from '@annal/native/internal';
import { z } from 'zod';

import { LENGTH_MASK, SEGMENT_HEADER_BYTES, frameBytes } from './layout.js';

/** Default data directory when neither `dir` nor ANNAL_DATA_DIR is given. */
export const DEFAULT_DATA_DIR = './annal-wal';
/** Default namespace when neither `namespace` nor ANNAL_NAMESPACE is given. */
export const DEFAULT_NAMESPACE = 'default';

const MIB = 1024 * 1024;

/** How named readers' offsets are kept. See docs/durability.md. */
export type Consistency =
  'strictly-once' | { readonly atLeastOnce: { readonly persistEvery: number } };

const consistencySchema = z.union([
  z.literal('strictly-once'),
  z.strictObject({
    atLeastOnce: z.strictObject({ persistEvery: z.number().int().min(1).max(1_000_000) }),
  }),
]);

const schema = z
  .strictObject({
    /** Data directory (created if missing). Default: ANNAL_DATA_DIR, else `./annal-wal`. */
    dir: z.string().min(1),
    /** Namespace: a sub-directory owned by one process at a time. Default: ANNAL_NAMESPACE, else `default`. */
    namespace: z.string().min(1),
    /**
     * When appends become durable (survive power loss): `'each'` (`append` resolves after the
     * fdatasync that covers it; concurrent appends share one), `{ everyMs: n }`, or `'none'`.
     * Every mode survives a crash of the process as soon as `append`/`appendSync` returns.
     * Default `{ everyMs: 200 }`.
     */
    fsync: syncPolicySchema.default({ everyMs: 200 }),
    /**
     * How named readers' offsets are kept: `'strictly-once'` (stored before `readNext` returns
     * the entry) or `{ atLeastOnce: { persistEvery: n } }` (stored every n entries; after a crash
     * a reader sees at most n entries again, never skips one). Default `'strictly-once'`.
     */
    consistency: consistencySchema.default('strictly-once'),
    /**
     * How segments are written and read: `'mmap'` (mapped; an entry survives a crash of the
     * process as soon as `appendSync` returns) or `'fd'` (pwritev/preadv through a staging
     * buffer, fdatasync in the libuv pool; an entry survives a crash of the process once the current
     * turn of the event loop ends). Both write the same files. Default `'mmap'`.
     */
    backend: z.enum(['mmap', 'fd']).default('mmap'),
    /**
     * Which segments are deleted (never the one appends go to): `consumed: 'delete'` once every
     * named reader's stored offset is past them; `maxBytes`, the oldest beyond that many bytes of
     * segments per topic; `maxAgeMs`, those whose newest entry is older. Checked when a topic
     * opens or rolls, when a named reader moves past a segment, and at `wal.retain()`.
     * Default: keep everything.
     */
    retention: z
      .strictObject({
        consumed: z.enum(['keep', 'delete']).default('keep'),
        maxBytes: byteSize({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
        maxAgeMs: durationMs({ min: 1, max: Number.MAX_SAFE_INTEGER }).optional(),
      })
      .default({ consumed: 'keep' }),
    /** Bytes of one segment file, preallocated. 1 MiB to 1 GiB. Default 32 MiB. */
    segmentBytes: byteSize({ min: MIB, max: 1024 * MIB }).default(32 * MIB),
    /** Largest entry in bytes. Default 4 MiB (at most a quarter of `segmentBytes`). */
    maxEntryBytes: byteSize({ min: 1, max: LENGTH_MASK }).default(4 * MIB),
    /** Most entries in one `appendBatch`. Default 2,000. */
    maxBatchEntries: z.number().int().min(1).max(1_000_000).default(2000),
    /** Most payload bytes in one `appendBatch`. Default 8 MiB (at most half of `segmentBytes`). */
    maxBatchBytes: byteSize({ min: 1, max: 512 * MIB }).default(8 * MIB),
    /**
     * What opening a topic does when its end is damaged (a bad frame in the last segment, a cut
     * last segment, or an older segment whose tail never reached the disk): `'stop'` (throw
     * ERR_ANNAL_CORRUPT naming topic, file and byte position) or `'truncate'` (cut the log at the
     * last whole entry, keeping a copy of what is cut in the topic's `cut/` directory, with a
     * warning). A crash of the process never needs it. Default `'stop'`.
     */
    onCorrupt: z.enum(['stop', 'truncate']).default('stop'),
    /** No warnings on stderr (e.g. when `'truncate'` cuts a log). Default: ANNAL_QUIET=1, else false. */
    quiet: z.boolean(),
  })
  .superRefine((options, context) => {
    const room = options.segmentBytes - SEGMENT_HEADER_BYTES;
    if (frameBytes(options.maxEntryBytes) * 4 > room) {
      context.addIssue({
        code: 'custom',
        path: ['maxEntryBytes'],
        message: `(${options.maxEntryBytes} bytes) must leave room for 4 entries in a segment of ${options.segmentBytes} bytes`,
      });
    }
    if (options.maxBatchBytes + 16 * options.maxBatchEntries > room / 2) {
      context.addIssue({
        code: 'custom',
        path: ['maxBatchBytes'],
        message: `(${options.maxBatchBytes} bytes, plus 16 per entry for ${options.maxBatchEntries} entries) must fit in half a segment of ${options.segmentBytes} bytes`,
      });
    }
  });

/** Options of {@link Wal.open} as given; sizes take bytes or strings such as `'32 MiB'`. */
export type WalOptions = Partial<z.input<typeof schema>>;
/** Options after defaults. */
export type ResolvedWalOptions = Readonly<z.output<typeof schema>> & {
  readonly fsync: SyncPolicy;
};

/** Validates `options`, filling defaults from the environment (read now, once) and the schema. */
export function parseWalOptions(
  options: WalOptions | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): ResolvedWalOptions {
  // An option given as undefined falls back like a missing one.
  const given = Object.fromEntries(
    Object.entries(options ?? {}).filter(([, value]) => value !== undefined),
  );
  const withEnvironment = {
    dir: nonEmpty(environment['ANNAL_DATA_DIR']) ?? DEFAULT_DATA_DIR,
    namespace: nonEmpty(environment['ANNAL_NAMESPACE']) ?? DEFAULT_NAMESPACE,
    quiet: environment['ANNAL_QUIET'] === '1' || environment['ANNAL_QUIET'] === 'true',
    ...given,
  };
  return parseOptions(schema, withEnvironment, 'Wal.open') as ResolvedWalOptions;
}

/** An environment variable set to '' counts as unset. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}
