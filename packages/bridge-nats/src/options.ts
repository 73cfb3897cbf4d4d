/**
 * The options of {@link BridgeOut.open} and {@link BridgeIn.open}: zod schemas holding every
 * default, validated once at the edge (ERR_ANNAL_INVALID_OPTION naming the option).
 *
 * @module
 */
import { MAX_READER_NAME_BYTES, Queue } from '@annal/core';
import { InvalidOptionError } from '@annal/native';
import { durationMs, parseOptions } from '@annal/native/internal';
import { Wal } from '@annal/wal';
import { z } from 'zod';

import { isPublishSubject } from './subjects.js';

/** Default bound of messages published and not yet acknowledged by JetStream. */
export const DEFAULT_MAX_IN_FLIGHT = 256;
/** Default time JetStream has to acknowledge a message (and to answer any request), in ms. */
export const DEFAULT_ACK_TIMEOUT_MS = 5000;
/** Default time a first connection may take, in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Default wait between two attempts to reconnect, in ms (with jitter). */
export const DEFAULT_RECONNECT_WAIT_MS = 250;
/** Default cap of the back-off between two attempts to re-synchronise with the stream, in ms. */
export const DEFAULT_MAX_BACKOFF_MS = 5000;
/** Default most messages a consuming bridge appends as one batch. */
export const DEFAULT_MAX_BATCH_RECORDS = 256;
/** Default acknowledgement timeout of a consumer a consuming bridge creates, in ms. */
export const DEFAULT_ACK_WAIT_MS = 30_000;
/** Longest `origin`, in characters (28 for a queue source without `reader`). */
export const MAX_ORIGIN_LENGTH = 64;
/**
 * The default named reader of a shipping bridge is this prefix and the origin. A queue's reader
 * names have at most `MAX_READER_NAME_BYTES` (40) bytes, so a queue source without `reader`
 * takes an origin of at most 28 characters.
 */
export const DEFAULT_READER_PREFIX = 'bridge-nats.';

/** How to reach the server: shared by both directions. */
export interface ConnectionOptions {
  /**
   * The server, or several of the same cluster: `nats://host:port` (or `tls://…`, or
   * `host:port`). Credentials may be in the URL (`nats://user:pass@host:4222`).
   */
  readonly url: string | readonly string[];
  /** User name, for a server started with `--user`/`--pass` or an `authorization` block. */
  readonly user?: string | undefined;
  /** Password of {@link user}. */
  readonly pass?: string | undefined;
  /** Token, for a server started with `--auth`. */
  readonly token?: string | undefined;
  /** How long the first connection may take: ms or a duration string. Default 5000. */
  readonly connectTimeoutMs?: number | string | undefined;
  /**
   * How long JetStream has to acknowledge a message or answer a request before the bridge
   * treats it as lost and re-synchronises: ms or a duration string. Default 5000.
   */
  readonly ackTimeoutMs?: number | string | undefined;
  /** Wait between reconnection attempts (the client adds jitter): ms or a duration. Default 250. */
  readonly reconnectWaitMs?: number | string | undefined;
  /**
   * Cap of the exponential back-off (from 50 ms, doubling) between attempts to re-synchronise
   * after a failure: ms or a duration. Default 5000.
   */
  readonly maxBackoffMs?: number | string | undefined;
}

/** A core queue to ship (`@annal/core`), by directory or open. */
export interface QueueSourceOptions {
  /** The queue's directory (opened, and closed by `close()`) or an open `Queue` (left open). */
  readonly queue: string | Queue;
  /**
   * The queue is an `@annal/archiver` recording: label each message with the record's kind,
   * stream id, direction and recorded time (headers); the payload is still the whole record.
   * Default false.
   */
  readonly archive?: boolean | undefined;
}

/** A wal topic to ship (`@annal/wal`), by directory or open. */
export interface WalSourceOptions {
  /**
   * The wal's directory (opened by the bridge, which then owns it: no other process may open
   * it) or an open `Wal` of this process (left open).
   */
  readonly wal: string | Wal;
  /** The topic. */
  readonly topic: string;
}

/** Options of {@link BridgeOut.open}. */
export interface BridgeOutOptions extends ConnectionOptions {
  /** What to ship: a queue (or archive) or a wal topic. */
  readonly source: QueueSourceOptions | WalSourceOptions;
  /** The JetStream stream; it must exist and store {@link subject}. */
  readonly stream: string;
  /** The subject every record is published on; one bridge per subject. */
  readonly subject: string;
  /**
   * The name of the local log in the stream, 1 to 64 of `A-Z a-z 0-9 _ - .`: message ids are
   * `origin:index`, and the `Annal-Origin` header says it. Keep it for the life of the log.
   */
  readonly origin: string;
  /**
   * The named reader that stores, in the local log, how far JetStream has acknowledged.
   * Default `bridge-nats.<origin>`.
   */
  readonly reader?: string | undefined;
  /** Most messages published and not yet acknowledged (1 to 65536). Default 256. */
  readonly maxInFlight?: number | undefined;
}

/** A core queue to append into, by directory (created if missing) or open. */
export interface QueueTargetOptions {
  /** The queue's directory (opened, created if missing, closed by `close()`) or an open `Queue`. */
  readonly queue: string | Queue;
}

/** A wal topic to append into, by directory (created if missing) or open. */
export interface WalTargetOptions {
  /** The wal's directory (opened and owned by the bridge) or an open `Wal` of this process. */
  readonly wal: string | Wal;
  /** The topic. */
  readonly topic: string;
}

/** Options of {@link BridgeIn.open}. */
export interface BridgeInOptions extends ConnectionOptions {
  /** The JetStream stream to consume. */
  readonly stream: string;
  /**
   * The durable pull consumer: created (explicit acks, from the first message the local log
   * does not hold) when it does not exist, used as it is when it does.
   */
  readonly consumer: string;
  /** Only messages on this subject (wildcards allowed), for a consumer the bridge creates. Default every subject. */
  readonly subject?: string | undefined;
  /** Where to append. */
  readonly target: QueueTargetOptions | WalTargetOptions;
  /**
   * Most messages appended as one batch (1 to 4096; a wal topic also bounds a batch by its own
   * `maxBatchRecords` and `maxBatchBytes`). It is also the consumer's `max_ack_pending`. Default 256.
   */
  readonly maxBatchRecords?: number | undefined;
  /**
   * The acknowledgement timeout of a consumer the bridge creates (`ack_wait`): after it,
   * JetStream redelivers a message not acknowledged. Ms or a duration. Default 30000.
   */
  readonly ackWaitMs?: number | string | undefined;
}

const urlSchema = z.string().refine(isServerUrl, {
  message:
    'must be a server URL such as "nats://127.0.0.1:4222" (nats:// or tls://, a host, an optional port)',
});

const connection = {
  url: z.union([urlSchema, z.array(urlSchema).min(1)]),
  user: z.string().optional(),
  pass: z.string().optional(),
  token: z.string().optional(),
  connectTimeoutMs: durationMs({ min: 1 }).default(DEFAULT_CONNECT_TIMEOUT_MS),
  ackTimeoutMs: durationMs({ min: 1 }).default(DEFAULT_ACK_TIMEOUT_MS),
  reconnectWaitMs: durationMs({ min: 1 }).default(DEFAULT_RECONNECT_WAIT_MS),
  maxBackoffMs: durationMs({ min: 1 }).default(DEFAULT_MAX_BACKOFF_MS),
};

const nameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,255}$/, { message: 'must be 1 to 255 of A-Z a-z 0-9 _ -' });

// Private constructors: z.instanceof() does not take them, z.custom() does the same check.
const queueSchema = z.union([
  z.string().min(1),
  z.custom<Queue>((value) => value instanceof Queue, { message: 'must be a directory or a Queue' }),
]);
const walSchema = z.union([
  z.string().min(1),
  z.custom<Wal>((value) => value instanceof Wal, { message: 'must be a directory or a Wal' }),
]);

const outSchema = z.strictObject({
  ...connection,
  source: z.union(
    [
      z.strictObject({ queue: queueSchema, archive: z.boolean().default(false) }),
      z.strictObject({ wal: walSchema, topic: z.string().min(1) }),
    ],
    {
      error:
        'must be { queue: directory | Queue, archive?: boolean } or { wal: directory | Wal, topic: string }',
    },
  ),
  stream: nameSchema,
  subject: z.string().refine(isPublishSubject, {
    message: 'must be a subject to publish on: dot-separated tokens, no wildcard, no space',
  }),
  origin: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
    message: `must be 1 to ${MAX_ORIGIN_LENGTH} of A-Z a-z 0-9 _ - .`,
  }),
  reader: z.string().min(1).optional(),
  maxInFlight: z.number().int().min(1).max(65536).default(DEFAULT_MAX_IN_FLIGHT),
});

const inSchema = z.strictObject({
  ...connection,
  stream: nameSchema,
  consumer: nameSchema,
  subject: z.string().min(1).optional(),
  target: z.union(
    [
      z.strictObject({ queue: queueSchema }),
      z.strictObject({ wal: walSchema, topic: z.string().min(1) }),
    ],
    { error: 'must be { queue: directory | Queue } or { wal: directory | Wal, topic: string }' },
  ),
  maxBatchRecords: z.number().int().min(1).max(4096).default(DEFAULT_MAX_BATCH_RECORDS),
  ackWaitMs: durationMs({ min: 1 }).default(DEFAULT_ACK_WAIT_MS),
});

/** {@link BridgeOutOptions} with every default filled in. */
export type ResolvedBridgeOutOptions = z.output<typeof outSchema>;
/** {@link BridgeInOptions} with every default filled in. */
export type ResolvedBridgeInOptions = z.output<typeof inSchema>;
/** The connection options of either, resolved. */
export type ResolvedConnectionOptions = Pick<
  ResolvedBridgeOutOptions,
  | 'url'
  | 'user'
  | 'pass'
  | 'token'
  | 'connectTimeoutMs'
  | 'ackTimeoutMs'
  | 'reconnectWaitMs'
  | 'maxBackoffMs'
>;

/** Validates the options of `BridgeOut.open`. */
export function parseBridgeOutOptions(options: unknown): Readonly<ResolvedBridgeOutOptions> {
  const resolved = parseOptions(outSchema, options, 'BridgeOut.open');
  // A queue's reader names are shorter than an origin may be: say so here, naming the origin,
  // rather than let the queue refuse a reader name the user never gave.
  if ('queue' in resolved.source && resolved.reader === undefined) {
    const longest = MAX_READER_NAME_BYTES - DEFAULT_READER_PREFIX.length;
    if (resolved.origin.length > longest) {
      throw new InvalidOptionError(
        `BridgeOut.open: origin ${JSON.stringify(resolved.origin)} is ${resolved.origin.length} characters; a queue source takes at most ${longest}, for its named reader "${DEFAULT_READER_PREFIX}<origin>" (at most ${MAX_READER_NAME_BYTES} bytes): give a shorter origin, or name the reader with \`reader\``,
        { field: 'origin' },
      );
    }
  }
  return resolved;
}

/** Validates the options of `BridgeIn.open`. */
export function parseBridgeInOptions(options: unknown): Readonly<ResolvedBridgeInOptions> {
  return parseOptions(inSchema, options, 'BridgeIn.open');
}

/** `nats://host:port`, `tls://host`, `host:port`: what the client accepts, checked before it sees it. */
function isServerUrl(text: string): boolean {
  const full = text.includes('://') ? text : `nats://${text}`;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'nats:' || url.protocol === 'tls:') &&
    url.hostname.length > 0 &&
    (url.pathname === '' || url.pathname === '/')
  );
}
