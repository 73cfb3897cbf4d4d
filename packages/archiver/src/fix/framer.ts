/**
 * {@link FixFramer}: cuts a TCP byte stream into FIX messages, checking BodyLength and CheckSum,
 * with a bounded carry-over buffer for the messages that straddle two chunks.
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';
import { byteSize, parseOptions } from '@annal/native/internal';
import { z } from 'zod';

import {
  BEGIN_STRING_PREFIX,
  BEGIN_STRING_TAG,
  BODY_LENGTH_TAG,
  CHECKSUM_DIGITS,
  CHECKSUM_PREFIX,
  DIGIT_NINE,
  DIGIT_ZERO,
  EQUALS,
  MAX_BEGIN_STRING_BYTES,
  MAX_BODY_LENGTH_DIGITS,
  SOH,
  TRAILER_BYTES,
  fixChecksum,
} from './fix-layout.js';

/** Default {@link FixFramerOptions.maxMessageBytes}: 1 MiB. */
export const DEFAULT_MAX_FIX_MESSAGE_BYTES = 1024 * 1024;
/** Smallest {@link FixFramerOptions.maxMessageBytes} accepted: 64 bytes (a header alone may take 32). */
export const MIN_MAX_FIX_MESSAGE_BYTES = 64;
/** Largest {@link FixFramerOptions.maxMessageBytes} accepted: 1 GiB. */
export const MAX_MAX_FIX_MESSAGE_BYTES = 1024 * 1024 * 1024;

/**
 * Why a frame was rejected:
 * - `'begin-string'`: the bytes do not start with `8=FIX…<SOH>` (garbage between messages, or a
 *   BeginString longer than 16 bytes);
 * - `'body-length'`: no `9=` field after the BeginString, or its value is empty, not decimal, or
 *   longer than 10 digits;
 * - `'too-large'`: the BodyLength makes the message longer than `maxMessageBytes`;
 * - `'trailer'`: `10=nnn<SOH>` is not where BodyLength says it is (a wrong BodyLength, or no
 *   CheckSum field);
 * - `'checksum'`: the CheckSum is not three digits or does not match the bytes;
 * - `'truncated'`: the stream ended ({@link FixFramer.finish}) inside a message.
 */
export type FixMalformedReason =
  'begin-string' | 'body-length' | 'too-large' | 'trailer' | 'checksum' | 'truncated';

/**
 * Receives each complete, verified message: `buffer[offset, offset + length)`. The bytes are a
 * view into the pushed chunk or into the framer's carry-over buffer, valid only during the call
 * (copy them to keep them). It must not throw: an exception leaves `push()` at once, and the
 * rest of that chunk is not framed.
 */
export type FixMessageHandler = (buffer: Uint8Array, offset: number, length: number) => void;

/**
 * Receives each rejected frame, with the reason and the bytes the framer rejected (as far as it
 * looked: the frame, or the garbage up to the next possible `8=FIX` in the same chunk). The
 * bytes are a view valid only during the call.
 */
export type FixMalformedHandler = (reason: FixMalformedReason, bytes: Uint8Array) => void;

/** Options of {@link FixFramer}. */
export interface FixFramerOptions {
  /**
   * Largest message accepted, in bytes (a number, or a size such as `'64 KiB'`): the framer never
   * buffers more than this, and a BodyLength that would exceed it is malformed (`'too-large'`).
   * From 64 bytes to 1 GiB. Default 1 MiB.
   */
  readonly maxMessageBytes?: number | string;
  /** Called for each malformed frame; the count is kept either way. Default: none. */
  readonly onMalformed?: FixMalformedHandler;
}

const optionsSchema = z.strictObject({
  maxMessageBytes: byteSize({
    min: MIN_MAX_FIX_MESSAGE_BYTES,
    max: MAX_MAX_FIX_MESSAGE_BYTES,
  }).default(DEFAULT_MAX_FIX_MESSAGE_BYTES),
  onMalformed: z
    .custom<FixMalformedHandler>((value) => typeof value === 'function', 'must be a function')
    .optional(),
});

// What parse() found; details are left in fields so the fast path allocates nothing.
const COMPLETE = 0;
const NEED_MORE = 1;
const MALFORMED = 2;
type ParseStatus = typeof COMPLETE | typeof NEED_MORE | typeof MALFORMED;

/** First carry-over allocation; it grows by doubling up to `maxMessageBytes`. */
const INITIAL_CARRY_BYTES = 4096;

/**
 * Cuts a TCP byte stream into FIX messages. Push each chunk as it arrives, split anywhere (even
 * byte by byte); each complete message whose BodyLength and CheckSum check out goes to the
 * message handler as a view, without a copy when it lies inside one chunk. A message split
 * across chunks is assembled in a carry-over buffer that never holds more than
 * `maxMessageBytes`.
 *
 * A malformed frame is counted ({@link FixFramer.malformed}), passed to `onMalformed` with its
 * reason, and never handed on as a message; the framer then looks for the next `8=FIX` after the
 * start of the rejected frame and carries on. Garbage between two messages counts once, however
 * many chunks it spans.
 *
 * @example
 * ```ts
 * const framer = new FixFramer((buffer, offset, length) => {
 *   archive(buffer.subarray(offset, offset + length));
 * }, { onMalformed: (reason) => console.warn('bad FIX frame', reason) });
 * socket.on('data', (chunk) => framer.push(chunk));
 * ```
 */
export class FixFramer {
  /** The largest message accepted, in bytes (the parsed option). */
  readonly maxMessageBytes: number;
  readonly #onMessage: FixMessageHandler;
  readonly #onMalformed: FixMalformedHandler | undefined;
  #carry: Uint8Array = new Uint8Array(0);
  #carryLength = 0;
  #messages = 0;
  #malformed = 0;
  // True from a rejected frame until the next message: garbage that follows is the same run.
  #discarding = false;
  // Set by #parse.
  #frameLength = 0;
  #needBytes = 0;
  #reason: FixMalformedReason = 'begin-string';
  #examined = 0;

  /**
   * @param onMessage - called with each complete, verified message
   * @param options - `maxMessageBytes` and `onMalformed`
   * @throws InvalidArgumentError ERR_ANNAL_INVALID_ARGUMENT when `onMessage` is not a function
   * @throws InvalidOptionError ERR_ANNAL_INVALID_OPTION naming a bad option
   */
  constructor(onMessage: FixMessageHandler, options: FixFramerOptions = {}) {
    if (typeof onMessage !== 'function') {
      throw new InvalidArgumentError(
        `FixFramer: onMessage must be a function: onMessage=${String(onMessage)}`,
        { field: 'onMessage' },
      );
    }
    const parsed = parseOptions(optionsSchema, options, 'FixFramer');
    this.maxMessageBytes = parsed.maxMessageBytes;
    this.#onMessage = onMessage;
    this.#onMalformed = parsed.onMalformed;
  }

  /** Messages handed on so far. */
  get messages(): number {
    return this.#messages;
  }

  /** Malformed frames counted so far (see {@link FixMalformedReason}). */
  get malformed(): number {
    return this.#malformed;
  }

  /** Bytes held for a message not complete yet (at most `maxMessageBytes`). */
  get buffered(): number {
    return this.#carryLength;
  }

  /**
   * Frames `chunk`: hands on every message it completes. The framer does not keep `chunk`
   * (what it needs later is copied), so the caller may reuse it when this returns.
   *
   * @param chunk - the next bytes of the stream
   * @throws InvalidArgumentError ERR_ANNAL_INVALID_ARGUMENT when `chunk` is not a Uint8Array
   */
  push(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) {
      throw new InvalidArgumentError(
        `FixFramer.push: chunk must be a Uint8Array: chunk=${Object.prototype.toString.call(chunk)}`,
        { field: 'chunk' },
      );
    }
    const end = chunk.length;
    let position = this.#carryLength > 0 ? this.#drainCarry(chunk) : 0;
    while (position < end) {
      const status = this.#parse(chunk, position, end);
      if (status === COMPLETE) {
        this.#deliver(chunk, position, this.#frameLength);
        position += this.#frameLength;
      } else if (status === NEED_MORE) {
        this.#keep(chunk, position, end);
        position = end;
      } else {
        position = this.#reject(chunk, position, end);
      }
    }
  }

  /**
   * Ends the stream. The bytes held for an incomplete message are counted as malformed
   * (`'truncated'`) and searched for later messages: a frame whose BodyLength claimed more bytes
   * than came holds the messages behind it until the stream ends, and they are handed on here.
   * The framer can be used for a new stream afterwards.
   */
  finish(): void {
    while (this.#carryLength > 0) {
      const carry = this.#carry;
      const length = this.#carryLength;
      const status = this.#parse(carry, 0, length);
      if (status === COMPLETE) {
        this.#deliver(carry, 0, this.#frameLength);
        this.#dropCarryFront(this.#frameLength);
      } else {
        // A lone `8=FIX` prefix after garbage is the tail of that garbage, not a message.
        if (status === NEED_MORE) {
          this.#reason = 'truncated';
          this.#examined = length;
          if (this.#discarding && length <= BEGIN_STRING_PREFIX.length)
            this.#reason = 'begin-string';
        }
        this.#dropCarryFront(this.#reject(carry, 0, length));
      }
    }
    this.#discarding = false;
  }

  /** Forgets any partial message (not counted) and starts afresh; counts are kept. */
  reset(): void {
    this.#carryLength = 0;
    this.#discarding = false;
  }

  /**
   * Completes the message in the carry from the front of `chunk`, copying only the bytes that
   * message needs. Returns where in `chunk` the fast path takes over.
   */
  #drainCarry(chunk: Uint8Array): number {
    const end = chunk.length;
    let position = 0;
    while (this.#carryLength > 0) {
      const carry = this.#carry;
      const status = this.#parse(carry, 0, this.#carryLength);
      if (status === COMPLETE) {
        const length = this.#frameLength;
        this.#deliver(carry, 0, length);
        this.#dropCarryFront(length);
      } else if (status === MALFORMED) {
        this.#dropCarryFront(this.#reject(carry, 0, this.#carryLength));
      } else {
        if (position === end) return end;
        const wanted = Math.min(this.#needBytes - this.#carryLength, end - position);
        this.#ensureCarry(this.#carryLength + wanted);
        this.#carry.set(chunk.subarray(position, position + wanted), this.#carryLength);
        this.#carryLength += wanted;
        position += wanted;
      }
    }
    return position;
  }

  #deliver(buffer: Uint8Array, offset: number, length: number): void {
    this.#messages++;
    this.#discarding = false;
    this.#onMessage(buffer, offset, length);
  }

  /**
   * Counts the frame at `start` (unless it continues a garbage run) and returns where to look
   * for the next one: the next `8` after `start`, or `end`.
   */
  #reject(buffer: Uint8Array, start: number, end: number): number {
    const found = buffer.indexOf(BEGIN_STRING_TAG, start + 1);
    const next = found === -1 || found >= end ? end : found;
    const reason = this.#reason;
    if (reason !== 'begin-string' || !this.#discarding) {
      const reported =
        reason === 'begin-string' ? next : Math.min(end, start + Math.max(1, this.#examined));
      this.#count(reason, buffer.subarray(start, reported));
    }
    this.#discarding = true;
    return next;
  }

  #count(reason: FixMalformedReason, bytes: Uint8Array): void {
    this.#malformed++;
    this.#onMalformed?.(reason, bytes);
  }

  /** Keeps `chunk[start, end)`, the beginning of a message, in the carry. */
  #keep(chunk: Uint8Array, start: number, end: number): void {
    this.#ensureCarry(end - start);
    this.#carry.set(chunk.subarray(start, end), 0);
    this.#carryLength = end - start;
  }

  #dropCarryFront(bytes: number): void {
    if (bytes >= this.#carryLength) {
      this.#carryLength = 0;
      return;
    }
    this.#carry.copyWithin(0, bytes, this.#carryLength);
    this.#carryLength -= bytes;
  }

  #ensureCarry(bytes: number): void {
    if (this.#carry.length >= bytes) return;
    const size = Math.min(
      this.maxMessageBytes,
      Math.max(bytes, INITIAL_CARRY_BYTES, this.#carry.length * 2),
    );
    const grown = new Uint8Array(size);
    grown.set(this.#carry.subarray(0, this.#carryLength), 0);
    this.#carry = grown;
  }

  #needMore(totalBytes: number): ParseStatus {
    this.#needBytes = totalBytes;
    return NEED_MORE;
  }

  #malformedAt(reason: FixMalformedReason, examined: number): ParseStatus {
    this.#reason = reason;
    this.#examined = examined;
    return MALFORMED;
  }

  /**
   * Reads the frame at `buffer[start, end)`: COMPLETE (length in #frameLength), NEED_MORE (how
   * many bytes from `start` the next decision needs, in #needBytes; at most the frame's length,
   * which is at most maxMessageBytes) or MALFORMED (#reason, #examined).
   */
  #parse(buffer: Uint8Array, start: number, end: number): ParseStatus {
    const available = end - start;
    for (let index = 0; index < BEGIN_STRING_PREFIX.length; index++) {
      if (index >= available) return this.#needMore(available + 1);
      if (buffer[start + index] !== BEGIN_STRING_PREFIX[index]) {
        return this.#malformedAt('begin-string', index + 1);
      }
    }
    let position = start + BEGIN_STRING_PREFIX.length;
    const beginStringEnd = start + 2 + MAX_BEGIN_STRING_BYTES;
    for (;;) {
      if (position >= end) return this.#needMore(position - start + 1);
      const byte = buffer[position] ?? 0;
      if (byte === SOH) break;
      if (position >= beginStringEnd || byte <= 0x20 || byte >= 0x7f) {
        return this.#malformedAt('begin-string', position - start + 1);
      }
      position++;
    }
    position++;
    // `9=`: two bytes, each of which may be the last that arrived.
    if (position >= end) return this.#needMore(position - start + 1);
    if (buffer[position] !== BODY_LENGTH_TAG) {
      return this.#malformedAt('body-length', position - start + 1);
    }
    position++;
    if (position >= end) return this.#needMore(position - start + 1);
    if (buffer[position] !== EQUALS) return this.#malformedAt('body-length', position - start + 1);
    position++;
    let bodyLength = 0;
    let digits = 0;
    for (;;) {
      if (position >= end) return this.#needMore(position - start + 1);
      const byte = buffer[position] ?? 0;
      if (byte === SOH) break;
      if (byte < DIGIT_ZERO || byte > DIGIT_NINE || digits === MAX_BODY_LENGTH_DIGITS) {
        return this.#malformedAt('body-length', position - start + 1);
      }
      bodyLength = bodyLength * 10 + (byte - DIGIT_ZERO);
      digits++;
      position++;
    }
    if (digits === 0) return this.#malformedAt('body-length', position - start + 1);
    position++;
    const headerLength = position - start;
    const frameLength = headerLength + bodyLength + TRAILER_BYTES;
    if (frameLength > this.maxMessageBytes) return this.#malformedAt('too-large', headerLength);
    if (available < frameLength) return this.#needMore(frameLength);

    const trailer = position + bodyLength;
    if (
      buffer[trailer - 1] !== SOH ||
      buffer[trailer] !== CHECKSUM_PREFIX[0] ||
      buffer[trailer + 1] !== CHECKSUM_PREFIX[1] ||
      buffer[trailer + 2] !== CHECKSUM_PREFIX[2] ||
      buffer[trailer + TRAILER_BYTES - 1] !== SOH
    ) {
      return this.#malformedAt('trailer', frameLength);
    }
    let declared = 0;
    for (let index = 0; index < CHECKSUM_DIGITS; index++) {
      const byte = buffer[trailer + CHECKSUM_PREFIX.length + index] ?? 0;
      if (byte < DIGIT_ZERO || byte > DIGIT_NINE) return this.#malformedAt('checksum', frameLength);
      declared = declared * 10 + (byte - DIGIT_ZERO);
    }
    if (declared !== fixChecksum(buffer, start, trailer - start)) {
      return this.#malformedAt('checksum', frameLength);
    }
    this.#frameLength = frameLength;
    return COMPLETE;
  }
}
