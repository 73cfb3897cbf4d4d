/**
 * The only writer of a channel file (channel.ts creates it).
 *
 * @module
 */
import type { MappedFile } from '@annal/native';
import { ClosedError, FullError, InvalidArgumentError, TooLargeError } from '@annal/native';
import { payloadChecksumWords } from './checksum.js';
import { describeValue, isForeignUint8Array } from './describe-value.js';
import { coarseClockView } from './coarse-clock.js';
import {
  CHANNEL_CLOSED,
  CHANNEL_FULL,
  CHANNEL_HEADER_BYTES,
  CHANNEL_OPEN,
  END_OF_CYCLE_WORD,
  FRAME_HEADER_BYTES,
  type ChannelConfiguration,
  computeFrameLength,
  packChannelEndCheck,
  computeRecordTag,
  packRecordWord,
  setChannelRecordCount,
  setChecksumWord,
  setHeartbeat,
  storeChannelState,
  storeLengthWord,
} from './layout.js';

/**
 * The only writer of a channel. Appends records until it closes the channel or the channel is
 * full; neither can be undone. It keeps a heartbeat in the header (on every write, at most once
 * a millisecond, and from a timer while idle) so readers can tell it is alive.
 *
 * Durability: records survive a crash of the writer as soon as `write` returns; power loss only
 * after `sync()`. Threading: the thread that created it.
 */
export class ChannelWriter implements Disposable {
  /** The channel file's path, as given to {@link Channel.create}. */
  readonly path: string;
  /** Largest payload a record may have. */
  readonly maxPayloadBytes: number;
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
    this.maxPayloadBytes = configuration.maxPayloadBytes;
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
   *   does not move; ERR_ANNAL_TOO_LARGE when `payload` exceeds `maxPayloadBytes`; ERR_ANNAL_FULL
   *   when it does not fit any more (the channel is then marked full, for good); ERR_ANNAL_CLOSED
   *   after close or full
   */
  write(payload: Uint8Array): number {
    if (!(payload instanceof Uint8Array) && !isForeignUint8Array(payload)) {
      throw rejectPayload(this.path, payload);
    }
    if (this.#state !== CHANNEL_OPEN) throw this.#ended();
    const length = payload.length;
    if (length > this.maxPayloadBytes) {
      throw new TooLargeError(
        `record is longer than the channel allows: length=${length}, maxPayloadBytes=${this.maxPayloadBytes}`,
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
   * Makes everything written so far survive power loss: an msync off the JavaScript thread.
   *
   * @throws (rejects) ERR_ANNAL_CLOSED after {@link ChannelWriter.close}; ERR_ANNAL_IO when the
   *   msync fails
   */
  async sync(): Promise<void> {
    this.#checkOpen();
    await this.#mapping.msync();
  }

  /**
   * Like {@link ChannelWriter.sync}, but blocks the thread in the msync.
   *
   * @throws ERR_ANNAL_CLOSED after {@link ChannelWriter.close}; ERR_ANNAL_IO when the msync fails
   */
  syncSync(): void {
    this.#checkOpen();
    this.#mapping.msyncSync();
  }

  #checkOpen(): void {
    if (this.#mapping.closed) {
      throw new ClosedError(`${this.path}: the writer is closed`, {
        path: this.path,
        field: 'writer',
      });
    }
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

/** The error for a payload that is not a Uint8Array (kept out of `write`'s body). */
function rejectPayload(path: string, payload: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    `${path}: payload must be a Uint8Array (or a Buffer): payload=${describeValue(payload)}; nothing was written`,
    { path, field: 'payload' },
  );
}
