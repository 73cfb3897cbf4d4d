/**
 * {@link archiveFixSocket}: taps a `net` socket carrying a FIX session and archives every
 * message in both directions, framed by {@link FixFramer}.
 *
 * @module
 */
import { Socket } from 'node:net';

import { InvalidArgumentError } from '@annal/native';
import { byteSize, parseOptions } from '@annal/native/internal';
import { z } from 'zod';

import type { ArchiveStream, Direction } from '../archive-stream.js';
import type { Archiver } from '../archiver.js';
import { MAX_STREAM_NAME_LENGTH } from '../stream-info.js';
import {
  DEFAULT_MAX_FIX_MESSAGE_BYTES,
  FixFramer,
  MAX_MAX_FIX_MESSAGE_BYTES,
  MIN_MAX_FIX_MESSAGE_BYTES,
  type FixMalformedReason,
} from './framer.js';

/** Options of {@link archiveFixSocket}. */
export interface ArchiveFixSocketOptions {
  /** The name of the archive stream this socket's messages go to (1 to 256 characters). */
  readonly stream: string;
  /**
   * Free text kept with the stream (the session's CompIDs, the venue). Default: the peer's
   * `address:port` when the socket is connected, else `''`.
   */
  readonly description?: string;
  /**
   * Largest FIX message accepted in either direction, in bytes (or a size such as `'64 KiB'`):
   * the most the tap buffers per direction; a longer message is malformed (`'too-large'`).
   * From 64 bytes to 1 GiB. Default 1 MiB.
   */
  readonly maxMessageBytes?: number | string;
  /** Called for each malformed frame, with its direction; it is counted either way. */
  readonly onMalformed?: (
    reason: FixMalformedReason,
    bytes: Uint8Array,
    direction: Direction,
  ) => void;
  /**
   * Called when recording a message threw (the archiver was closed: ERR_ANNAL_CLOSED; or
   * `whenFull: 'fail'` and the ring is full: ERR_ANNAL_BACK_PRESSURED). The tap never throws
   * into the socket's code; the message is counted in {@link FixSocketTap.failed}.
   */
  readonly onError?: (error: unknown, direction: Direction) => void;
}

const optionsSchema = z.strictObject({
  stream: z.string().min(1).max(MAX_STREAM_NAME_LENGTH),
  description: z.string().max(4096).optional(),
  maxMessageBytes: byteSize({
    min: MIN_MAX_FIX_MESSAGE_BYTES,
    max: MAX_MAX_FIX_MESSAGE_BYTES,
  }).default(DEFAULT_MAX_FIX_MESSAGE_BYTES),
  onMalformed: z
    .custom<NonNullable<ArchiveFixSocketOptions['onMalformed']>>(
      (value) => typeof value === 'function',
      'must be a function',
    )
    .optional(),
  onError: z
    .custom<NonNullable<ArchiveFixSocketOptions['onError']>>(
      (value) => typeof value === 'function',
      'must be a function',
    )
    .optional(),
});

type WriteArguments = Parameters<Socket['write']>;
type EndArguments = Parameters<Socket['end']>;

/**
 * A socket being archived: what has gone through it so far, and {@link FixSocketTap.detach}.
 * Returned by {@link archiveFixSocket}.
 */
export class FixSocketTap {
  /** The archive stream this socket's messages are recorded in. */
  readonly stream: ArchiveStream;
  readonly #socket: Socket;
  readonly #inbound: FixFramer;
  readonly #outbound: FixFramer;
  readonly #onError: ArchiveFixSocketOptions['onError'];
  readonly #ownWrite: PropertyDescriptor | undefined;
  readonly #ownEnd: PropertyDescriptor | undefined;
  readonly #wrappedWrite: Socket['write'];
  readonly #wrappedEnd: Socket['end'];
  #dropped = 0;
  #failed = 0;
  #attached = true;

  /** @internal */
  constructor(
    archiver: Archiver,
    socket: Socket,
    options: ReturnType<typeof parseArchiveFixSocketOptions>,
  ) {
    const remote =
      socket.remoteAddress === undefined ? '' : `${socket.remoteAddress}:${socket.remotePort}`;
    this.stream = archiver.stream(options.stream, {
      protocol: 'fix',
      description: options.description ?? remote,
    });
    this.#socket = socket;
    this.#onError = options.onError;
    const onMalformed = options.onMalformed;
    this.#inbound = new FixFramer(
      (buffer, offset, length) => {
        this.#record('in', buffer, offset, length);
      },
      {
        maxMessageBytes: options.maxMessageBytes,
        ...(onMalformed === undefined
          ? {}
          : { onMalformed: (reason, bytes) => onMalformed(reason, bytes, 'in') }),
      },
    );
    this.#outbound = new FixFramer(
      (buffer, offset, length) => {
        this.#record('out', buffer, offset, length);
      },
      {
        maxMessageBytes: options.maxMessageBytes,
        ...(onMalformed === undefined
          ? {}
          : { onMalformed: (reason, bytes) => onMalformed(reason, bytes, 'out') }),
      },
    );

    // The application's writes go through the instance's own write and end (a pipe() into the
    // socket calls them too); the originals are put back on detach.
    const originalWrite = Reflect.get(socket, 'write') as Socket['write'];
    const originalEnd = Reflect.get(socket, 'end') as Socket['end'];
    this.#ownWrite = Object.getOwnPropertyDescriptor(socket, 'write');
    this.#ownEnd = Object.getOwnPropertyDescriptor(socket, 'end');
    this.#wrappedWrite = ((...args: WriteArguments) => {
      this.#sent(args[0], args[1]);
      return Reflect.apply(originalWrite, socket, args) as boolean;
    }) as Socket['write'];
    this.#wrappedEnd = ((...args: EndArguments) => {
      if (typeof args[0] !== 'function') this.#sent(args[0], args[1]);
      return Reflect.apply(originalEnd, socket, args) as Socket;
    }) as Socket['end'];
    socket.write = this.#wrappedWrite;
    socket.end = this.#wrappedEnd;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
  }

  /** Messages received on the socket and recorded (or dropped by a full archiver). */
  get messagesIn(): number {
    return this.#inbound.messages;
  }

  /** Messages the application wrote to the socket and recorded (or dropped by a full archiver). */
  get messagesOut(): number {
    return this.#outbound.messages;
  }

  /** Malformed frames received: counted, not archived (see `FixMalformedReason`). */
  get malformedIn(): number {
    return this.#inbound.malformed;
  }

  /** Malformed frames the application wrote: counted, not archived. */
  get malformedOut(): number {
    return this.#outbound.malformed;
  }

  /** Messages the archiver dropped (its ring full under `whenFull: 'drop'`). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Messages whose recording threw (see {@link ArchiveFixSocketOptions.onError}). */
  get failed(): number {
    return this.#failed;
  }

  /** True until {@link FixSocketTap.detach} (or the socket closed). */
  get attached(): boolean {
    return this.#attached;
  }

  /**
   * Stops archiving: removes the tap's listeners, puts the socket's `write` and `end` back (unless
   * something wrapped them after the tap: the tap's wrappers then just pass through) and records
   * the stream's end. A message half received or half written is dropped, uncounted.
   * Called when the socket closes (after counting a message the close cut short as
   * `'truncated'`). Idempotent.
   */
  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    const socket = this.#socket;
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
    // Whoever wrapped the socket after the tap keeps their wrapper (the tap's, under it, now
    // only passes through).
    if (Reflect.get(socket, 'write') === this.#wrappedWrite)
      restore(socket, 'write', this.#ownWrite);
    if (Reflect.get(socket, 'end') === this.#wrappedEnd) restore(socket, 'end', this.#ownEnd);
    this.#inbound.reset();
    this.#outbound.reset();
    this.#guard('in', () => {
      this.stream.end();
    });
  }

  // The per-chunk paths catch inline (no closure per chunk); the rare ones go through #guard.
  readonly #onData = (chunk: Buffer | string): void => {
    try {
      this.#inbound.push(
        typeof chunk === 'string'
          ? Buffer.from(chunk, this.#socket.readableEncoding ?? 'utf8')
          : chunk,
      );
    } catch (error) {
      this.#failedWith(error, 'in');
    }
  };

  readonly #onEnd = (): void => {
    this.#guard('in', () => {
      this.#inbound.finish();
    });
  };

  readonly #onClose = (): void => {
    this.#guard('in', () => {
      this.#inbound.finish();
    });
    this.#guard('out', () => {
      this.#outbound.finish();
    });
    this.detach();
  };

  /**
   * Records one framed message. One view per message (`recordIn`/`recordOut` take a Uint8Array,
   * and copy it). A failure is caught here, per message, so the rest of the chunk is framed.
   */
  #record(direction: Direction, buffer: Uint8Array, offset: number, length: number): void {
    try {
      const bytes = buffer.subarray(offset, offset + length);
      const recorded =
        direction === 'in' ? this.stream.recordIn(bytes, true) : this.stream.recordOut(bytes, true);
      if (!recorded) this.#dropped++;
    } catch (error) {
      this.#failedWith(error, direction);
    }
  }

  /** Frames what the application hands to write/end, if the socket will take it. */
  #sent(chunk: unknown, encoding: unknown): void {
    const socket = this.#socket;
    if (!this.#attached || socket.writableEnded || socket.destroyed) return;
    try {
      if (chunk instanceof Uint8Array) this.#outbound.push(chunk);
      else if (typeof chunk === 'string') {
        this.#outbound.push(
          Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
        );
      }
    } catch (error) {
      this.#failedWith(error, 'out');
    }
  }

  /** Runs `work` so that nothing it throws reaches the socket's code. */
  #guard(direction: Direction, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#failedWith(error, direction);
    }
  }

  #failedWith(error: unknown, direction: Direction): void {
    this.#failed++;
    try {
      this.#onError?.(error, direction);
    } catch {
      // The application's own handler failed; the socket must still not see it.
    }
  }
}

/** Puts a wrapped method back: the instance's own property if it had one, else the prototype's. */
function restore(socket: Socket, key: 'write' | 'end', own: PropertyDescriptor | undefined): void {
  if (own === undefined) Reflect.deleteProperty(socket, key);
  else Object.defineProperty(socket, key, own);
}

function parseArchiveFixSocketOptions(options: unknown) {
  return parseOptions(optionsSchema, options, 'archiveFixSocket');
}

/**
 * Archives every FIX message on `socket`, both ways, into `archiver` as one stream (protocol
 * `'fix'`): what arrives (`'data'` events) is recorded as `'in'`, what the application writes
 * (`write`/`end`, which the tap wraps on the instance) as `'out'`. Each message is framed by
 * BodyLength and checked by CheckSum first; a malformed frame is counted
 * ({@link FixSocketTap.malformedIn}/`malformedOut`) and not archived, and framing carries on at
 * the next `8=FIX`. The bytes the application sends and receives are never changed, and nothing
 * the tap does throws into the socket's code.
 *
 * Attach it when the application attaches its own reader, or later: the tap's `'data'` listener
 * would start a paused socket flowing, as any listener does. It detaches itself when the socket
 * closes, recording the stream's end.
 *
 * @example
 * ```ts
 * const archiver = await Archiver.open('/var/lib/fix-archive');
 * const socket = net.connect(9878, 'fix.example.com');
 * const tap = archiveFixSocket(archiver, socket, { stream: 'venue-a' });
 * // … the FIX engine uses `socket` as usual …
 * console.log(tap.messagesIn, tap.messagesOut, tap.malformedIn);
 * ```
 *
 * @param archiver - an open archiver
 * @param socket - a `net.Socket` (or `tls.TLSSocket`: the tap sees the clear text)
 * @param options - the stream's name and the framing options
 * @throws InvalidArgumentError ERR_ANNAL_INVALID_ARGUMENT when `archiver` or `socket` is not one
 * @throws InvalidOptionError ERR_ANNAL_INVALID_OPTION naming a bad option
 * @throws ClosedError ERR_ANNAL_CLOSED when the archiver is closed
 */
export function archiveFixSocket(
  archiver: Archiver,
  socket: Socket,
  options: ArchiveFixSocketOptions,
): FixSocketTap {
  if (typeof (archiver as { stream?: unknown } | null)?.stream !== 'function') {
    throw new InvalidArgumentError('archiveFixSocket: archiver must be an open Archiver', {
      field: 'archiver',
    });
  }
  if (!(socket instanceof Socket)) {
    throw new InvalidArgumentError(
      `archiveFixSocket: socket must be a net.Socket: socket=${Object.prototype.toString.call(socket)}`,
      { field: 'socket' },
    );
  }
  return new FixSocketTap(archiver, socket, parseArchiveFixSocketOptions(options));
}
