/**
 * The queue: a directory of cycle files, with its appender and readers.
 *
 * A little over 400 lines on purpose: one class, the public face of the package, and most of it
 * the documentation of its API; the directory, cycle files, index lookup, verify and repair
 * live in their own files (queue-directory.ts, cycle-files.ts, queue-index.ts, queue-verify.ts,
 * queue-repair.ts).
 *
 * @module
 */
import { resolve } from 'node:path';
import { inspect, type InspectOptions } from 'node:util';

import {
  ClosedError,
  InvalidArgumentError,
  InvalidOptionError,
  ReadOnlyError,
} from '@annal/native';

import { checkKnownKeys, checkOptionsObject, notAFunction } from './argument-checks.js';
import { describeValue } from './describe-value.js';

import { Appender } from './appender.js';
import { coarseClockView } from './coarse-clock.js';
import { CycleFiles, shapeOfNewestFile, type CycleShape } from './cycle-files.js';
import {
  parseAppenderOptions,
  parseQueueOptions,
  type AppenderOptions,
  type QueueOptions,
  type ResolvedQueueOptions,
} from './options.js';
import { directoryError, openDirectory } from './queue-directory.js';
import { IndexCodec } from './queue-index.js';
import { describeQueue, type QueueInfo } from './queue-info.js';
import { repairQueue, type RepairOptions, type RepairReport } from './queue-repair.js';
import { shapeOf } from './queue-shape.js';
import type { VerifyOptions, VerifyReport } from '@annal/native';
import { verifyQueue } from './queue-verify.js';
import { Reader, type ReaderOptions } from './reader.js';
import { rollCycleNameOf } from './roll-cycle.js';

/** What {@link Queue.deleteCycles} deletes. */
export interface DeleteCyclesOptions {
  /** Keep at least the newest `keep` cycle files (an integer ≥ 1). */
  readonly keep?: number;
  /** Delete only the cycles this returns true for. */
  readonly where?: (cycle: number, path: string) => boolean;
}

/**
 * A persistent, memory-mapped, rolling message queue in a directory (Chronicle Queue's model).
 *
 * Durability: a record is in the kernel's page cache the moment `appendSync` returns, so it survives
 * a crash of the process at once; it survives power loss or an OS crash only after an msync
 * (the `sync` option, `await appender.sync()`, `appender.syncSync()`). docs/durability.md.
 *
 * Threading: a Queue object belongs to the thread that opened it; other threads and processes
 * open the same directory themselves.
 *
 * @example
 * ```ts
 * const queue = Queue.open('/var/lib/app/orders');
 * try {
 *   const index = queue.appender().appendSync(bytes);
 *   const reader = queue.reader();
 *   for (let record = reader.next(); record; record = reader.next()) handle(record.payload);
 * } finally {
 *   queue.close();
 * }
 * ```
 */
export class Queue implements Disposable {
  /** Absolute path of the queue directory. */
  readonly directory: string;
  /** The options as given to `Queue.open`, defaults applied. */
  readonly #given: ResolvedQueueOptions;
  /** {@link Queue.options}, and the shape it was made for. */
  #options: ResolvedQueueOptions;
  #optionsShape: CycleShape | undefined;
  readonly #files: CycleFiles;
  #indices: IndexCodec;
  readonly #clock: (() => number) | Float64Array;
  #appender: Appender | undefined;
  readonly #readers = new Set<Reader>();
  #closed = false;

  private constructor(directory: string, options: ResolvedQueueOptions, given: QueueOptions) {
    this.directory = directory;
    this.#given = options;
    this.#options = options;
    // An existing queue keeps the shape its newest file records (a reader never needs the
    // writer's options); the options shape a new queue.
    const existing = shapeOfNewestFile(directory);
    const shape = existing ?? shapeOf(options, given);
    this.#files = new CycleFiles(directory, shape, existing !== undefined, options.readOnly, {
      onAcquired: options.onFileAcquired,
      onReleased: options.onFileReleased,
    });
    this.#indices = new IndexCodec(shape.sequenceBits);
    this.#clock = options.clock === Date.now ? coarseClockView() : options.clock;
  }

  /**
   * The options in force, defaults applied. The fields that shape files (`rollCycle`, `epochMs`,
   * `blockBytes`, `checksums`, `indexCount`, `indexSpacing`, `maxPayloadBytes`) are the queue's
   * real shape: as its newest cycle file records it once it has one (whatever `Queue.open` was
   * given), else what its first file will get. The others (`readOnly`, `sync`, `onCorrupt`,
   * `clock`, the listeners) are as given. {@link Queue.describe} says the same and more.
   */
  get options(): ResolvedQueueOptions {
    const shape = this.#files.shape;
    if (this.#optionsShape !== shape) {
      this.#optionsShape = shape;
      this.#options = {
        ...this.#given,
        rollCycle: rollCycleNameOf(shape.cycleLengthMs) ?? this.#given.rollCycle,
        epochMs: shape.epochMs,
        blockBytes: shape.blockBytes,
        checksums: shape.checksums ? 'crc32c' : 'off',
        indexCount: shape.indexCount,
        indexSpacing: shape.indexSpacing,
        maxPayloadBytes: shape.maxPayloadBytes,
      };
    }
    return this.#options;
  }

  /**
   * Index arithmetic of this queue (cycle and sequence of an index, and back), as its files are
   * shaped: a queue opened before its first file existed takes the shape of that file once it
   * appears (at the next directory listing).
   */
  get indices(): IndexCodec {
    const sequenceBits = this.#files.shape.sequenceBits;
    if (this.#indices.sequenceBits !== sequenceBits) this.#indices = new IndexCodec(sequenceBits);
    return this.#indices;
  }

  /**
   * Opens (creating the directory if needed, unless read-only) a queue.
   *
   * @param directory - the queue's directory
   * @param options - see {@link QueueOptions}; they shape new cycle files only: existing files
   *   keep what their headers say
   * @throws ERR_ANNAL_INVALID_OPTION naming the option
   * @example
   * ```ts
   * const queue = Queue.open('./orders', { rollCycle: 'FAST_HOURLY', sync: 'none' });
   * try {
   *   queue.appender().appendString('order 1');
   *   const reader = queue.reader();
   *   for (let record = reader.next(); record !== undefined; record = reader.next()) {
   *     console.log(record.index, record.text());
   *   }
   * } finally {
   *   queue.close();
   * }
   * ```
   */
  static open(directory: string, options: QueueOptions = {}): Queue {
    if (typeof directory !== 'string' || directory.length === 0 || directory.includes('\0')) {
      throw new InvalidArgumentError(
        `Queue.open: directory must be a non-empty path string: directory=${typeof directory === 'string' ? JSON.stringify(directory) : describeValue(directory)}`,
        { field: 'directory' },
      );
    }
    const resolved = parseQueueOptions(options);
    const absolute = resolve(directory);
    openDirectory(absolute, resolved.readOnly);
    try {
      return new Queue(absolute, resolved, options);
    } catch (error) {
      throw directoryError(error, absolute, resolved.readOnly);
    }
  }

  /**
   * Cuts a damaged queue at its first damage, so that `verify()` is clean after it: the first
   * cycle file whose header does not check out is removed with every later one; otherwise, in
   * the first cycle file with a damaged frame (a bad length word, check word or checksum, or
   * data cut short), that frame and everything after it are zeroed (as `onCorrupt: 'truncate'`
   * does), index entries pointing there are cleared, its header is set to end there, and every
   * later cycle file is removed. Damaged index entries before the cut are cleared (they lose no
   * record), and a damaged metadata file (a hint) is removed. Every file it changes or removes
   * is first copied into `backupDirectory` (and fsync'd there). Records after the cut are in
   * the backups only. Holds the queue's exclusive appender lock while it works: call it with no
   * appender open (readers may stay open, but may then meet zeroed data: close them first).
   * A damaged named-readers table is not repaired (it is reported in `after`).
   *
   * @param directory - the queue's directory (it must exist)
   * @param options - `backupDirectory`: created, when the first backup is made, if needed; must not be the queue directory
   * @throws ERR_ANNAL_LOCKED while an appender (exclusive or shared, in any process) holds the
   *   queue; ERR_ANNAL_ALREADY_EXISTS when a file of the same name is in `backupDirectory`
   *   (nothing after it is changed); ERR_ANNAL_INVALID_ARGUMENT for a bad argument
   * @example
   * ```ts
   * const report = Queue.repair('./orders', { backupDirectory: './orders-damaged' });
   * if (report.cut !== undefined) console.log(`cut at ${report.cut.path}:${report.cut.offset}`);
   * console.log(report.after.ok); // true
   * ```
   */
  static repair(directory: string, options: RepairOptions): RepairReport {
    return repairQueue(resolveDirectory(directory, 'Queue.repair'), options);
  }

  /**
   * The queue's appender, opened on first call (later calls return it). Exclusive by default:
   * it holds the directory's appender lock. With `{ shared: true }` it appends alongside other
   * shared appenders in any threads and processes (each thread or process opens its own Queue
   * and appender); see {@link AppenderOptions}.
   *
   * @throws ERR_ANNAL_LOCKED (naming the holder) when an exclusive appender, in this or another
   *   process, holds the queue, or when shared appenders do and this one is exclusive;
   *   ERR_ANNAL_READ_ONLY for a read-only queue; ERR_ANNAL_INVALID_OPTION for bad options or
   *   options that differ from those of the appender already open
   * @example
   * ```ts
   * const appender = queue.appender();
   * const index = appender.appendSync(new TextEncoder().encode('hello')); // written: survives a crash
   * await appender.sync(); // durable: survives power loss
   * ```
   */
  appender(options: AppenderOptions = {}): Appender {
    this.#checkOpen();
    const resolved = parseAppenderOptions(options);
    if (this.#given.readOnly) {
      throw new ReadOnlyError(`${this.directory} was opened read-only: it cannot be appended to`, {
        path: this.directory,
      });
    }
    const open = this.#appender;
    if (open !== undefined && !open.closed) {
      if (open.shared !== resolved.shared) {
        throw new InvalidOptionError(
          `queue.appender: shared=${String(resolved.shared)}, but this Queue's appender is open with shared=${String(open.shared)}`,
          { field: 'shared' },
        );
      }
      return open;
    }
    this.#appender = new Appender({
      files: this.#files,
      clock: this.#clock,
      sync: this.#given.sync,
      onCorrupt: this.#given.onCorrupt,
      shared: resolved.shared,
      lockTimeoutMs: resolved.lockTimeoutMs,
    });
    return this.#appender;
  }

  /**
   * A new reader: anonymous, at the start of the queue; or named (`{ name }`), where the reader
   * of that name stopped last time (restartable, like Chronicle's named tailers).
   *
   * @throws ERR_ANNAL_LOCKED when a reader of that name is open (in any process);
   *   ERR_ANNAL_READ_ONLY for a named reader of a read-only queue;
   *   ERR_ANNAL_INVALID_ARGUMENT for an empty name or one over 40 UTF-8 bytes
   * @example
   * ```ts
   * const billing = queue.reader({ name: 'billing' }); // where 'billing' stopped last time
   * for (let record = billing.next(); record !== undefined; record = billing.next()) {
   *   bill(record.payload); // a zero-copy view, valid until the next next()
   * }
   * billing.close(); // stores its position
   * ```
   */
  reader(options: ReaderOptions = {}): Reader {
    this.#checkOpen();
    // A reader leaves the queue's bookkeeping as it closes: the queue keeps only open readers.
    const reader = new Reader(this.#files, options, this.#given.onCorrupt, (closed: Reader) => {
      this.#readers.delete(closed);
    });
    this.#readers.add(reader);
    return reader;
  }

  /**
   * How many readers of this Queue are open now: a closed reader is forgotten, so a process that
   * opens a reader per request does not grow the queue.
   */
  get openReaderCount(): number {
    return this.#readers.size;
  }

  /**
   * Deletes old cycle files (retention). Never deletes the newest cycle, the appender's cycle,
   * or the cycle of any open reader of this Queue or anything after it, so nothing this Queue
   * reads is removed under it. Readers in other processes keep reading a deleted file they have
   * mapped (Linux frees its space when they unmap it); record views of this Queue over a deleted
   * file read as empty afterwards.
   *
   * @param options - `keep`: keep at least the newest `keep` cycles; `where`: delete only the
   *   cycles it returns true for (called with the cycle and its path). At least one is required.
   * @returns the cycles whose files were deleted
   * @throws ERR_ANNAL_READ_ONLY for a read-only queue; ERR_ANNAL_INVALID_ARGUMENT without a rule
   */
  deleteCycles(options: DeleteCyclesOptions): number[] {
    this.#checkOpen();
    const checked = checkOptionsObject(options);
    checkKnownKeys(checked, ['keep', 'where'], 'queue.deleteCycles');
    if (this.#given.readOnly) {
      throw new ReadOnlyError(`${this.directory} was opened read-only: nothing can be deleted`, {
        path: this.directory,
      });
    }
    const { keep, where } = checked as DeleteCyclesOptions;
    if (keep === undefined && where === undefined) {
      throw new InvalidArgumentError('deleteCycles needs `keep` or `where`', { field: 'options' });
    }
    if (keep !== undefined && !(Number.isSafeInteger(keep) && keep >= 1)) {
      throw new InvalidArgumentError(`keep must be an integer ≥ 1: keep=${describeValue(keep)}`, {
        field: 'keep',
      });
    }
    if (where !== undefined && typeof where !== 'function') throw notAFunction('where', where);
    const cycles = this.#files.listCycles();
    // The first cycle that must stay: the newest, the appender's, and every open reader's.
    let firstKept = cycles.at(-1) ?? 0;
    if (this.#appender !== undefined && !this.#appender.closed) {
      firstKept = Math.min(firstKept, this.#appender.cycle);
    }
    for (const reader of this.#readers) {
      if (!reader.closed && reader.cycle >= 0) firstKept = Math.min(firstKept, reader.cycle);
    }
    let candidates = cycles.filter((cycle) => cycle < firstKept);
    if (keep !== undefined) candidates = candidates.slice(0, Math.max(0, cycles.length - keep));
    if (where !== undefined) {
      candidates = candidates.filter((cycle) => where(cycle, this.#files.pathOf(cycle)));
    }
    return this.#files.delete(candidates);
  }

  /** Names of the named readers this queue has kept positions for. */
  readerNames(): string[] {
    this.#checkOpen();
    return this.#files.readerPositions()?.names() ?? [];
  }

  /**
   * Cycles that have a file now, ascending (a directory listing): cycle numbers, counted in roll
   * cycles from `epochMs` (20791 is the 20791st day since 1970 under `FAST_DAILY`). For their
   * files, start times and record counts, see {@link Queue.describe}.
   */
  cycles(): number[] {
    this.#checkOpen();
    return this.#files.listCycles();
  }

  /**
   * What the queue holds, as its files say now: its real shape (from its newest cycle file),
   * every cycle file with its path, size, start time and records, the first and last index, and
   * every named reader's stored position and lag. Reads the directory, each file's header and
   * the frames after its last index entry (not every payload); maps each file apart from this
   * Queue's own mappings and unmaps it before returning. Writes nothing and takes no lock, so it
   * works on a read-only queue while an appender in another process appends (records appended
   * meanwhile may or may not be counted).
   *
   * Damage met on the way is reported in `problems` (and the cycle's `problem`), not thrown:
   * {@link Queue.verify} checks everything.
   *
   * @throws ERR_ANNAL_CLOSED after close; errors of the file system (ERR_ANNAL_PERMISSION, …)
   * @example
   * ```ts
   * const queue = Queue.open('./orders', { readOnly: true });
   * const info = queue.describe();
   * console.log(info.rollCycle, info.blockBytes, info.records, info.lastIndex);
   * for (const cycle of info.cycles) console.log(new Date(cycle.startsAt), cycle.path, cycle.records);
   * queue.close();
   * ```
   */
  describe(): QueueInfo {
    this.#checkOpen();
    return describeQueue(this.#files);
  }

  /**
   * Checks every cycle file of the queue: its header (magic, version, checksum, shape, the cycle
   * its name says), every frame's length word and check word, every payload's CRC32C (with
   * checksums on), every index entry met; then the metadata file and the named readers'
   * positions table. Never stops at the first problem: past a damaged frame it goes on where
   * the frames check out again (at worst at the next indexed record). Reads every byte of the
   * data, so it takes as long as reading the queue; maps each file read-only apart from this
   * Queue's mappings and unmaps it when done. Writes nothing and takes no lock: it runs beside a
   * live appender in another process (records appended after it started may be left out; a
   * frame being written at the end of the newest cycle is not a problem).
   *
   * @param options - `maxProblems` (default 100) caps the list, `onProgress(doneBytes,
   *   totalBytes)` is called about 100 times
   * @throws ERR_ANNAL_CLOSED after close; ERR_ANNAL_INVALID_ARGUMENT or ERR_ANNAL_INVALID_OPTION
   *   for bad options
   * @example
   * ```ts
   * const report = queue.verify({ onProgress: (done, total) => console.log(`${done}/${total}`) });
   * for (const problem of report.problems) console.log(problem.path, problem.offset, problem.message);
   * ```
   */
  verify(options: VerifyOptions = {}): VerifyReport {
    this.#checkOpen();
    return verifyQueue(this.#files, options);
  }

  /** Closes the appender and readers and unmaps every file: later views read as empty. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#appender?.close();
    } finally {
      for (const reader of [...this.#readers]) reader.close();
      this.#files.close();
    }
  }

  /** Calls {@link Queue.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * What `console.log(queue)` shows: the directory, the options in force (the real shape, see
   * {@link Queue.options}) and whether it is closed.
   */
  [inspect.custom](depth: number, options: InspectOptions): string {
    if (depth < 0) return `Queue ${JSON.stringify(this.directory)}`;
    const shown = { directory: this.directory, options: this.options, closed: this.#closed };
    return `Queue ${inspect(shown, { ...options, depth: options.depth == null ? null : depth })}`;
  }

  #checkOpen(): void {
    if (this.#closed)
      throw new ClosedError(`the queue ${this.directory} is closed`, { path: this.directory });
  }
}

/** An absolute queue directory path, or ERR_ANNAL_INVALID_ARGUMENT. */
function resolveDirectory(directory: unknown, where: string): string {
  if (typeof directory !== 'string' || directory.length === 0 || directory.includes('\0')) {
    throw new InvalidArgumentError(
      `${where}: directory must be a non-empty path string: directory=${typeof directory === 'string' ? JSON.stringify(directory) : describeValue(directory)}`,
      { field: 'directory' },
    );
  }
  return resolve(directory);
}
