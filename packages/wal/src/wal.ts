/**
 * {@link Wal}: a topic write-ahead log owned by one process. Each instance keeps all of its
 * state (no module-level state), so several logs on different directories or namespaces live
 * side by side in one process.
 *
 * @module
 */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

import {
  ClosedError,
  FileLock,
  InvalidArgumentError,
  IoError,
  SyncScheduler,
  type AnnalError,
} from '@annal/native';
import { fromErrno } from '@annal/native/internal';

import { EventLog } from './events/event-log.js';
import { directoryName, readerNameBytes } from './names.js';
import { parseWalOptions, type ResolvedWalOptions, type WalOptions } from './options.js';
import { Topic, type Cursor, type WarningCode } from './topic.js';

/** File whose OFD lock says which process owns a namespace. */
export const WAL_LOCK_FILE = 'wal.lock';
const TOPICS_DIRECTORY = 'topics';
const DEFAULT_READER = 'default';

/** One entry as read: its offset and a copy of its bytes. */
export interface WalEntry {
  readonly offset: number;
  readonly data: Uint8Array;
}

/** Options of {@link Wal.readNext}. */
export interface ReadNextOptions {
  /** The named reader (its offset persists per topic). Default `'default'`. */
  readonly reader?: string;
  /** false: peek — return the entry without consuming it. Default true. */
  readonly checkpoint?: boolean;
}

/** Options of {@link Wal.readBatch}. */
export interface ReadBatchOptions extends ReadNextOptions, ReadLimits {}

/**
 * A write-ahead log of topics in `<dir>/<namespace>`.
 *
 * Durability (docs/durability.md): an entry survives a crash of the process as soon as
 * `appendSync`/`appendBatchSync` returns under the `mmap` backend (it is in the page cache), at
 * the end of the event-loop turn under `fd`; it survives power loss once the `fsync` schedule
 * has synced it: under `'each'` before `appendSync` returns (a sync on the calling thread) or
 * `append` resolves (a group commit off it), and `synced(topic, offset)` waits for it under any
 * schedule.
 *
 * @example
 * ```ts
 * await using wal = Wal.open({ dir: '/var/lib/app', fsync: 'each' });
 * const offset = await wal.append('orders', bytes); // durable
 * const entry = wal.readNext('orders', { reader: 'billing' });
 * ```
 */
export class Wal implements AsyncDisposable {
  /** The validated options, defaults filled in. */
  readonly options: ResolvedWalOptions;
  /** `<dir>/<namespace>`, absolute. */
  readonly directory: string;
  readonly #lock: FileLock;
  readonly #scheduler: SyncScheduler;
  /** Every open log (topics and partitions) by directory name. */
  readonly #topics = new Map<string, Topic>();
  /** Plain topics by the name users give. */
  readonly #byName = new Map<string, Topic>();
  /** The plain topic appended to last, and its name. */
  #lastName: string | undefined;
  #lastTopic: Topic | undefined;
  readonly #persistEvery: number;
  /** `fsync: 'each'`: a synchronous append syncs before it returns. */
  readonly #eachDurable: boolean;
  /** A sync on the calling thread failed: the log stops, as after a failed scheduled sync. */
  #syncFailure: AnnalError | undefined;
  /** Event logs by topic, then partition: one per partition, so its id generator is one. */
  readonly #events = new Map<string, Map<number, EventLog>>();
  #closed = false;

  private constructor(options: ResolvedWalOptions) {
    this.options = options;
    const root = resolve(options.dir);
    this.directory = join(root, directoryName('namespace', options.namespace));
    const topics = join(this.directory, TOPICS_DIRECTORY);
    try {
      mkdirSync(topics, { recursive: true });
    } catch (error) {
      throw fromErrno(error, { path: topics });
    }
    this.#lock = FileLock.acquireOrThrow(join(this.directory, WAL_LOCK_FILE));
    const consistency = options.consistency;
    this.#persistEvery = consistency === 'strictly-once' ? 1 : consistency.atLeastOnce.persistEvery;
    this.#eachDurable = options.fsync === 'each';
    this.#scheduler = new SyncScheduler({
      policy: options.fsync,
      sync: () => this.#syncAll(),
    });
  }

  /**
   * Opens (creating if needed) the log in `<dir>/<namespace>` and takes ownership of it.
   * @throws ERR_ANNAL_INVALID_OPTION naming the option; ERR_ANNAL_LOCKED naming the process
   *   that owns the namespace
   */
  static open(options?: WalOptions): Wal {
    return new Wal(parseWalOptions(options));
  }

  // ---- appending -----------------------------------------------------------------------------

  /**
   * Appends `bytes` to `topic` (created on first append) and returns its offset once it is
   * written: readable, and safe from a crash of the process (see the backend). Under
   * `fsync: 'each'` it returns once the entry also survives power loss, syncing on the calling
   * thread (one msync or fdatasync, ~0.15–2 ms here, that blocks it): use `await append` to
   * share syncs between concurrent callers. Under the other schedules it never waits.
   * @throws ERR_ANNAL_TOO_LARGE, ERR_ANNAL_INVALID_ARGUMENT, ERR_ANNAL_FULL (nothing earlier
   *   is lost), ERR_ANNAL_IO after a failed fsync (until reopened), ERR_ANNAL_CLOSED
   */
  appendSync(topic: string, bytes: Uint8Array): number {
    const log = this.#plainTopic(topic, bytes);
    const offset = log.append(bytes);
    this.#appended(log);
    return offset;
  }

  /**
   * Appends and resolves with the offset when the entry is as durable as the schedule
   * promises: under `'each'` after the fdatasync that covers it, shared with every append made
   * meanwhile (group commit, off the JS thread), otherwise at once.
   */
  async append(topic: string, bytes: Uint8Array): Promise<number> {
    const offset = this.#plainTopic(topic, bytes).append(bytes);
    await this.#appendedAsync();
    return offset;
  }

  /**
   * Appends `entries` as one batch: readers see all of them or none, and after a crash
   * reopening finds all of them or none (a commit frame follows the members on disk).
   * @returns the offsets, consecutive
   * @throws ERR_ANNAL_TOO_LARGE past maxBatchEntries or maxBatchBytes (nothing written)
   */
  appendBatchSync(topic: string, entries: readonly Uint8Array[]): number[] {
    if (!Array.isArray(entries)) {
      throw new InvalidArgumentError('entries must be an array of Uint8Array', {
        field: 'entries',
      });
    }
    const log = this.#batchTopic(topic, entries);
    const first = log.appendBatch(entries);
    this.#appended(log);
    return entries.map((_, i) => first + i);
  }

  /** {@link appendBatchSync}, resolving once durable under `'each'` (one sync for the batch). */
  async appendBatch(topic: string, entries: readonly Uint8Array[]): Promise<number[]> {
    const first = this.#batchTopic(topic, entries).appendBatch(entries);
    await this.#appendedAsync();
    return entries.map((_, i) => first + i);
  }

  /**
   * Resolves when the entry at `offset` of `topic` survives power loss (syncing now if the
   * schedule would not). Rejects with ERR_ANNAL_IO if a sync failed.
   */
  async synced(topic: string, offset: number): Promise<void> {
    const log = this.#existingTopic(topic);
    if (!(
      Number.isSafeInteger(offset) &&
      offset >= 0 &&
      log !== undefined &&
      offset < log.nextOffset
    )) {
      throw new InvalidArgumentError(
        `offset ${offset} of topic ${JSON.stringify(topic)} has not been appended`,
        { field: 'offset' },
      );
    }
    await this.#scheduler.synced();
  }

  /** The offset of the newest entry of `topic`, or undefined when it has none. */
  latestOffset(topic: string): number | undefined {
    return latest(this.#existingTopic(topic));
  }

  // ---- reading -------------------------------------------------------------------------------

  /**
   * The next entry of `topic` for the named reader, or undefined when it has read everything.
   * With `checkpoint` (the default) the entry is consumed: under `'strictly-once'` the reader's
   * new offset is stored before the entry is returned (and, under `fsync: 'each'`, synced);
   * under at-least-once every `persistEvery` entries. @throws ERR_ANNAL_CORRUPT (topic, segment, offset) at a bad entry
   */
  readNext(topic: string, options: ReadNextOptions = {}): WalEntry | undefined {
    const [log, cursor] = this.#cursor(topic, options.reader);
    if (log === undefined || cursor === undefined) return undefined;
    const location = log.peek(cursor);
    if (location === undefined) return undefined;
    const entry: WalEntry = {
      offset: location.offset,
      data: location.bytes.slice(location.start, location.start + location.length),
    };
    if (options.checkpoint !== false) {
      log.advance(cursor, location);
      this.#consumed(log, cursor, 1);
    }
    return entry;
  }

  /**
   * Up to `maxEntries` entries (and `maxBytes` of payload, but at least one entry whenever any
   * is available), consumed together like {@link readNext}.
   */
  readBatch(topic: string, options: ReadBatchOptions = {}): WalEntry[] {
    const [maxEntries, maxBytes] = readLimits(options);
    const [log, cursor] = this.#cursor(topic, options.reader);
    if (log === undefined || cursor === undefined) return [];
    // A peek must not move the reader: read from a copy of its cursor.
    const walker: Cursor = options.checkpoint === false ? { ...cursor } : cursor;
    const entries = collect(log, walker, maxEntries, maxBytes);
    if (options.checkpoint !== false && entries.length > 0) {
      this.#consumed(log, cursor, entries.length);
    }
    return entries;
  }

  /**
   * Up to `maxEntries` entries of `topic` from `offset` on (and `maxBytes` of payload, but at
   * least one entry whenever any is there), without any named reader: nothing is consumed or
   * stored. An offset older than the oldest entry kept starts at that entry.
   * @throws ERR_ANNAL_INVALID_ARGUMENT for a bad offset; ERR_ANNAL_CORRUPT at a bad entry
   */
  readFrom(topic: string, offset: number, options: ReadLimits = {}): WalEntry[] {
    checkOffset(offset);
    const limits = readLimits(options);
    const log = this.#existingTopic(topic);
    if (log === undefined) return [];
    return collect(log, log.cursorAt(offset), limits[0], limits[1]);
  }

  /**
   * The sub-log for partition `partition` of `topic`, as the event layer uses it: partitions
   * are independent logs with offsets of their own, kept apart from every plain topic.
   * @internal
   */
  partitionLog(topic: string, partition: number): SubLog {
    if (!(Number.isSafeInteger(partition) && partition >= 0 && partition <= MAX_PARTITION)) {
      throw new InvalidArgumentError(
        `partition must be an integer from 0 to ${MAX_PARTITION}: ${String(partition)}`,
        { field: 'partition' },
      );
    }
    // '~' never appears in an encoded topic name (names.ts encodes it), so a partition's
    // directory can never be a plain topic's.
    const key = `${directoryName('topic', topic)}~${partition}`;
    const name = `${topic}#${partition}`;
    const writable = (bytes: Uint8Array): Topic => {
      if (!(bytes instanceof Uint8Array)) throw notBytes();
      this.#checkWritable();
      return this.#writable(key, name);
    };
    return {
      appendSync: (bytes) => {
        const log = writable(bytes);
        const offset = log.append(bytes);
        this.#appended(log);
        return offset;
      },
      append: async (bytes) => {
        const offset = writable(bytes).append(bytes);
        await this.#appendedAsync();
        return offset;
      },
      readFrom: (offset, maxEntries) => {
        checkOffset(offset);
        const log = this.#existing(key, name);
        if (log === undefined) return [];
        return collect(log, log.cursorAt(offset), maxEntries, Number.MAX_SAFE_INTEGER);
      },
      latestOffset: () => latest(this.#existing(key, name)),
      synced: () => this.#scheduler.synced(),
    };
  }

  /**
   * The events of partition `partition` of `topic`: typed events with UUIDv7 ids over the
   * partition's own sub-log (offsets of its own, never visible as a plain topic). The same
   * {@link EventLog} comes back for the same topic and partition.
   * @param partition - 0 … {@link MAX_PARTITION}; default 0
   * @throws ERR_ANNAL_INVALID_ARGUMENT naming `topic` or `partition`; ERR_ANNAL_CLOSED
   * @example
   * ```ts
   * const orders = wal.events('orders', 1);
   * await orders.appendEvent({ type: 'order.created', data: { json: { id: 1 } } });
   * ```
   */
  events(topic: string, partition = 0): EventLog {
    if (this.#closed) throw new ClosedError('the wal is closed', { field: 'wal' });
    const cached = this.#events.get(topic)?.get(partition);
    if (cached !== undefined) return cached;
    // Validates the topic and the partition before anything is cached.
    const log = new EventLog(
      this.partitionLog(topic, partition),
      topic,
      partition,
      this.options.maxEntryBytes,
    );
    let partitions = this.#events.get(topic);
    if (partitions === undefined) {
      partitions = new Map<number, EventLog>();
      this.#events.set(topic, partitions);
    }
    partitions.set(partition, log);
    return log;
  }

  // ---- retention -----------------------------------------------------------------------------

  /**
   * Applies the `retention` option now to `topic` (or to every topic open in this process) and
   * resolves when the segments it lets go are deleted. The log also does this by itself when a
   * topic opens or rolls and when a named reader moves past a segment; call it from a timer to
   * apply `maxAgeMs` to topics that no longer grow.
   */
  async retain(topic?: string): Promise<void> {
    const logs =
      topic === undefined
        ? [...this.#topics.values()]
        : [this.#existingTopic(topic)].filter((log) => log !== undefined);
    await Promise.all(logs.map((log) => log.retain()));
  }

  // ---- lifetime ------------------------------------------------------------------------------

  /**
   * Syncs (unless the schedule is `'none'`), unmaps everything and releases the namespace.
   * @throws ERR_ANNAL_IO when the final sync fails (everything is released all the same)
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#scheduler.close();
      // The scheduler syncs at close only what went through it: appendSync under 'each' and
      // reader offsets may not have. One more sync covers everything.
      if (this.options.fsync !== 'none' && this.#syncFailure === undefined) await this.#syncAll();
    } finally {
      // A retention run in progress finishes first (it only deletes files the log let go).
      await Promise.all([...this.#topics.values()].map((topic) => topic.settled()));
      for (const topic of this.#topics.values()) topic.close();
      this.#topics.clear();
      this.#byName.clear();
      this.#lastTopic = undefined;
      this.#lock.release();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals -----------------------------------------------------------------------------

  /** @throws ERR_ANNAL_CLOSED after close, or the failure of an earlier sync */
  #checkWritable(): void {
    if (this.#closed) throw new ClosedError('the wal is closed', { field: 'wal' });
    const failure: AnnalError | undefined = this.#scheduler.failure ?? this.#syncFailure;
    if (failure !== undefined) throw failure;
  }

  /** The plain topic `topic` for an append of `bytes`, checked before anything is created. */
  #plainTopic(topic: string, bytes: Uint8Array): Topic {
    if (!(bytes instanceof Uint8Array)) throw notBytes();
    this.#checkWritable();
    // Most callers append to one topic in a row: the same string skips the Map.
    let log = this.#lastTopic;
    if (topic !== this.#lastName || log === undefined) {
      log = this.#byName.get(topic) ?? this.#writable(this.#topicKey(topic), topic);
      this.#lastName = topic;
      this.#lastTopic = log;
    }
    return log;
  }

  #batchTopic(topic: string, entries: readonly Uint8Array[]): Topic {
    if (!Array.isArray(entries)) {
      throw new InvalidArgumentError('entries must be an array of Uint8Array', {
        field: 'entries',
      });
    }
    this.#checkWritable();
    return this.#byName.get(topic) ?? this.#writable(this.#topicKey(topic), topic);
  }

  /**
   * After a synchronous append to `log`: under `'each'` it is synced here, on the calling thread
   * (the call returns durable); otherwise the schedule takes it.
   * @throws ERR_ANNAL_IO when that sync fails (and every later append throws it)
   */
  #appended(log: Topic): void {
    if (!this.#eachDurable) {
      this.#scheduler.written();
      return;
    }
    this.#synced(() => log.syncSync());
  }

  /** Runs a sync on the calling thread; a failure stops the log as a scheduled one does. */
  #synced(sync: () => void): void {
    try {
      sync();
    } catch (error) {
      const reason = fromErrno(error);
      this.#syncFailure ??= new IoError(
        `A sync failed; data written since the last successful sync may not be durable: ${reason.message}`,
        { cause: reason, ...(reason.path === undefined ? {} : { path: reason.path }) },
      );
      throw this.#syncFailure;
    }
  }

  /** After an asynchronous append: waits for the sync that covers it under `'each'`. */
  #appendedAsync(): Promise<void> | undefined {
    this.#scheduler.written();
    return this.#eachDurable ? this.#scheduler.synced() : undefined;
  }

  /** The log under directory `key` (a topic's encoded name, or a partition's), opened or created. */
  #writable(key: string, name: string): Topic {
    return this.#topics.get(key) ?? this.#openTopic(key, name);
  }

  /** The plain topic `topic` if it exists, without creating it (found by name once open). */
  #existingTopic(topic: string): Topic | undefined {
    if (this.#closed) throw new ClosedError('the wal is closed', { field: 'wal' });
    return this.#byName.get(topic) ?? this.#existing(this.#topicKey(topic), topic);
  }

  /** The log under directory `key` if it exists (in memory or on disk), without creating it. */
  #existing(key: string, name: string): Topic | undefined {
    if (this.#closed) throw new ClosedError('the wal is closed', { field: 'wal' });
    const log = this.#topics.get(key);
    if (log !== undefined) return log;
    if (!existsDirectory(join(this.#topicsDirectory, key))) return undefined;
    return this.#openTopic(key, name);
  }

  #openTopic(key: string, name: string): Topic {
    const log = new Topic(name, join(this.#topicsDirectory, key), this.options, (code, message) => {
      if (!this.options.quiet) emitWarningNow(code, message);
    });
    this.#topics.set(key, log);
    // Plain topics are also found by name: the append path then never encodes it again.
    if (!key.includes('~')) this.#byName.set(name, log);
    return log;
  }

  /** A topic's directory name (validated and %XX-encoded: it can never leave the data directory). */
  #topicKey(topic: string): string {
    return directoryName('topic', topic);
  }

  get #topicsDirectory(): string {
    return join(this.directory, TOPICS_DIRECTORY);
  }

  #cursor(topic: string, reader: string | undefined): [Topic?, Cursor?] {
    const name = reader ?? DEFAULT_READER;
    const log = this.#existingTopic(topic);
    if (log === undefined) {
      readerNameBytes(name); // a bad name is refused even before its topic exists
      return [];
    }
    // A known reader is found by its name alone: its UTF-8 bytes are needed only once.
    return [log, log.knownCursor(name) ?? log.cursor(name, readerNameBytes(name))];
  }

  /** After `count` entries were consumed: stores the offset when the consistency mode says so. */
  #consumed(log: Topic, cursor: Cursor, count: number): void {
    cursor.sinceStore += count;
    if (cursor.sinceStore < this.#persistEvery) return;
    log.storeOffset(cursor);
    // Under 'each' the stored offset is durable before the read returns; otherwise the
    // schedule's next sync covers it, like an append's.
    if (this.#eachDurable) this.#synced(() => log.syncReadersSync());
    else this.#scheduler.written();
  }

  async #syncAll(): Promise<void> {
    await Promise.all([...this.#topics.values()].map((topic) => topic.syncAsync()));
  }
}

/** Limits of a read: how many entries, how many payload bytes. */
export interface ReadLimits {
  /** Stop before this many payload bytes (one entry is returned whatever its size). Default 1 MiB. */
  readonly maxBytes?: number;
  /** Stop at this many entries. Default 2,000. */
  readonly maxEntries?: number;
}

/**
 * One sub-log as the event layer uses it (a partition of a topic): appends, reads by offset,
 * the newest offset and durability, with the semantics of the {@link Wal} methods of the same
 * names. @internal
 */
export interface SubLog {
  appendSync(bytes: Uint8Array): number;
  append(bytes: Uint8Array): Promise<number>;
  /** Up to `maxEntries` entries from `offset` on (copies). */
  readFrom(offset: number, maxEntries: number): WalEntry[];
  latestOffset(): number | undefined;
  /** Resolves when everything appended so far survives power loss. */
  synced(): Promise<void>;
}

/** Highest partition number (partitions are 0 … MAX_PARTITION). */
export const MAX_PARTITION = 65_535;

function notBytes(): InvalidArgumentError {
  return new InvalidArgumentError('bytes must be a Uint8Array', { field: 'bytes' });
}

function readLimits(options: ReadLimits): [maxEntries: number, maxBytes: number] {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const maxEntries = options.maxEntries ?? 2000;
  if (!(Number.isSafeInteger(maxEntries) && maxEntries >= 1)) {
    throw new InvalidArgumentError(`maxEntries must be a positive integer: ${maxEntries}`, {
      field: 'maxEntries',
    });
  }
  if (!(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) {
    throw new InvalidArgumentError(`maxBytes must be a non-negative integer: ${maxBytes}`, {
      field: 'maxBytes',
    });
  }
  return [maxEntries, maxBytes];
}

function checkOffset(offset: number): void {
  if (!(Number.isSafeInteger(offset) && offset >= 0)) {
    throw new InvalidArgumentError(`offset must be a non-negative integer: ${String(offset)}`, {
      field: 'offset',
    });
  }
}

/**
 * Copies entries from `cursor` on, moving it, within the limits (at least one if any). A bad
 * entry ends the batch before it, so what was read is returned (and a named reader's place
 * stored) and the next read reports it; only a batch that would be empty throws.
 */
function collect(log: Topic, cursor: Cursor, maxEntries: number, maxBytes: number): WalEntry[] {
  const entries: WalEntry[] = [];
  try {
    collectInto(entries, log, cursor, maxEntries, maxBytes);
  } catch (error) {
    if (entries.length === 0) throw error;
  }
  return entries;
}

function collectInto(
  entries: WalEntry[],
  log: Topic,
  cursor: Cursor,
  maxEntries: number,
  maxBytes: number,
): void {
  let bytes = 0;
  while (entries.length < maxEntries) {
    const location = log.peek(cursor);
    if (location === undefined) break;
    if (entries.length > 0 && bytes + location.length > maxBytes) break;
    bytes += location.length;
    entries.push({
      offset: location.offset,
      data: location.bytes.slice(location.start, location.start + location.length),
    });
    log.advance(cursor, location);
  }
}

function latest(log: Topic | undefined): number | undefined {
  return log === undefined || log.nextOffset === 0 ? undefined : log.nextOffset - 1;
}

function existsDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Emits a process warning now, not on the next tick as `process.emitWarning` does: what
 * recovery cut is said before the call that opened the topic returns, so a `process.exit()`
 * right after it cannot swallow it. `--no-warnings` still silences it, and
 * `process.on('warning')` listeners get it.
 */
function emitWarningNow(code: WarningCode, message: string): void {
  const warning = Object.assign(new Error(message), { name: 'Warning', code });
  process.emit('warning', warning);
}
