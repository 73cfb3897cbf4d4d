/**
 * The archiver: the traffic thread's side. `record()` copies one message, with a header saying
 * which stream, which direction and when, into an `@annal/logbuf` ring and returns; a worker
 * thread moves it into an `@annal/core` queue. Starting the worker (worker-start.ts), the stream
 * handles (archive-stream.ts), the stats (archiver-stats.ts) and the `'wait'` backlog
 * (backlog.ts) live in their own files.
 *
 * A little over 400 lines on purpose: one class, whose hot path (`#put`) and slow paths (full
 * ring, gap, backlog, failed worker) share the same private counters; a third of it is the
 * documentation of the public API.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';

import { BACK_PRESSURED, Sender, SpscRing } from '@annal/logbuf';
import { ClosedError, InvalidArgumentError } from '@annal/native';

import { ArchiveStream, bindArchiveStreams, type RecordMeta } from './archive-stream.js';
import { archiverStats, type ArchiverStats } from './archiver-stats.js';
import { Backlog } from './backlog.js';
import { readClock, type ClockReading } from './clock.js';
import { BackPressuredError, WorkerFailedError } from './errors.js';
import {
  FLAG_OUT,
  FLAG_TEXT,
  KIND_END,
  KIND_GAP,
  KIND_MESSAGE,
  KIND_STREAM,
  MAX_STREAM_ID,
  RECORD_HEADER_BYTES,
  headerWord,
  writeHeader,
} from './layout.js';
import { TurnCadence } from './turn-cadence.js';
import { parseArchiverOptions, type ArchiverOptions, type WhenFull } from './options.js';
import { checkStreamInfo, type StreamInfo } from './stream-info.js';
import { startWorker } from './worker-start.js';
import type { WorkerMessage } from './worker-protocol.js';

/** Events of an {@link Archiver}. */
export interface ArchiverEvents {
  /** The worker died (ERR_ANNAL_WORKER_FAILED, its reason as `cause`). Emitted once. */
  error: [error: WorkerFailedError];
  /** The `'wait'` backlog emptied into the ring. */
  drain: [];
}

/**
 * Records messages on the thread that handles the traffic, and archives them on a worker.
 *
 * `record()` (and a stream's `recordIn`/`recordOut`) is the hot path: a bounds check, a clock
 * read, one copy into a shared ring and one atomic store; no allocation, no syscall, no promise.
 * Call it from the thread that opened the archiver only (the ring has one producer).
 *
 * The worker appends each record to an `@annal/core` queue in `directory` (CRC32C on every
 * record, one file per roll cycle), syncs on the `sync` schedule, and closes the queue when
 * {@link Archiver.close} has drained the ring. Read an archive back with {@link openRecording}.
 *
 * **What a crash loses.** A record is in the queue file once the worker has appended it
 * (`stats().lastIndex`): a crash of the process after that cannot lose it, and a crash before
 * loses at most what was in the ring (and the `'wait'` backlog). A power loss can lose what was
 * appended since the last sync (`stats().durable`). What is on disk is intact either way: a
 * record is complete and checksummed, or absent.
 *
 * The worker does not keep the process alive: a process that ends without `close()` loses
 * what was still in the ring. `close()` (or `await using`) drains, syncs and resolves.
 */
export class Archiver extends EventEmitter<ArchiverEvents> {
  /** The queue directory, as given. */
  readonly directory: string;
  /** The largest message `record()` takes (bytes): half the ring, less the headers. */
  readonly maxMessageBytes: number;
  /** The policy when the ring is full. */
  readonly whenFull: WhenFull;

  readonly #worker: Worker;
  readonly #ring: SpscRing;
  readonly #sender: Sender;
  readonly #bytes: Uint8Array;
  readonly #words: Uint32Array;
  readonly #stats: Float64Array;
  readonly #time: ClockReading = { seconds: 0, nanos: 0 };
  readonly #cadence: TurnCadence;
  /** `clock: 'each'`: read the clock at every record, not once per batch. */
  readonly #clockEach: boolean;
  readonly #backlog: Backlog;
  readonly #waitMicros: number;
  #streams = 0;
  #recorded = 0;
  #recordedBytes = 0;
  #dropped = 0;
  #oversized = 0;
  /** Messages dropped since the last GAP record. */
  #gap = 0;
  #failure: WorkerFailedError | undefined;
  #closing: Promise<ArchiverStats> | undefined;
  #closed = false;
  /** The worker said it drained, synced and closed the queue. */
  #drained = false;
  #workerClosed: Promise<void>;

  static {
    bindArchiveStreams(
      (archiver, bytes, stream, flags) => archiver.#put(KIND_MESSAGE, flags, stream, bytes),
      (archiver, stream) => {
        // After close() the queue is closed: an end then has nowhere to go, and is not an error.
        if (archiver.#closing === undefined) archiver.#putControl(KIND_END, stream, EMPTY);
      },
    );
  }

  private constructor(
    directory: string,
    worker: Worker,
    ring: SharedArrayBuffer,
    stats: SharedArrayBuffer,
    maxPayloadBytes: number,
    options: ReturnType<typeof parseArchiverOptions>,
  ) {
    super();
    this.directory = directory;
    this.whenFull = options.whenFull;
    this.#waitMicros = options.waitMicros;
    this.#clockEach = options.clock === 'each';
    this.#worker = worker;
    this.#ring = SpscRing.attach(ring);
    this.#sender = new Sender(this.#ring);
    const ringObject = this.#ring;
    this.#cadence = new TurnCadence(() => {
      ringObject.flush();
    });
    this.#bytes = new Uint8Array(ring);
    this.#words = new Uint32Array(ring);
    this.#stats = new Float64Array(stats);
    this.maxMessageBytes =
      Math.min(this.#ring.maxPayloadBytes, maxPayloadBytes) - RECORD_HEADER_BYTES;
    this.#backlog = new Backlog(
      options.backlogBytes,
      (kind, flags, stream, seconds, nanos, body) =>
        this.#tryWrite(kind, flags, stream, seconds, nanos, body),
      () => this.emit('drain'),
    );
    this.#workerClosed = new Promise<void>((resolve) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'closed') {
          this.#drained = true;
          resolve();
        }
      });
      worker.once('exit', () => {
        resolve();
      });
    });
    worker.on('error', (error) => {
      this.#fail(error);
    });
    worker.once('exit', (code) => {
      if (!this.#drained) this.#fail(new Error(`the archiver worker exited with code ${code}`));
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
  }

  /**
   * Opens (or creates) the queue in `directory` on a new worker thread and returns once it is
   * ready to archive. The worker writes a SESSION record first.
   *
   * @throws ERR_ANNAL_INVALID_OPTION naming a bad option; the queue's own errors
   *   (ERR_ANNAL_LOCKED, ERR_ANNAL_PERMISSION, ERR_ANNAL_CORRUPT, …) when it cannot be opened
   */
  static async open(directory: string, options: ArchiverOptions = {}): Promise<Archiver> {
    if (typeof directory !== 'string' || directory === '') {
      throw new InvalidArgumentError('Archiver.open: directory must be a non-empty string', {
        field: 'directory',
      });
    }
    const resolved = parseArchiverOptions(options);
    const { worker, ring, stats, maxPayloadBytes } = await startWorker(directory, resolved);
    return new Archiver(directory, worker, ring, stats, maxPayloadBytes, resolved);
  }

  /**
   * Declares a stream and returns its handle. Writes a STREAM record (its name and info) that
   * comes before the stream's messages in the queue; it is never dropped (it waits in the
   * backlog if the ring is full). Names need not be unique: each call is a new stream with its
   * own id (a reconnect of one feed is a second stream of the same name).
   *
   * @param name - 1 to 256 characters
   * @throws ERR_ANNAL_INVALID_ARGUMENT for a bad name or info; ERR_ANNAL_CLOSED after close()
   */
  stream(name: string, info: StreamInfo = {}): ArchiveStream {
    this.#checkOpen('stream');
    const description = checkStreamInfo(name, info);
    if (this.#streams === MAX_STREAM_ID) {
      throw new InvalidArgumentError(`Archiver.stream: all ${MAX_STREAM_ID} stream ids are used`);
    }
    const id = ++this.#streams;
    this.#putControl(KIND_STREAM, id, new TextEncoder().encode(JSON.stringify(description)));
    return new ArchiveStream(this, id, name, description.protocol);
  }

  /**
   * Records one message: copies `bytes` (the caller may reuse them at once) with `meta` and the
   * time now. The hot path: no allocation (reuse `meta`), no syscall, no promise.
   *
   * @returns true when recorded (into the ring, or the `'wait'` backlog), false when dropped
   *   and counted (`whenFull: 'drop'`, a full backlog, a message over `maxMessageBytes`)
   * @throws ERR_ANNAL_BACK_PRESSURED under `whenFull: 'fail'` when it cannot be recorded now;
   *   ERR_ANNAL_INVALID_ARGUMENT for non-bytes, a stream id never declared or a direction other
   *   than 'in' and 'out'; ERR_ANNAL_CLOSED
   *   after close()
   */
  record(bytes: Uint8Array, meta: RecordMeta): boolean {
    const stream = meta?.stream;
    if (!(stream >= 1 && stream <= this.#streams && (stream | 0) === stream)) {
      throw new InvalidArgumentError(
        this.#streams === 0
          ? `Archiver.record: meta.stream must be the id of a declared stream, and none is: call archiver.stream(name) first (got ${String(stream)})`
          : `Archiver.record: meta.stream must be the id of a stream this archiver declared (1 to ${this.#streams}), got ${String(stream)}`,
        { field: meta === undefined || meta === null ? 'meta' : 'meta.stream' },
      );
    }
    const direction = meta.direction;
    if (direction !== 'in' && direction !== 'out') {
      throw new InvalidArgumentError(
        `Archiver.record: meta.direction must be 'in' or 'out', got ${String(direction)}`,
        { field: 'meta.direction' },
      );
    }
    const flags = (direction === 'out' ? FLAG_OUT : 0) | (meta.text === true ? FLAG_TEXT : 0);
    return this.#put(KIND_MESSAGE, flags, stream, bytes);
  }

  #put(kind: number, flags: number, stream: number, bytes: Uint8Array): boolean {
    if (this.#closing !== undefined) this.#checkOpen('record');
    if (!(bytes instanceof Uint8Array)) throw rejectBytes(bytes);
    const length = bytes.length;
    const time = this.#time;
    if (this.#cadence.next()) {
      this.#ring.flush();
      readClock(time);
    } else if (this.#clockEach) {
      readClock(time);
    }
    if (
      length <= this.maxMessageBytes &&
      this.#gap === 0 &&
      this.#backlog.isEmpty &&
      this.#failure === undefined
    ) {
      const claim = this.#ring.tryClaim(RECORD_HEADER_BYTES + length);
      if (claim !== BACK_PRESSURED) {
        const at = claim.offset;
        writeHeader(this.#words, at, headerWord(kind, flags), stream, time.seconds, time.nanos);
        copyBytes.call(this.#bytes, bytes, at + RECORD_HEADER_BYTES);
        claim.commitDeferred();
        this.#recorded++;
        this.#recordedBytes += length;
        return true;
      }
    }
    return this.#putSlow(kind, flags, stream, bytes);
  }

  /** Too large, a gap to note first, a backlog to keep behind, or a full ring. */
  #putSlow(kind: number, flags: number, stream: number, bytes: Uint8Array): boolean {
    const time = this.#time;
    if (this.#failure !== undefined) {
      // Nothing drains the ring any more: a message taken now would be lost uncounted.
      if (this.whenFull === 'fail') {
        throw new BackPressuredError(
          `Archiver.record: the archiver's worker failed; nothing more can be archived (${this.#failure.message})`,
          { cause: this.#failure },
        );
      }
      return this.#drop();
    }
    if (bytes.length > this.maxMessageBytes) {
      if (this.whenFull === 'fail') {
        throw new BackPressuredError(
          `Archiver.record: a message of ${bytes.length} bytes is over maxMessageBytes (${this.maxMessageBytes}); give a larger ringBytes`,
          { field: 'bytes' },
        );
      }
      this.#oversized++;
      return this.#drop();
    }
    if (
      this.#backlog.isEmpty &&
      this.#flushGap(time) &&
      this.#tryWrite(kind, flags, stream, time.seconds, time.nanos, bytes)
    ) {
      this.#recorded++;
      this.#recordedBytes += bytes.length;
      return true;
    }
    if (this.whenFull === 'wait' && this.#failure === undefined)
      return this.#wait(kind, flags, stream, bytes);
    if (this.whenFull === 'fail') {
      throw new BackPressuredError(
        `Archiver.record: the ring is full (${this.#ring.capacity} bytes): the worker is behind${this.#failure === undefined ? '' : ' (it failed)'}`,
        { cause: this.#failure },
      );
    }
    return this.#drop();
  }

  /** Spins up to waitMicros for room, then keeps a copy in the backlog, in order. */
  #wait(kind: number, flags: number, stream: number, bytes: Uint8Array): boolean {
    const time = this.#time;
    if (this.#backlog.isEmpty) {
      const until = performance.now() + this.#waitMicros / 1000;
      do {
        if (
          this.#flushGap(time) &&
          this.#tryWrite(kind, flags, stream, time.seconds, time.nanos, bytes)
        ) {
          this.#recorded++;
          this.#recordedBytes += bytes.length;
          return true;
        }
      } while (performance.now() < until);
    }
    if (!this.#toBacklog(kind, flags, stream, bytes, false)) return this.#drop();
    this.#recorded++;
    this.#recordedBytes += bytes.length;
    return true;
  }

  #drop(): false {
    this.#dropped++;
    this.#gap++;
    return false;
  }

  /** Writes the GAP record owed before the next one; false when the ring has no room for it. */
  #flushGap(time: ClockReading): boolean {
    if (this.#gap === 0) return true;
    if (!this.#tryWrite(KIND_GAP, 0, this.#gap, time.seconds, time.nanos, EMPTY)) return false;
    this.#gap = 0;
    return true;
  }

  /** One record into the ring, if there is room. */
  #tryWrite(
    kind: number,
    flags: number,
    stream: number,
    seconds: number,
    nanos: number,
    body: Uint8Array,
  ): boolean {
    const claim = this.#ring.tryClaim(RECORD_HEADER_BYTES + body.length);
    if (claim === BACK_PRESSURED) return false;
    const at = claim.offset;
    writeHeader(this.#words, at, headerWord(kind, flags), stream, seconds, nanos);
    this.#bytes.set(body, at + RECORD_HEADER_BYTES);
    claim.commit();
    return true;
  }

  /** A declaration or an end: never dropped, kept in order in the backlog when the ring is full. */
  #putControl(kind: number, stream: number, body: Uint8Array): void {
    const time = this.#time;
    readClock(time);
    if (
      this.#backlog.isEmpty &&
      this.#flushGap(time) &&
      this.#tryWrite(kind, 0, stream, time.seconds, time.nanos, body)
    )
      return;
    this.#toBacklog(kind, 0, stream, body, true);
  }

  /** Into the backlog, behind the GAP record owed for what was dropped before it. */
  #toBacklog(
    kind: number,
    flags: number,
    stream: number,
    body: Uint8Array,
    control: boolean,
  ): boolean {
    const time = this.#time;
    if (this.#gap !== 0 && (control || this.#backlog.accepts(body.length))) {
      this.#backlog.push(KIND_GAP, 0, this.#gap, time.seconds, time.nanos, EMPTY, true);
      this.#gap = 0;
    }
    return this.#backlog.push(kind, flags, stream, time.seconds, time.nanos, body, control);
  }

  /** The counters now (a new object; not for a hot loop). */
  stats(): ArchiverStats {
    return archiverStats(
      {
        recorded: this.#recorded,
        recordedBytes: this.#recordedBytes,
        dropped: this.#dropped,
        oversized: this.#oversized,
        backlogged: this.#backlog.length,
        ringFill: this.#ring.bytesAvailable() / this.#ring.capacity,
      },
      this.#stats,
      this.#failure !== undefined ? 'failed' : this.#closed ? 'closed' : 'running',
    );
  }

  /** Why the worker died, if it did. */
  get failure(): WorkerFailedError | undefined {
    return this.#failure;
  }

  /**
   * Stops recording, moves the backlog into the ring, lets the worker drain the ring into the
   * queue, syncs and closes it, and resolves with the final counters. Idempotent (the same
   * promise). After it, `record()` throws ERR_ANNAL_CLOSED.
   * @throws ERR_ANNAL_WORKER_FAILED when the worker died (what it had appended stays on disk)
   */
  close(): Promise<ArchiverStats> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<ArchiverStats> {
    this.#worker.ref();
    try {
      if (this.#gap !== 0) {
        // Drops at the very end: the GAP record that says so goes last.
        const gap = this.#gap;
        this.#gap = 0;
        readClock(this.#time);
        this.#toBacklog(KIND_GAP, 0, gap, EMPTY, true);
      }
      await this.#backlog.drained(() => this.#failure !== undefined);
      this.#sender.close();
      await this.#workerClosed;
      await this.#worker.terminate();
    } finally {
      this.#closed = true;
    }
    if (this.#failure !== undefined) throw this.#failure;
    return this.stats();
  }

  /** `await using archiver = await Archiver.open(…)` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #fail(reason: unknown): void {
    if (this.#failure !== undefined || this.#closed) return;
    this.#failure = new WorkerFailedError(
      `the archiver worker for ${this.directory} failed: ${reason instanceof Error ? reason.message : String(reason)}; records appended before stay in the queue, the ring is no longer drained`,
      { cause: reason, path: this.directory },
    );
    this.#dropped += this.#backlog.abandon();
    this.emit('error', this.#failure);
  }

  #checkOpen(where: string): void {
    if (this.#closing !== undefined) {
      throw new ClosedError(`Archiver.${where}: the archiver for ${this.directory} is closed`);
    }
  }
}

const EMPTY = new Uint8Array(0);

function rejectBytes(bytes: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    `Archiver.record: bytes must be a Uint8Array (or Buffer), got ${bytes === null ? 'null' : typeof bytes}`,
    { field: 'bytes' },
  );
}

/**
 * `Uint8Array.prototype.set`, called as `copyBytes.call(target, source, offset)` for the
 * per-record copy: why directly, and why declared in each module that calls it, is
 * docs/decisions/2026-12-05-direct-typed-array-set.md.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(target, …)
const copyBytes = Uint8Array.prototype.set;
