/**
 * {@link Wal}: a topic write-ahead log owned by one process. Each instance keeps all of its
 * state (no module-level state), so several logs on different directories live side by side in
 * one process. Topics are in topic-registry.ts and topic.ts, durability in durability.ts,
 * readers in wal-reader.ts, the event layer in events/.
 *
 * About 530 lines on purpose: one class, the public face of the package, and a third of
 * it the documentation of each method (its `@throws` above all); every method is a short check of
 * its arguments followed by a call into the modules above.
 *
 * @module
 */
import { join, resolve } from 'node:path';

import { ClosedError, FileLock, InvalidArgumentError, LockedError } from '@annal/native';

import {
  checkArray,
  checkFunction,
  checkIndex,
  checkInteger,
  checkOptionsObject,
  checkPayload,
  describeValue,
} from './arguments.js';
import { checkWalDirectory, directoryError, makeDirectory, readOnlyError } from './directories.js';
import { Durability } from './durability.js';
import { EventLog } from './events/event-log.js';
import { readerNameBytes } from './names.js';
import { parseWalOptions, type ResolvedWalOptions, type WalOptions } from './options.js';
import { collect, readLimits, type ReadLimits, type WalRecord } from './record.js';
import { checkPartition, lastIndexOf, partitionLog } from './sub-log.js';
import type { Topic } from './topic.js';
import { describeTopics, type TopicInfo } from './topic-info.js';
import { TOPICS_DIRECTORY, TopicRegistry } from './topic-registry.js';
import { verifySegments, type VerifyOptions, type VerifyReport } from './verify.js';
import type { WalHost } from './wal-host.js';
import { WalReader, type WalReaderOptions } from './wal-reader.js';

/** File whose OFD lock says which process owns a wal's directory. */
export const WAL_LOCK_FILE = 'wal.lock';

/**
 * A write-ahead log of topics in one directory, owned by one process at a time.
 *
 * Threading: use a Wal (and its readers and event logs) on the thread that opened it. Another
 * process opening the same directory gets ERR_ANNAL_LOCKED, unless it opens it `readOnly` to
 * look (see {@link Wal.open}).
 *
 * Durability (docs/durability.md): a record survives a crash of the process as soon as
 * `appendSync`/`appendBatchSync` returns under the `mmap` backend (it is in the page cache), at
 * the end of the event-loop turn under `fd`; it survives power loss once the `sync` schedule has
 * synced it: under `'each'` before `appendSync` returns (a sync on the calling thread) or
 * `append` resolves (a group commit off it), and `await wal.sync()` makes everything appended so
 * far durable under any schedule.
 */
export class Wal implements AsyncDisposable {
  /** The validated options, defaults filled in. */
  readonly options: ResolvedWalOptions;
  /** The directory, absolute. */
  readonly directory: string;
  /** The lock that makes this process the owner; undefined when opened read-only. */
  readonly #lock: FileLock | undefined;
  readonly #topics: TopicRegistry;
  readonly #durability: Durability;
  readonly #host: WalHost;
  /** The plain topic appended to last, and its name: the same string skips the Map. */
  #lastName: string | undefined;
  #lastTopic: Topic | undefined;
  /** Event logs by topic, then partition: one per partition, so its id generator is one. */
  readonly #events = new Map<string, Map<number, EventLog>>();
  /** Open readers, and the names held per topic (directory name). */
  readonly #readers = new Set<WalReader>();
  readonly #names = new Map<string, Set<string>>();
  #closed = false;

  private constructor(directory: string, options: ResolvedWalOptions) {
    this.options = options;
    this.directory = directory;
    const topics = join(directory, TOPICS_DIRECTORY);
    if (options.readOnly) {
      // Looks only: no lock (the owner may be appending), nothing created.
      checkWalDirectory(directory, topics);
      this.#lock = undefined;
    } else {
      try {
        makeDirectory(topics);
      } catch (error) {
        throw directoryError(error, topics);
      }
      try {
        this.#lock = FileLock.acquireOrThrow(join(directory, WAL_LOCK_FILE));
      } catch (error) {
        throw directoryError(error, join(directory, WAL_LOCK_FILE));
      }
    }
    this.#topics = new TopicRegistry(topics, options);
    this.#durability = new Durability(options, () => this.#syncAll());
    this.#host = {
      topics: this.#topics,
      durability: this.#durability,
      directory,
      maxPayloadBytes: options.maxPayloadBytes,
      checkOpen: () => this.#checkOpen(),
      checkWritable: () => this.#checkWritable(),
      isClosed: () => this.#closed,
      readOnly: options.readOnly,
    };
  }

  /**
   * Opens (creating if needed) the log in `directory` and takes ownership of it; with
   * `readOnly: true`, opens an existing log to look at it, without owning it (see below).
   *
   * Read-only: no lock is taken and nothing is written anywhere (no recovery, no stored reader
   * places, no directory created), so it works beside the process that owns the log, and on a
   * read-only file system. Reads made after that process appends see what it appended, across
   * its rolls and its retention. Where the records stop (a torn tail a crash left) is the end;
   * a damaged frame a read reaches is ERR_ANNAL_CORRUPT. Every write method, and a named reader
   * (it would store its place), throws ERR_ANNAL_READ_ONLY.
   * @param directory - where the log lives (created with its parents if missing, unless
   *   `readOnly`)
   * @param options - see {@link WalOptions}; sizes take bytes or strings such as `'32 MiB'`
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`directory`); ERR_ANNAL_INVALID_OPTION naming the option
   *   and what it allows; ERR_ANNAL_LOCKED naming the process that owns the directory;
   *   ERR_ANNAL_READ_ONLY on a read-only file system, ERR_ANNAL_PERMISSION, ERR_ANNAL_NOT_FOUND
   *   (a path through a file), each naming the path. Read-only: ERR_ANNAL_NOT_FOUND naming a
   *   missing directory, ERR_ANNAL_INVALID_ARGUMENT naming one that is not a wal
   * @example
   * ```ts
   * const wal = Wal.open('./events', { sync: 'each' });
   * const index = await wal.append('orders', new TextEncoder().encode('{"id":1}')); // durable
   * const [record] = wal.readFrom('orders', index);
   * await wal.close();
   * ```
   */
  static open(directory: string, options?: WalOptions): Wal {
    if (typeof directory !== 'string' || directory === '') {
      throw new InvalidArgumentError(
        `directory must be a non-empty string (Wal.open(directory, options)): ${describeValue(directory)}`,
        { field: 'directory' },
      );
    }
    return new Wal(resolve(directory), parseWalOptions(options));
  }

  // ---- appending -----------------------------------------------------------------------------

  /**
   * Appends `payload` to `topic` (created on first append) and returns its index once it is
   * written: readable, and safe from a crash of the process (see the backend). Under
   * `sync: 'each'` it returns once the record also survives power loss, syncing on the calling
   * thread (one msync or fdatasync that blocks it): use `await append` to share syncs between
   * concurrent callers. Under the other schedules it never waits.
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`, `payload`); ERR_ANNAL_TOO_LARGE past
   *   `maxPayloadBytes`; ERR_ANNAL_FULL (nothing earlier is lost); ERR_ANNAL_IO after a failed
   *   sync (until reopened); ERR_ANNAL_CLOSED
   */
  appendSync(topic: string, payload: Uint8Array): number {
    const log = this.#appendTopic(topic, payload);
    const index = log.append(payload);
    this.#durability.appendedSync(log);
    return index;
  }

  /**
   * Appends and resolves with the index when the record is as durable as the schedule
   * promises: under `'each'` after the fdatasync that covers it, shared with every append made
   * meanwhile (group commit, off the JS thread), otherwise at once. Rejects with the errors of
   * {@link appendSync}.
   */
  async append(topic: string, payload: Uint8Array): Promise<number> {
    const index = this.#appendTopic(topic, payload).append(payload);
    await this.#durability.appended();
    return index;
  }

  /**
   * Appends `payloads` as one batch: readers see all of them or none, and after a crash
   * reopening finds all of them or none (a commit frame follows the members on disk). An empty
   * batch writes nothing and returns `[]`.
   * @returns the indexes, consecutive
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`, `payloads`, `payloads[i]`); ERR_ANNAL_TOO_LARGE
   *   past `maxBatchRecords`, `maxBatchBytes` or `maxPayloadBytes` (nothing written); as
   *   {@link appendSync}
   */
  appendBatchSync(topic: string, payloads: readonly Uint8Array[]): number[] {
    const log = this.#batchTopic(topic, payloads);
    const first = log.appendBatch(payloads);
    if (payloads.length > 0) this.#durability.appendedSync(log);
    return indexes(first, payloads.length);
  }

  /** {@link appendBatchSync}, resolving once durable under `'each'` (one sync for the batch). */
  async appendBatch(topic: string, payloads: readonly Uint8Array[]): Promise<number[]> {
    const first = this.#batchTopic(topic, payloads).appendBatch(payloads);
    if (payloads.length > 0) await this.#durability.appended();
    return indexes(first, payloads.length);
  }

  /**
   * Resolves when everything appended so far (and every named reader's stored place) survives
   * power loss, syncing off the JS thread now if the schedule would not yet.
   * @throws (rejects) ERR_ANNAL_IO if a sync failed; ERR_ANNAL_CLOSED
   */
  async sync(): Promise<void> {
    this.#checkOpen();
    // Read-only: nothing was written, nothing to sync.
    if (this.options.readOnly) return;
    await this.#durability.sync();
  }

  /** {@link sync} on the calling thread, which it blocks. @throws ERR_ANNAL_IO, ERR_ANNAL_CLOSED */
  syncSync(): void {
    this.#checkOpen();
    if (this.options.readOnly) return;
    this.#durability.syncSync(this.#topics.values());
  }

  /**
   * The index of the newest record of `topic`, or undefined when it has none.
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`); ERR_ANNAL_CLOSED
   */
  lastIndex(topic: string): number | undefined {
    const log = this.#existingTopic(topic);
    log?.refresh();
    return lastIndexOf(log);
  }

  /**
   * Every topic and event-log partition in the directory, sorted by topic then partition: its
   * indexes, segment files and named readers (with how far behind they are). Opened read-only,
   * it describes what the owning process has written so far.
   * @throws ERR_ANNAL_CORRUPT at a damaged segment header or readers table; ERR_ANNAL_CLOSED
   * @example
   * ```ts
   * for (const t of Wal.open('./events', { readOnly: true }).topics()) {
   *   console.log(t.topic, t.partition ?? '-', t.records, t.readers.map((r) => `${r.name}:${r.lag}`));
   * }
   * ```
   */
  topics(): TopicInfo[] {
    this.#checkOpen();
    return describeTopics(this.#topics);
  }

  /**
   * Checks every frame and checksum of every segment file (or of `options.topic`'s plain log and
   * partitions), going on past each problem, and reports what it found. Writes nothing; works
   * read-only, beside the owning process. A torn tail a crash left after the last committed
   * frame of a newest segment is not a problem (reopening to write zeroes it): it is counted in
   * `tornTailBytes`.
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`, `maxProblems`, `onProgress`); ERR_ANNAL_CLOSED
   */
  verify(options: VerifyOptions = {}): VerifyReport {
    this.#checkOpen();
    checkOptionsObject(options, 'options');
    if (options.maxProblems !== undefined) checkInteger(options.maxProblems, 'maxProblems', 0);
    if (options.onProgress !== undefined) checkFunction(options.onProgress, 'onProgress');
    const only = options.topic === undefined ? undefined : this.#topics.key(options.topic);
    const targets = this.#topics
      .listed()
      .filter(({ key }) => only === undefined || key === only || key.startsWith(`${only}~`))
      .map(({ key, topic, partition }) => ({
        directory: join(this.directory, TOPICS_DIRECTORY, key),
        name: partition === undefined ? topic : `${topic}#${partition}`,
      }));
    return verifySegments(targets, this.options, options);
  }

  // ---- reading -------------------------------------------------------------------------------

  /**
   * A reader of `topic` (which need not exist yet). With a `name`, its place is stored in the
   * topic and it goes on from there after a restart; only one reader per name may be open.
   * Without, it starts at the oldest record and stores nothing. Close it when done.
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`, `options`, `name`); ERR_ANNAL_LOCKED when a
   *   reader of that name is open; ERR_ANNAL_CLOSED
   * @example
   * ```ts
   * const audit = wal.reader('orders', { name: 'audit' });
   * audit.poll((record) => console.log(record.index, record.text()), 100); // up to 100, zero-copy
   * audit.close();
   * ```
   */
  reader(topic: string, options: WalReaderOptions = {}): WalReader {
    this.#checkOpen();
    const key = this.#topics.key(topic);
    checkOptionsObject(options, 'options');
    const name = options.name;
    const nameBytes = name === undefined ? undefined : readerNameBytes(name);
    if (name !== undefined && this.options.readOnly) {
      throw readOnlyError(
        this.directory,
        `a reader named ${JSON.stringify(name)} stores its place`,
      );
    }
    let held = this.#names.get(key);
    if (name !== undefined && held?.has(name) === true) {
      throw new LockedError(
        `topic ${JSON.stringify(topic)}: a reader named ${JSON.stringify(name)} is already open in this process; close it first`,
        { field: 'name' },
      );
    }
    if (name !== undefined) {
      held ??= new Set<string>();
      this.#names.set(key, held);
      held.add(name);
    }
    const release = (): void => {
      this.#readers.delete(reader);
      if (name === undefined || held === undefined) return;
      held.delete(name);
      if (held.size === 0 && this.#names.get(key) === held) this.#names.delete(key);
    };
    let reader: WalReader;
    try {
      // Opening the topic (its first use) may find damage: the name must not stay taken.
      reader = new WalReader(this.#host, topic, key, name, nameBytes, release);
    } catch (error) {
      if (name !== undefined) held?.delete(name);
      throw error;
    }
    this.#readers.add(reader);
    return reader;
  }

  /**
   * The names of the named readers `topic` has stored a place for (open or not), in the order
   * they were first used. @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`); ERR_ANNAL_CORRUPT at a
   * damaged readers table; ERR_ANNAL_CLOSED
   */
  readerNames(topic: string): string[] {
    return this.#existingTopic(topic)?.readerNames() ?? [];
  }

  /**
   * Up to `maxRecords` records of `topic` from `index` on (and `maxBytes` of payload, but at
   * least one record whenever any is there), each a copy, without any reader: nothing is
   * consumed or stored. An index older than the oldest record kept starts at that record.
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`, `index`, `maxRecords`, `maxBytes`);
   *   ERR_ANNAL_CORRUPT at a damaged record; ERR_ANNAL_CLOSED
   */
  readFrom(topic: string, index: number, limits?: ReadLimits): WalRecord[] {
    checkIndex(index);
    const [maxRecords, maxBytes] = readLimits(limits);
    const log = this.#existingTopic(topic);
    if (log === undefined) return [];
    return collect(log, log.cursorAt(index), maxRecords, maxBytes);
  }

  /**
   * The events of partition `partition` of `topic`: typed events with UUIDv7 ids over the
   * partition's own log (indexes of its own, never visible as a plain topic). The same
   * {@link EventLog} comes back for the same topic and partition.
   * @param partition - 0 … {@link MAX_PARTITION}; default 0
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`, `partition`); ERR_ANNAL_CLOSED
   */
  events(topic: string, partition = 0): EventLog {
    this.#checkOpen();
    const cached = this.#events.get(topic)?.get(partition);
    if (cached !== undefined) return cached;
    this.#topics.key(topic);
    checkPartition(partition);
    const log = new EventLog(
      partitionLog(this.#host, topic, partition),
      topic,
      partition,
      this.options.maxPayloadBytes,
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
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`); ERR_ANNAL_CLOSED
   */
  async retain(topic?: string): Promise<void> {
    this.#checkOpen();
    if (this.options.readOnly) throw readOnlyError(this.directory, 'retain deletes segments');
    const logs =
      topic === undefined
        ? [...this.#topics.values()]
        : [this.#existingTopic(topic)].filter((log) => log !== undefined);
    await Promise.all(logs.map((log) => log.retain()));
  }

  // ---- lifetime ------------------------------------------------------------------------------

  /**
   * Syncs (unless the schedule is `'none'`) off the JS thread, closes every reader, unmaps
   * everything and releases the directory. Idempotent.
   * @throws (rejects) ERR_ANNAL_IO when the final sync fails (everything is released all the same)
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    // Readers first, while the wal is open: each stores its place, and the final sync covers it.
    this.#closeReaders();
    this.#closed = true;
    if (this.options.readOnly) {
      await this.#durability.close();
      this.#release();
      return;
    }
    try {
      await this.#durability.close();
      // The schedule syncs at close only what went through it: appendSync under 'each' and
      // reader places may not have. One more sync covers everything.
      if (this.options.sync !== 'none' && this.#durability.failure === undefined) {
        await this.#syncAll();
      }
    } finally {
      // A retention run in progress finishes first (it only deletes files the log let go).
      await Promise.all([...this.#topics.values()].map((topic) => topic.settled()));
      this.#release();
    }
  }

  /**
   * {@link close} on the calling thread: syncs (unless `'none'`) there, then releases everything.
   * A retention run or spare segment in progress is abandoned (a spare left behind is removed
   * at the next open). @throws ERR_ANNAL_IO when the final sync fails (everything is released)
   */
  closeSync(): void {
    if (this.#closed) return;
    this.#closeReaders();
    this.#closed = true;
    if (this.options.readOnly) {
      this.#release();
      this.#durability.close().catch(() => undefined);
      return;
    }
    try {
      // Syncs still in the pool are redone here, on this thread (the topics close below): what
      // they cover is durable before their promises resolve.
      if (this.options.sync !== 'none') {
        this.#durability.syncSync(this.#topics.values());
        this.#durability.syncedAtClose();
      }
    } finally {
      this.#release();
      // Stops the schedule; what it would sync was synced above (and the topics are closed).
      this.#durability.close().catch(() => undefined);
    }
  }

  /** Calls {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals -----------------------------------------------------------------------------

  #closeReaders(): void {
    for (const reader of [...this.#readers]) {
      try {
        reader.close();
      } catch {
        // Storing its place failed (a failed sync under 'each'): close reports the failure.
      }
    }
  }

  #release(): void {
    this.#closeReaders();
    this.#topics.close();
    this.#lastTopic = undefined;
    this.#lastName = undefined;
    this.#lock?.release();
  }

  #checkOpen(): void {
    if (this.#closed)
      throw new ClosedError(`the wal in ${this.directory} is closed`, { field: 'wal' });
  }

  /** @throws ERR_ANNAL_CLOSED after close, or the failure of an earlier sync; ERR_ANNAL_READ_ONLY */
  #checkWritable(): void {
    this.#checkOpen();
    if (this.options.readOnly) throw readOnlyError(this.directory, 'appending');
    const failure = this.#durability.failure;
    if (failure !== undefined) throw failure;
  }

  /** The plain topic `topic` for an append of `payload`, checked before anything is created. */
  #appendTopic(topic: string, payload: Uint8Array): Topic {
    // The hot path: the checks inline, their errors out of line.
    if (!(payload instanceof Uint8Array)) checkPayload(payload);
    if (this.#closed || this.#durability.failure !== undefined) this.#checkWritable();
    let log = this.#lastTopic;
    if (topic !== this.#lastName || log === undefined) {
      log = this.#topics.writable(topic);
      this.#lastName = topic;
      this.#lastTopic = log;
    }
    return log;
  }

  #batchTopic(topic: string, payloads: readonly Uint8Array[]): Topic {
    checkArray(payloads, 'payloads');
    this.#checkWritable();
    return this.#topics.writable(topic);
  }

  /** The plain topic `topic` if it exists, without creating it. */
  #existingTopic(topic: string): Topic | undefined {
    this.#checkOpen();
    return this.#topics.existing(topic);
  }

  async #syncAll(): Promise<void> {
    await Promise.all([...this.#topics.values()].map((topic) => topic.sync()));
  }
}

/** `count` consecutive indexes from `first`. */
function indexes(first: number, count: number): number[] {
  const result = new Array<number>(count);
  for (let i = 0; i < count; i++) result[i] = first + i;
  return result;
}
