/**
 * Fixed-capacity, single-use channels (the kekbit seed): one file, one writer, any number of
 * readers in any process; a heartbeat and a close marker let readers tell a closed channel from
 * an abandoned one, a full one, and one with no data yet.
 *
 * @module
 */
import {
  AlreadyExistsError,
  ClosedError,
  CorruptError,
  FullError,
  InvalidOptionError,
  MappedFile,
  TooLargeError,
  crc32c,
  durationMs,
  parseOptions,
  byteSize,
  createFileAtomically,
} from '@annal/native';
import { z } from 'zod';

import { coarseClockView } from './coarse-clock.js';
import {
  CHANNEL_CHECKED_BYTES,
  CHANNEL_CLOSED,
  CHANNEL_FULL,
  CHANNEL_HEADER_BYTES,
  CHANNEL_MAGIC,
  CHANNEL_OPEN,
  CHANNEL_VERSION,
  END_OF_CYCLE_WORD,
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  type ChannelConfiguration,
  computeFrameLength,
  getHeartbeat,
  isRecordWord,
  loadChannelState,
  loadLengthWord,
  packRecordWord,
  readChannelHeader,
  setChannelChecksum,
  setChannelRecordCount,
  setHeartbeat,
  storeChannelState,
  storeLengthWord,
  writeChannelHeader,
} from './layout.js';
import { QueueRecord } from './record.js';

/** Options of {@link Channel.create}. */
export interface ChannelCreateOptions {
  /** Bytes of records the channel holds, 64 KiB to 1 GiB (a number or e.g. `'16 MiB'`). */
  readonly capacity: number | string;
  /** Largest payload in bytes. [capacity / 16 − 8] */
  readonly maxRecordLength?: number | string | undefined;
  /** Milliseconds without a sign of life after which readers call the writer abandoned. [10 000] */
  readonly writerTimeoutMs?: number | string | undefined;
}

const createSchema = z.strictObject({
  capacity: byteSize({ min: 64 * 1024, max: 1024 * 1024 * 1024 }),
  maxRecordLength: byteSize({ min: 0, max: LENGTH_MASK }).optional(),
  writerTimeoutMs: durationMs({ min: 1 }).default(10_000),
});

/** How a channel stands, as a reader sees it after `next()` found nothing. */
export type ChannelStatus = 'open' | 'closed' | 'full' | 'abandoned';

/** Entry points: create (the writer) or open (a reader) a channel file. */
export const Channel = {
  /**
   * Creates a channel file and returns its only writer. The file appears complete or not at all
   * (written and fsync'd in a temporary file, then linked into place).
   *
   * @throws ERR_ANNAL_ALREADY_EXISTS when the file exists (a channel is never written twice);
   *   ERR_ANNAL_INVALID_OPTION naming a bad option; ERR_ANNAL_FULL when the disk is full
   */
  create(path: string, options: ChannelCreateOptions): ChannelWriter {
    const parsed = parseOptions(createSchema, options, 'Channel.create');
    const capacity = Math.ceil(parsed.capacity / 8) * 8;
    const maxPayloadLength = parsed.maxRecordLength ?? capacity / 16 - FRAME_HEADER_BYTES;
    if (computeFrameLength(maxPayloadLength) + FRAME_HEADER_BYTES > capacity) {
      throw new InvalidOptionError(
        `Channel.create: maxRecordLength=${maxPayloadLength} does not fit capacity=${capacity}`,
        { field: 'maxRecordLength' },
      );
    }
    const configuration: ChannelConfiguration = {
      capacity,
      maxPayloadLength,
      writerTimeoutMs: parsed.writerTimeoutMs,
      createdAtMs: Date.now(),
    };
    const created = createFileAtomically(path, CHANNEL_HEADER_BYTES + capacity, (buffer) => {
      const words = new Int32Array(buffer);
      writeChannelHeader(words, new Float64Array(buffer, 0, 16), configuration);
      setChannelChecksum(words, crc32c(new Uint8Array(buffer, 0, CHANNEL_CHECKED_BYTES)));
    });
    if (!created) {
      throw new AlreadyExistsError(`${path} already exists: a channel is written once`, {
        path,
        field: 'path',
      });
    }
    const mapping = MappedFile.open(path);
    return new ChannelWriter(path, mapping, configuration);
  },

  /**
   * Opens a channel for reading (read-only mapping), from its first record.
   *
   * @throws ERR_ANNAL_NOT_FOUND; ERR_ANNAL_CORRUPT when the header is not a valid channel header
   */
  open(path: string): ChannelReader {
    const mapping = MappedFile.open(path, { readOnly: true });
    try {
      return new ChannelReader(path, mapping);
    } catch (error) {
      mapping.close();
      throw error;
    }
  },
};

/**
 * The only writer of a channel. Appends records until it closes the channel or the channel is
 * full; neither can be undone. It keeps a heartbeat in the header (on every write, at most once
 * a millisecond, and from a timer while idle) so readers can tell it is alive.
 *
 * Durability: records survive a crash of the writer as soon as `write` returns; power loss only
 * after `sync()`. Threading: the thread that created it.
 */
export class ChannelWriter implements Disposable {
  readonly path: string;
  /** Largest payload a record may have. */
  readonly maxRecordLength: number;
  readonly #mapping: MappedFile;
  readonly #words: Int32Array;
  readonly #float64s: Float64Array;
  readonly #bytes: Uint8Array;
  readonly #capacity: number;
  readonly #clock: Float64Array;
  readonly #timer: NodeJS.Timeout;
  #position = 0;
  #sequence = 0;
  #lastBeatMs = 0;
  #state = CHANNEL_OPEN;

  /** @internal Use {@link Channel.create}. */
  constructor(path: string, mapping: MappedFile, configuration: ChannelConfiguration) {
    this.path = path;
    this.#mapping = mapping;
    this.#words = new Int32Array(mapping.buffer);
    this.#float64s = new Float64Array(mapping.buffer, 0, CHANNEL_HEADER_BYTES / 8);
    this.#bytes = new Uint8Array(mapping.buffer);
    this.#capacity = configuration.capacity;
    this.maxRecordLength = configuration.maxPayloadLength;
    this.#clock = coarseClockView();
    const beatEveryMs = Math.max(1, Math.floor(configuration.writerTimeoutMs / 4));
    this.#timer = setInterval(() => this.heartbeat(), beatEveryMs);
    this.#timer.unref();
  }

  /** Bytes still free for records (each takes its payload rounded up to 8, plus 8). */
  get available(): number {
    return this.#capacity - this.#position - FRAME_HEADER_BYTES;
  }

  /**
   * Appends one record.
   *
   * @returns its sequence (0, 1, 2, …)
   * @throws ERR_ANNAL_TOO_LARGE when `payload` exceeds `maxRecordLength`; ERR_ANNAL_FULL when it
   *   does not fit any more (the channel is then marked full, for good); ERR_ANNAL_CLOSED after
   *   close or full
   */
  write(payload: Uint8Array): number {
    if (this.#state !== CHANNEL_OPEN) throw this.#ended();
    const length = payload.length;
    if (length > this.maxRecordLength) {
      throw new TooLargeError(
        `record is longer than the channel allows: length=${length}, maxRecordLength=${this.maxRecordLength}`,
        { path: this.path, field: 'length' },
      );
    }
    const frameLength = computeFrameLength(length);
    // Room for the frame and for the end word after it.
    if (this.#position + frameLength + FRAME_HEADER_BYTES > this.#capacity) {
      this.#end(CHANNEL_FULL);
      throw new FullError(`${this.path} is full: ${this.#sequence} records written`, {
        path: this.path,
      });
    }
    const offset = CHANNEL_HEADER_BYTES + this.#position;
    this.#bytes.set(payload, offset + FRAME_HEADER_BYTES);
    // publish: readers that load this word see the payload written above.
    storeLengthWord(this.#words, offset, packRecordWord(length));
    this.#position += frameLength;
    const now = this.#clock[0] as number;
    if (now !== this.#lastBeatMs) {
      this.#lastBeatMs = now;
      setHeartbeat(this.#float64s, now);
    }
    return this.#sequence++;
  }

  /** Records a sign of life now (the writer also does it by itself; see the class). */
  heartbeat(): void {
    if (this.#state !== CHANNEL_OPEN) return;
    this.#lastBeatMs = Date.now();
    setHeartbeat(this.#float64s, this.#lastBeatMs);
  }

  /** msync of the channel (blocking): everything written so far survives power loss. */
  sync(): void {
    if (this.#mapping.closed) throw new ClosedError(`${this.path}: the writer is closed`);
    this.#mapping.sync();
  }

  /** Closes the channel for good: readers get what was written, then status 'closed'. */
  close(): void {
    if (this.#mapping.closed) return;
    if (this.#state === CHANNEL_OPEN) this.#end(CHANNEL_CLOSED);
    clearInterval(this.#timer);
    this.#mapping.sync();
    this.#mapping.close();
  }

  /** Calls {@link ChannelWriter.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #end(state: number): void {
    // publish: the end word first, then the state that explains it.
    storeLengthWord(this.#words, CHANNEL_HEADER_BYTES + this.#position, END_OF_CYCLE_WORD);
    setChannelRecordCount(this.#words, this.#sequence);
    storeChannelState(this.#words, state);
    this.#state = state;
    clearInterval(this.#timer);
  }

  #ended(): ClosedError {
    return new ClosedError(
      `${this.path} was ${this.#state === CHANNEL_FULL ? 'filled' : 'closed'}: a channel is never written again`,
      { path: this.path },
    );
  }
}

/**
 * Reads a channel from its first record: `next()` returns a reused record (zero-copy, valid
 * until the next call) or undefined, and then `status()` says why. Readers never write, so any
 * number may read in any process.
 */
export class ChannelReader implements Disposable, Iterable<QueueRecord> {
  readonly path: string;
  /** Largest payload the channel allows. */
  readonly maxRecordLength: number;
  /** Milliseconds of silence after which the writer counts as abandoned. */
  readonly writerTimeoutMs: number;
  readonly #mapping: MappedFile;
  readonly #words: Int32Array;
  readonly #float64s: Float64Array;
  readonly #bytes: Uint8Array;
  readonly #capacity: number;
  readonly #record = new QueueRecord();
  #position = 0;
  #sequence = 0;
  #atEnd = false;

  /** @internal Use {@link Channel.open}. */
  constructor(path: string, mapping: MappedFile) {
    this.path = path;
    this.#mapping = mapping;
    this.#words = new Int32Array(mapping.buffer);
    this.#float64s = new Float64Array(mapping.buffer, 0, CHANNEL_HEADER_BYTES / 8);
    this.#bytes = new Uint8Array(mapping.buffer);
    const header = readChannelHeader(this.#words, this.#float64s);
    const checksum = crc32c(new Uint8Array(mapping.buffer, 0, CHANNEL_CHECKED_BYTES));
    if (
      header.magic !== CHANNEL_MAGIC ||
      header.version !== CHANNEL_VERSION ||
      header.checksum !== checksum ||
      mapping.lengthBytes !== CHANNEL_HEADER_BYTES + header.capacity
    ) {
      throw new CorruptError(
        `${path} is not a valid version-${CHANNEL_VERSION} channel (magic 0x${header.magic.toString(16)}, version ${header.version}, checksum ${header.checksum === checksum ? 'ok' : 'mismatch'}, ${mapping.lengthBytes} bytes)`,
        { path, offset: 0, field: 'header' },
      );
    }
    this.#capacity = header.capacity;
    this.maxRecordLength = header.maxPayloadLength;
    this.writerTimeoutMs = header.writerTimeoutMs;
  }

  /**
   * The next record, or undefined when there is none now (see {@link ChannelReader.status}).
   *
   * @throws ERR_ANNAL_CORRUPT naming the file offset when a length word is invalid
   */
  next(): QueueRecord | undefined {
    if (this.#atEnd) return undefined;
    const offset = CHANNEL_HEADER_BYTES + this.#position;
    const word = loadLengthWord(this.#words, offset);
    if (word === 0) return undefined;
    if (word === END_OF_CYCLE_WORD) {
      this.#atEnd = true;
      return undefined;
    }
    const length = word & LENGTH_MASK;
    const frameLength = computeFrameLength(length);
    if (
      !isRecordWord(word) ||
      length > this.maxRecordLength ||
      this.#position + frameLength + FRAME_HEADER_BYTES > this.#capacity
    ) {
      throw new CorruptError(
        `${this.path}: invalid frame at file offset ${offset} (length word 0x${(word >>> 0).toString(16)})`,
        { path: this.path, offset, field: 'lengthWord' },
      );
    }
    const record = this.#record;
    record.index = this.#sequence;
    record.sequence = this.#sequence;
    record.buffer = this.#bytes;
    record.offset = offset + FRAME_HEADER_BYTES;
    record.length = length;
    this.#position += frameLength;
    this.#sequence++;
    return record;
  }

  /**
   * Why `next()` has nothing: `'open'` (no data yet, the writer is alive), `'closed'`, `'full'`,
   * or `'abandoned'` (open, but no heartbeat for longer than `writerTimeoutMs`). Meaningful
   * once `next()` returned undefined; closed and full are reported only after every record
   * before the end was read.
   */
  status(nowMs = Date.now()): ChannelStatus {
    const state = loadChannelState(this.#words);
    if (this.#atEnd || state !== CHANNEL_OPEN) {
      if (!this.#atEnd && this.#hasMore()) return 'open';
      return state === CHANNEL_FULL ? 'full' : 'closed';
    }
    return nowMs - getHeartbeat(this.#float64s) > this.writerTimeoutMs ? 'abandoned' : 'open';
  }

  /** Yields the records available now (for `for … of`); the record object is reused. */
  *[Symbol.iterator](): Iterator<QueueRecord> {
    for (let record = this.next(); record !== undefined; record = this.next()) yield record;
  }

  /**
   * Yields records as they arrive, until the channel is closed, full or abandoned (then it
   * returns; `status()` says which) or `signal` aborts. Polls every `pollMs` while empty.
   */
  async *follow(
    options: { signal?: AbortSignal; pollMs?: number } = {},
  ): AsyncGenerator<QueueRecord, ChannelStatus, undefined> {
    const { signal, pollMs = 1 } = options;
    for (;;) {
      for (let record = this.next(); record !== undefined; record = this.next()) yield record;
      const status = this.status();
      if (status !== 'open' || signal?.aborted === true) return status;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Unmaps the channel; a kept record view then reads as empty. */
  close(): void {
    this.#mapping.close();
  }

  /** Calls {@link ChannelReader.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #hasMore(): boolean {
    const word = loadLengthWord(this.#words, CHANNEL_HEADER_BYTES + this.#position);
    return word !== 0 && word !== END_OF_CYCLE_WORD;
  }
}
