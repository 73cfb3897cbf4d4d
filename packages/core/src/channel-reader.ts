/**
 * A reader of a channel file (channel.ts opens it): records in order, then why there are none.
 *
 * @module
 */
import type { MappedFile } from '@annal/native';
import { ClosedError, CorruptError, InvalidArgumentError, crc32c } from '@annal/native';
import { checkFileHeader } from '@annal/native/internal';

import { checkKnownKeys, checkOptionsObject, checkSignal } from './argument-checks.js';
import { payloadChecksumWords } from './checksum.js';
import { describeValue } from './describe-value.js';
import {
  CHANNEL_CHECKED_BYTES,
  CHANNEL_CHECKSUM_OFFSET,
  CHANNEL_CLOSED,
  CHANNEL_FULL,
  CHANNEL_HEADER_BYTES,
  CHANNEL_MAGIC,
  CHANNEL_OPEN,
  CHANNEL_VERSION,
  COMMITTED_FLAG,
  END_OF_CYCLE_WORD,
  FRAME_ALIGNMENT_BYTES,
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  SKIP_FLAGS,
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
} from './layout.js';

import { QueueRecord } from './record.js';

/** Options of {@link ChannelReader.follow}: the shape of `reader.follow()`, plus `pollMs`. */
export interface ChannelFollowOptions {
  /** Stops following when it aborts (the iteration then ends, returning the status). */
  readonly signal?: AbortSignal | undefined;
  /** Milliseconds between looks while the channel is open and empty. [1] */
  readonly pollMs?: number | undefined;
}

/** How a channel stands, as a reader sees it after `next()` found nothing. */
export type ChannelStatus = 'open' | 'closed' | 'full' | 'abandoned';

/**
 * Reads a channel from its first record: `next()` returns a reused record (zero-copy, valid
 * until the next call) or undefined, and then `status()` says why. Readers never write, so any
 * number may read in any process.
 */
export class ChannelReader implements Disposable, Iterable<QueueRecord> {
  /** The channel file's path, as given to {@link Channel.open}. */
  readonly path: string;
  /** Largest payload the channel allows. */
  readonly maxPayloadBytes: number;
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
    checkFileHeader({
      path,
      kind: 'core channel',
      magic: { found: header.magic, expected: CHANNEL_MAGIC },
      version: { found: header.version, expected: CHANNEL_VERSION },
      checksum: {
        stored: header.checksum,
        computed: crc32c(new Uint8Array(mapping.buffer, 0, CHANNEL_CHECKED_BYTES)),
        offset: CHANNEL_CHECKSUM_OFFSET,
      },
    });
    if (mapping.lengthBytes !== CHANNEL_HEADER_BYTES + header.capacity) {
      throw new CorruptError(
        `${path}: the file's size disagrees with the capacity in its header: ${mapping.lengthBytes} bytes, expected ${CHANNEL_HEADER_BYTES + header.capacity} (a ${CHANNEL_HEADER_BYTES}-byte header and capacity=${header.capacity}); cut or grown`,
        { path, offset: mapping.lengthBytes, field: 'size' },
      );
    }
    this.#capacity = header.capacity;
    this.#checksums = header.checksums;
    this.maxPayloadBytes = header.maxPayloadBytes;
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
      (word & SKIP_FLAGS) !== COMMITTED_FLAG ||
      length > this.maxPayloadBytes ||
      this.#position + frameLength + FRAME_HEADER_BYTES > this.#capacity
    ) {
      throw this.#corrupt(
        offset,
        `invalid length word 0x${(word >>> 0).toString(16)} (not a record, longer than maxPayloadBytes=${this.maxPayloadBytes}, or past the end)`,
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
    if (typeof nowMs !== 'number' || Number.isNaN(nowMs)) {
      throw new InvalidArgumentError(
        `nowMs must be a number of Unix ms: nowMs=${describeValue(nowMs)}`,
        {
          field: 'nowMs',
        },
      );
    }
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
  follow(
    options: ChannelFollowOptions = {},
  ): AsyncGenerator<QueueRecord, ChannelStatus, undefined> {
    const checked = checkOptionsObject(options);
    checkKnownKeys(checked, ['signal', 'pollMs'], 'channelReader.follow');
    const signal = checkSignal(checked['signal']);
    const pollMs = checked['pollMs'] ?? 1;
    if (typeof pollMs !== 'number' || !Number.isFinite(pollMs) || pollMs < 0) {
      throw new InvalidArgumentError(
        `pollMs must be a finite number of milliseconds ≥ 0: pollMs=${describeValue(pollMs)}`,
        { field: 'pollMs' },
      );
    }
    return this.#follow(signal, pollMs);
  }

  async *#follow(
    signal: AbortSignal | undefined,
    pollMs: number,
  ): AsyncGenerator<QueueRecord, ChannelStatus, undefined> {
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

  /** The error for the frame at file `offset`, where record `#sequence` was expected. */
  #corrupt(offset: number, what: string): CorruptError {
    return new CorruptError(
      `${this.path}: corrupt frame at file offset ${offset} (record ${this.#sequence}): ${what}`,
      { path: this.path, offset, index: this.#sequence, field: 'frame' },
    );
  }

  #closedError(): ClosedError {
    return new ClosedError(`${this.path}: the reader is closed`, {
      path: this.path,
      field: 'reader',
    });
  }
}

/** A channel is a 128-byte header and a multiple of 8 bytes of data: anything else was cut. */
export function checkChannelSize(path: string, sizeBytes: number): void {
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
