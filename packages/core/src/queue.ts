/**
 * The queue: a directory of cycle files, with its appender and readers.
 *
 * @module
 */
import { accessSync, constants, existsSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

import {
  AnnalError,
  ClosedError,
  InvalidArgumentError,
  InvalidOptionError,
  NotFoundError,
  PermissionError,
  ReadOnlyError,
  fromErrno,
} from '@annal/native';

import { checkKnownKeys, checkOptionsObject, notAFunction } from './argument-checks.js';
import { describeValue } from './describe-value.js';

import { Appender } from './appender.js';
import { coarseClockView } from './coarse-clock.js';
import type { CycleShape } from './cycle-files.js';
import { CycleFiles, shapeOfNewestFile } from './cycle-files.js';
import { computeHeaderBytes } from './layout.js';
import {
  maxPayloadForBlock,
  minBlockBytesFor,
  parseAppenderOptions,
  parseQueueOptions,
  type AppenderOptions,
  type QueueOptions,
  type ResolvedQueueOptions,
} from './options.js';
import { IndexCodec } from './queue-index.js';
import { Reader, type ReaderOptions } from './reader.js';
import { ROLL_CYCLES, maxCycle, sequenceBitsFor } from './roll-cycle.js';

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
 * Durability: a record is in the kernel's page cache the moment `append` returns, so it survives
 * a crash of the process at once; it survives power loss or an OS crash only after an msync
 * (the `sync` option, `appender.sync()`, `await appender.synced()`). docs/durability.md.
 *
 * Threading: a Queue object belongs to the thread that opened it; other threads and processes
 * open the same directory themselves.
 *
 * @example
 * ```ts
 * using queue = Queue.open('/var/lib/app/orders');
 * const appender = queue.appender();
 * const index = appender.append(bytes);
 * const reader = queue.reader();
 * for (let record = reader.next(); record; record = reader.next()) handle(record.bytes);
 * ```
 */
export class Queue implements Disposable {
  /** Absolute path of the queue directory. */
  readonly directory: string;
  /** The options in force (defaults applied). */
  readonly options: ResolvedQueueOptions;
  readonly #files: CycleFiles;
  #indices: IndexCodec;
  readonly #clock: (() => number) | Float64Array;
  #appender: Appender | undefined;
  readonly #readers = new Set<Reader>();
  #closed = false;

  private constructor(directory: string, options: ResolvedQueueOptions, given: QueueOptions) {
    this.directory = directory;
    this.options = options;
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
   * The queue's appender, opened on first call (later calls return it). Exclusive by default:
   * it holds the directory's appender lock. With `{ shared: true }` it appends alongside other
   * shared appenders in any threads and processes (each thread or process opens its own Queue
   * and appender); see {@link AppenderOptions}.
   *
   * @throws ERR_ANNAL_LOCKED (naming the holder) when an exclusive appender, in this or another
   *   process, holds the queue, or when shared appenders do and this one is exclusive;
   *   ERR_ANNAL_READ_ONLY for a read-only queue; ERR_ANNAL_INVALID_OPTION for bad options or
   *   options that differ from those of the appender already open
   */
  appender(options: AppenderOptions = {}): Appender {
    this.#checkOpen();
    const resolved = parseAppenderOptions(options);
    if (this.options.readOnly) {
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
      sync: this.options.sync,
      onCorrupt: this.options.onCorrupt,
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
   */
  reader(options: ReaderOptions = {}): Reader {
    this.#checkOpen();
    // A reader leaves the queue's bookkeeping as it closes: the queue keeps only open readers.
    const reader = new Reader(this.#files, options, this.options.onCorrupt, (closed: Reader) => {
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
    if (this.options.readOnly) {
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
    return this.#files.metadata()?.readerNames() ?? [];
  }

  /** Cycles that have a file now, ascending (a directory listing). */
  cycles(): number[] {
    this.#checkOpen();
    return this.#files.listCycles();
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

  #checkOpen(): void {
    if (this.#closed)
      throw new ClosedError(`the queue ${this.directory} is closed`, { path: this.directory });
  }
}

/**
 * The shape of a new queue's files, from the options. A check across options blames the option
 * the user set (`given`), not one left to its default.
 */
function shapeOf(options: ResolvedQueueOptions, given: QueueOptions): CycleShape {
  const cycle = ROLL_CYCLES[options.rollCycle];
  const indexCount = options.indexCount ?? cycle.indexCount;
  const indexSpacing = options.indexSpacing ?? cycle.indexSpacing;
  const shapeField = given.indexSpacing !== undefined ? 'indexSpacing' : 'indexCount';
  const sequenceBits = sequenceBitsFor(indexCount, indexSpacing);
  if (sequenceBits > 32) {
    throw new InvalidOptionError(
      `Queue.open: indexCount² × indexSpacing must not exceed 2^32 records per cycle: indexCount=${indexCount}, indexSpacing=${indexSpacing} give 2^${sequenceBits}`,
      { field: shapeField },
    );
  }
  const lastCycle = maxCycle(sequenceBits);
  const yearsMs = 150 * 365.25 * 24 * 3600_000;
  if (lastCycle * cycle.lengthMs < yearsMs) {
    throw new InvalidOptionError(
      `Queue.open: with 2^${sequenceBits} records per ${options.rollCycle} cycle (indexCount=${indexCount}, indexSpacing=${indexSpacing}), indices would pass 2^53 within 150 years; lower indexCount or indexSpacing`,
      { field: given.indexSpacing !== undefined ? 'indexSpacing' : 'indexCount' },
    );
  }
  const minimumBlock = minBlockBytesFor(indexCount);
  if (options.blockBytes < minimumBlock) {
    const ownIndex = given.indexCount !== undefined;
    const reason = ownIndex
      ? `indexCount=${indexCount}`
      : `the ${options.rollCycle} roll cycle's indexCount (${indexCount})`;
    throw new InvalidOptionError(
      `Queue.open: blockBytes=${options.blockBytes} is too small for ${reason}: a block must hold 4 index pages (blockBytes ≥ 16 × indexCount + 32 = ${minimumBlock}); use blockBytes ≥ ${nextPowerOfTwo(minimumBlock)}${ownIndex ? ' or a smaller indexCount' : ', or set a smaller indexCount'}`,
      { field: ownIndex && given.blockBytes === undefined ? 'indexCount' : 'blockBytes' },
    );
  }
  const maxPayload = maxPayloadForBlock(options.blockBytes);
  const maxPayloadBytes = options.maxPayloadBytes ?? maxPayload;
  if (maxPayloadBytes > maxPayload) {
    throw new InvalidOptionError(
      `Queue.open: maxPayloadBytes must be at most a quarter of blockBytes minus 8 (${maxPayload} for blockBytes=${options.blockBytes}): maxPayloadBytes=${maxPayloadBytes}`,
      { field: 'maxPayloadBytes' },
    );
  }
  return {
    cycleLengthMs: cycle.lengthMs,
    epochMs: options.epochMs,
    blockBytes: options.blockBytes,
    indexCount,
    indexSpacing,
    sequenceBits,
    checksums: options.checksums === 'crc32c',
    maxPayloadBytes,
    headerBytes: computeHeaderBytes(indexCount),
  };
}

function nextPowerOfTwo(value: number): number {
  return 2 ** Math.ceil(Math.log2(value));
}

/**
 * Makes sure `directory` is a directory this process can use: creates it (unless read-only),
 * and turns whatever the file system says into a coded error naming the path.
 */
function openDirectory(directory: string, readOnly: boolean): void {
  let stats: Stats | undefined;
  try {
    stats = statSync(directory);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT')
      throw directoryError(error, directory, readOnly);
  }
  if (stats !== undefined && !stats.isDirectory()) {
    throw new InvalidArgumentError(
      `Queue.open: ${directory} is not a directory (a queue is a directory of cycle files)`,
      { path: directory, field: 'directory' },
    );
  }
  if (stats === undefined && readOnly) {
    throw new NotFoundError(
      `Queue.open: ${directory} does not exist, and a read-only queue is never created`,
      { path: directory, field: 'directory' },
    );
  }
  try {
    if (stats === undefined) makeDirectory(directory);
    accessSync(
      directory,
      readOnly ? constants.R_OK | constants.X_OK : constants.R_OK | constants.W_OK | constants.X_OK,
    );
  } catch (error) {
    throw directoryError(error, directory, readOnly);
  }
}

/**
 * mkdir -p, reporting why it failed: a recursive mkdir reports ENOENT on a read-only file system
 * (or in a directory it may not write), so the nearest existing ancestor is asked instead.
 */
function makeDirectory(directory: string): void {
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    let ancestor = dirname(directory);
    while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
    accessSync(ancestor, constants.W_OK | constants.X_OK); // throws EROFS, EACCES…
    throw error;
  }
}

/** A coded error naming the queue directory for what the file system said about it. */
function directoryError(error: unknown, directory: string, readOnly: boolean): AnnalError {
  if (AnnalError.isInstance(error)) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'EROFS') {
    return new ReadOnlyError(
      `Queue.open: ${directory} is on a read-only file system: open it with { readOnly: true } to read it`,
      { path: directory, field: 'directory', cause: error },
    );
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new PermissionError(
      `Queue.open: no permission to ${readOnly ? 'read' : 'read and write'} ${directory}${readOnly ? '' : ' (to only read it, open it with { readOnly: true })'}`,
      { path: directory, field: 'directory', cause: error },
    );
  }
  return fromErrno(error, { path: directory, field: 'directory' });
}
