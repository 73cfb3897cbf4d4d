/**
 * Fixed-capacity, single-use channels (the kekbit seed): one file, one writer, any number of
 * readers in any process; a heartbeat and a close marker let readers tell a closed channel from
 * an abandoned one, a full one, and one with no data yet.
 *
 * @module
 */
import { statSync, type Stats } from 'node:fs';
import {
  AlreadyExistsError,
  ClosedError,
  CorruptError,
  FullError,
  InvalidArgumentError,
  InvalidOptionError,
  MappedFile,
  TooLargeError,
  crc32c,
} from '@annal/native';
import {
  durationMs,
  fromErrno,
  parseOptions,
  byteSize,
  createFileAtomically,
} from '@annal/native/internal';
import { z } from 'zod';

import { payloadChecksumWords } from './checksum.js';
import { coarseClockView } from './coarse-clock.js';
import {
  CHANNEL_CHECKED_BYTES,
  CHANNEL_CLOSED,
  CHANNEL_FULL,
  CHANNEL_HEADER_BYTES,
  CHANNEL_MAGIC,
  CHANNEL_OPEN,
  CHANNEL_VERSION,
  COMPLETE_FLAG,
  END_OF_CYCLE_WORD,
  FRAME_ALIGNMENT_BYTES,
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  SKIP_FLAGS,
  type ChannelConfiguration,
  computeFrameLength,
  getChannelRecordCount,
  getChecksumWord,
  getHeartbeat,
  loadChannelState,
  loadLengthWord,
  packChannelEndCheck,
  computeRecordTag,
  packRecordWord,
  readChannelHeader,
  setChannelChecksum,
  setChannelRecordCount,
  setChecksumWord,
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
  /**
   * `'crc32c'`: each record carries a CRC32C of its payload seeded with its sequence, and readers
   * verify it before returning the record (a flipped bit or a record copied elsewhere is
   * ERR_ANNAL_CORRUPT, never data). `'off'`: no record checksum (a little faster for large
   * records; a damaged payload is then returned as it is). Stored in the header, so readers
   * need no option. ['crc32c']
   */
  readonly checksums?: 'off' | 'crc32c' | undefined;
}

const createSchema = z.strictObject({
  capacity: byteSize({ min: 64 * 1024, max: 1024 * 1024 * 1024 }),
  maxRecordLength: byteSize({ min: 0, max: LENGTH_MASK }).optional(),
  writerTimeoutMs: durationMs({ min: 1 }).default(10_000),
  checksums: z.enum(['off', 'crc32c']).default('crc32c'),
});

/** How a channel stands, as a reader sees it after `next()` found nothing. */
export type ChannelStatus = 'open' | 'closed' | 'full' | 'abandoned';

/** Entry points: create (the writer) or open (a reader) a channel file. */
export const Channel = {
  /**
   * Creates a channel file and returns its only writer. The file appears complete or not at all
   * (written and fsync'd in a temporary file, then linked into place).
   *
   * @param path - the channel file to create
   * @param options - see {@link ChannelCreateOptions}
   * @returns the channel's only writer
   * @throws ERR_ANNAL_ALREADY_EXISTS when the file exists (a channel is never written twice);
   *   ERR_ANNAL_INVALID_OPTION naming a bad (or misspelled) option; ERR_ANNAL_FULL when the disk
   *   is full
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
      checksums: parsed.checksums === 'crc32c',
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
   * @param path - a channel file made by {@link Channel.create}
   * @returns a reader positioned at the first record
   * @throws ERR_ANNAL_NOT_FOUND when there is no such file; ERR_ANNAL_INVALID_ARGUMENT when
   *   `path` is not a string or not a regular file (a FIFO, a directory, a device: refused before
   *   it is opened, since opening a FIFO blocks); ERR_ANNAL_CORRUPT (with `path`) when the file
   *   is too short for a channel header, its header is not a valid version-2 channel header, or
   *   its size disagrees with the capacity in its header
   */
  open(path: string): ChannelReader {
    checkChannelFile(path);
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
  readonly #checksums: boolean;
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
    this.#checksums = configuration.checksums;
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
   * @param payload - the record's bytes: a Uint8Array (a Buffer is one); may be empty
   * @returns its sequence (0, 1, 2, …)
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `payload` is not a Uint8Array (a string, an
   *   ArrayBuffer, a DataView, another typed array, null…): nothing is written and the sequence
   *   does not move; ERR_ANNAL_TOO_LARGE when `payload` exceeds `maxRecordLength`; ERR_ANNAL_FULL
   *   when it does not fit any more (the channel is then marked full, for good); ERR_ANNAL_CLOSED
   *   after close or full
   */
  write(payload: Uint8Array): number {
    if (!(payload instanceof Uint8Array)) throw rejectPayload(this.path, payload);
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
    const sequence = this.#sequence;
    this.#bytes.set(payload, offset + FRAME_HEADER_BYTES);
    // Seeded with the sequence: the same bytes at another sequence (a copied frame) fail.
    // Checksums off: a tag of the length word and sequence (a flipped length bit still fails).
    setChecksumWord(
      this.#words,
      offset,
      this.#checksums
        ? payloadChecksumWords(
            this.#words,
            this.#bytes,
            offset + FRAME_HEADER_BYTES,
            length,
            sequence,
          )
        : computeRecordTag(packRecordWord(length), sequence),
    );
    // publish: readers that load this word see the payload and checksum written above.
    storeLengthWord(this.#words, offset, packRecordWord(length));
    this.#position += frameLength;
    const now = this.#clock[0] as number;
    if (now !== this.#lastBeatMs) {
      this.#lastBeatMs = now;
      setHeartbeat(this.#float64s, now);
    }
    this.#sequence = sequence + 1;
    return sequence;
  }

  /** Records a sign of life now (the writer also does it by itself; see the class). */
  heartbeat(): void {
    if (this.#state !== CHANNEL_OPEN) return;
    this.#lastBeatMs = Date.now();
    setHeartbeat(this.#float64s, this.#lastBeatMs);
  }

  /**
   * msync of the channel (blocking): everything written so far survives power loss.
   *
   * @throws ERR_ANNAL_CLOSED after {@link ChannelWriter.close}
   */
  sync(): void {
    if (this.#mapping.closed) {
      throw new ClosedError(`${this.path}: the writer is closed`, {
        path: this.path,
        field: 'writer',
      });
    }
    this.#mapping.msyncSync();
  }

  /** Closes the channel for good: readers get what was written, then status 'closed'. */
  close(): void {
    if (this.#mapping.closed) return;
    if (this.#state === CHANNEL_OPEN) this.#end(CHANNEL_CLOSED);
    clearInterval(this.#timer);
    this.#mapping.msyncSync();
    this.#mapping.close();
  }

  /** Calls {@link ChannelWriter.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #end(state: number): void {
    const offset = CHANNEL_HEADER_BYTES + this.#position;
    // The end frame's check word ties it to its position and the record count (see layout.ts).
    setChecksumWord(this.#words, offset, packChannelEndCheck(this.#position, this.#sequence));
    // publish: the end frame first, then the count and the state that explain it (a reader that
    // loads the state as ended finds the end frame and the count).
    storeLengthWord(this.#words, offset, END_OF_CYCLE_WORD);
    setChannelRecordCount(this.#words, this.#sequence);
    storeChannelState(this.#words, state);
    this.#state = state;
    clearInterval(this.#timer);
  }

  #ended(): ClosedError {
    return new ClosedError(
      `${this.path} was ${this.#state === CHANNEL_FULL ? 'filled' : 'closed'}: a channel is never written again`,
      { path: this.path, field: 'writer' },
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
  readonly #checksums: boolean;
  readonly #record = new QueueRecord();
  #position = 0;
  #sequence = 0;
  #atEnd = false;
  #closed = false;

  /** @internal Use {@link Channel.open}. */
  constructor(path: string, mapping: MappedFile) {
    this.path = path;
    this.#mapping = mapping;
    checkChannelSize(path, mapping.lengthBytes);
    this.#words = new Int32Array(mapping.buffer);
    this.#float64s = new Float64Array(mapping.buffer, 0, CHANNEL_HEADER_BYTES / 8);
    this.#bytes = new Uint8Array(mapping.buffer);
    const header = readChannelHeader(this.#words, this.#float64s);
    const checksum = crc32c(new Uint8Array(mapping.buffer, 0, CHANNEL_CHECKED_BYTES));
    if (
      header.magic !== CHANNEL_MAGIC ||
      header.version !== CHANNEL_VERSION ||
      header.checksum !== checksum
    ) {
      throw new CorruptError(
        `${path} is not a valid version-${CHANNEL_VERSION} channel (magic 0x${header.magic.toString(16)}, version ${header.version}, header checksum ${header.checksum === checksum ? 'ok' : 'mismatch'}, ${mapping.lengthBytes} bytes)`,
        { path, offset: 0, field: 'header' },
      );
    }
    if (mapping.lengthBytes !== CHANNEL_HEADER_BYTES + header.capacity) {
      throw new CorruptError(
        `${path}: the file's size disagrees with the capacity in its header: ${mapping.lengthBytes} bytes, expected ${CHANNEL_HEADER_BYTES + header.capacity} (a ${CHANNEL_HEADER_BYTES}-byte header and capacity=${header.capacity}); cut or grown`,
        { path, offset: mapping.lengthBytes, field: 'size' },
      );
    }
    this.#capacity = header.capacity;
    this.#checksums = header.checksums;
    this.maxRecordLength = header.maxPayloadLength;
    this.writerTimeoutMs = header.writerTimeoutMs;
  }

  /**
   * The next record, or undefined when there is none now (see {@link ChannelReader.status}).
   * With checksums on (the default), the record's CRC32C is verified before it is returned.
   *
   * @returns the reader's reused record (valid until the next call), or undefined
   * @throws ERR_ANNAL_CORRUPT (with `path` and the frame's file `offset`) when a frame is not
   *   what the writer wrote: an invalid length word, a checksum mismatch, an end frame that does
   *   not match its position and record count, or a free frame where the header says the writer
   *   ended the channel after more records; ERR_ANNAL_CLOSED after {@link ChannelReader.close}
   */
  next(): QueueRecord | undefined {
    if (this.#closed) throw this.#closedError();
    if (this.#atEnd) return undefined;
    const words = this.#words;
    const offset = CHANNEL_HEADER_BYTES + this.#position;
    const word = loadLengthWord(words, offset);
    if (word === 0) {
      this.#checkFree(offset);
      return undefined;
    }
    if (word === END_OF_CYCLE_WORD) {
      this.#checkEnd(offset);
      this.#atEnd = true;
      return undefined;
    }
    const length = word & LENGTH_MASK;
    const frameLength = computeFrameLength(length);
    if (
      (word & SKIP_FLAGS) !== COMPLETE_FLAG ||
      length > this.maxRecordLength ||
      this.#position + frameLength + FRAME_HEADER_BYTES > this.#capacity
    ) {
      throw this.#corrupt(
        offset,
        `invalid length word 0x${(word >>> 0).toString(16)} (not a record, longer than maxRecordLength=${this.maxRecordLength}, or past the end)`,
      );
    }
    const sequence = this.#sequence;
    // Checksums off: the check word is still a tag of the length word and sequence, so a flipped
    // length bit is caught (only payload bytes go unchecked), as in queues.
    const expected = this.#checksums
      ? payloadChecksumWords(words, this.#bytes, offset + FRAME_HEADER_BYTES, length, sequence)
      : computeRecordTag(packRecordWord(length), sequence);
    if (expected !== getChecksumWord(words, offset)) {
      throw this.#corrupt(
        offset,
        `checksum mismatch in record ${sequence} (${length} bytes): its payload or length changed, or it was copied from elsewhere`,
      );
    }
    const record = this.#record;
    record.index = sequence;
    record.sequence = sequence;
    record.buffer = this.#bytes;
    record.offset = offset + FRAME_HEADER_BYTES;
    record.length = length;
    this.#position += frameLength;
    this.#sequence = sequence + 1;
    return record;
  }

  /**
   * Why `next()` has nothing: `'open'` (no data yet, the writer is alive), `'closed'`, `'full'`,
   * or `'abandoned'` (open, but no heartbeat for longer than `writerTimeoutMs`). Meaningful
   * once `next()` returned undefined; closed and full are reported only after every record
   * before the end was read.
   *
   * @param nowMs - the time to judge the heartbeat against, Unix ms; default now
   * @returns the channel's status as this reader sees it
   * @throws ERR_ANNAL_CORRUPT when the state word holds no valid state; ERR_ANNAL_CLOSED after
   *   {@link ChannelReader.close}
   */
  status(nowMs = Date.now()): ChannelStatus {
    if (this.#closed) throw this.#closedError();
    const state = this.#loadState();
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

  /**
   * Unmaps the channel; a kept record view then reads as empty. Idempotent; every other method
   * throws ERR_ANNAL_CLOSED afterwards.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
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

  /** The state word, refused unless it is one the writer stores. */
  #loadState(): number {
    const state = loadChannelState(this.#words);
    if (state !== CHANNEL_OPEN && state !== CHANNEL_CLOSED && state !== CHANNEL_FULL) {
      throw new CorruptError(`${this.path}: invalid channel state ${state} in the header`, {
        path: this.path,
        offset: 0,
        field: 'state',
      });
    }
    return state;
  }

  /**
   * A free frame (length word 0) is where the writer has not written yet, unless the writer
   * ended the channel: then the end frame comes first, so a 0 here means a record's length word
   * was cleared. Runs only when `next()` finds nothing.
   */
  #checkFree(offset: number): void {
    if (this.#loadState() === CHANNEL_OPEN) return;
    // The end frame was published before the state: load the word again after the state.
    if (loadLengthWord(this.#words, offset) !== 0) return;
    throw this.#corrupt(
      offset,
      `free frame after record ${this.#sequence - 1}, but the writer ended the channel after ${getChannelRecordCount(this.#words)} records: a length word was cleared`,
    );
  }

  /** The end frame must stand where the writer ended, after as many records as it wrote. */
  #checkEnd(offset: number): void {
    if (
      getChecksumWord(this.#words, offset) !== packChannelEndCheck(this.#position, this.#sequence)
    ) {
      throw this.#corrupt(
        offset,
        `end frame after ${this.#sequence} records does not match its position and record count: a record's length word turned into the end mark, or the end frame was changed`,
      );
    }
  }

  #corrupt(offset: number, what: string): CorruptError {
    return new CorruptError(`${this.path}: corrupt frame at file offset ${offset}: ${what}`, {
      path: this.path,
      offset,
      field: 'frame',
    });
  }

  #closedError(): ClosedError {
    return new ClosedError(`${this.path}: the reader is closed`, {
      path: this.path,
      field: 'reader',
    });
  }
}

/** Refuses a path that is not a regular file, and files too short for a channel, before opening. */
function checkChannelFile(path: string): void {
  if (typeof path !== 'string') {
    throw new InvalidArgumentError(`path must be a string: path=${describeValue(path)}`, {
      field: 'path',
    });
  }
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw fromErrno(error, { path, field: 'path' });
  }
  if (!stats.isFile()) {
    throw new InvalidArgumentError(
      `${path} is not a regular file (${describeFileType(stats)}): a channel is a file made by Channel.create`,
      { path, field: 'path' },
    );
  }
  checkChannelSize(path, stats.size);
}

/** A channel is a 128-byte header and a multiple of 8 bytes of data: anything else was cut. */
function checkChannelSize(path: string, sizeBytes: number): void {
  if (sizeBytes < CHANNEL_HEADER_BYTES) {
    throw new CorruptError(
      `${path} is too short for a channel header: ${sizeBytes} bytes, a channel has at least ${CHANNEL_HEADER_BYTES}`,
      { path, offset: sizeBytes, field: 'size' },
    );
  }
  if ((sizeBytes - CHANNEL_HEADER_BYTES) % FRAME_ALIGNMENT_BYTES !== 0) {
    throw new CorruptError(
      `${path}: ${sizeBytes} bytes is not a channel's size (a ${CHANNEL_HEADER_BYTES}-byte header and a multiple of ${FRAME_ALIGNMENT_BYTES} bytes of data): the file was cut or grown`,
      { path, offset: sizeBytes, field: 'size' },
    );
  }
}

function describeFileType(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value !== 'object') return `${typeof value} ${String(value as number)}`;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag === 'Object' ? 'a plain object' : `a ${tag}`;
}

/** The error for a payload that is not a Uint8Array (kept out of `write`'s body). */
function rejectPayload(path: string, payload: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    `${path}: payload must be a Uint8Array (or a Buffer): payload=${describeValue(payload)}; nothing was written`,
    { path, field: 'payload' },
  );
}
