/**
 * `archiveWebSocket`: records every message a `ws` socket receives and sends into one archiver
 * stream, without changing what the application sends or receives.
 *
 * @module
 */
import type { WebSocket } from 'ws';
import { InvalidArgumentError, UnsupportedError } from '@annal/native';

import { parseOptions } from '@annal/native/internal';
import { z } from 'zod';

import type { Archiver } from '../archiver.js';
import type { ArchiveStream } from '../archive-stream.js';
import { MAX_STREAM_NAME_LENGTH } from '../stream-info.js';
import { inboundBytes, outboundBytes, sentAsText, Utf8Scratch } from './message-bytes.js';

/** `WebSocket.OPEN`, `CLOSING`: the adapter reads the numbers, it does not load `ws`. */
const OPEN = 1;
const CLOSING = 2;

/**
 * One for every tap: it is used from the encoding of a sent string to the archiver's copy of the
 * bytes, with nothing in between that could send again.
 */
const scratch = new Utf8Scratch();

/** The `protocol` of every stream this adapter declares. */
export const WS_PROTOCOL = 'ws';

/** Options of {@link archiveWebSocket}. */
export interface ArchiveWebSocketOptions {
  /**
   * The archiver stream's name (1 to 256 characters). Default `ws:<peer>`: the `host:port` of
   * the URL a client socket connects to (so the reconnects of one feed share a name, each its
   * own stream), or the remote `address:port` of a socket a server accepted (`ws:[::1]:50312`).
   * Names need not be unique: each tap declares a stream of its own.
   */
  readonly stream?: string;
  /** Free text stored with the stream's declaration (what the feed is, which venue). */
  readonly description?: string;
}

/** A socket being recorded, returned by {@link archiveWebSocket}. Its counters only grow. */
export interface WebSocketTap {
  /** The archiver stream's name. */
  readonly stream: string;
  /** The archiver stream's id. */
  readonly streamId: number;
  /** Messages the socket received while attached (recorded or not). */
  readonly messagesIn: number;
  /** Messages the application sent while attached (recorded or not). */
  readonly messagesOut: number;
  /** Of those messages, how many the archiver dropped because its ring was full (`whenFull: 'drop'`). */
  readonly dropped: number;
  /**
   * Of those messages, how many could not be recorded: a Blob (read only asynchronously), or the
   * archiver threw (it was closed, for example; {@link WebSocketTap.lastError} has the error).
   */
  readonly failed: number;
  /** The last error the archiver threw while recording, if any. */
  readonly lastError: unknown;
  /** False once detached, by {@link WebSocketTap.detach} or because the socket closed. */
  readonly attached: boolean;
  /**
   * Stops recording: removes the message listener and restores the socket's `send`. Idempotent;
   * happens by itself when the socket emits 'close'. The stream stays declared in the archiver.
   */
  detach(): void;
}

/** The `ws` members the tap uses, beyond the public typings (`_socket` is ws's net.Socket). */
interface SocketInternals {
  readonly _socket?: { readonly remoteAddress?: string; readonly remotePort?: number } | null;
}

type Send = (this: unknown, ...args: unknown[]) => unknown;

/** The options argument of `ws.send(data, options?, cb?)`, as far as the tap reads it. */
interface SendOptions {
  readonly binary?: unknown;
  readonly fin?: unknown;
}

class SocketTap implements WebSocketTap {
  readonly stream: string;
  readonly streamId: number;
  messagesIn = 0;
  messagesOut = 0;
  dropped = 0;
  failed = 0;
  lastError: unknown = undefined;
  attached = true;

  readonly #socket: WebSocket;
  readonly #archived: ArchiveStream;
  readonly #originalSend: Send;
  readonly #ownSend: boolean;
  readonly #wrappedSend: Send;
  /** Copies of the fragments of an outbound message sent with `fin: false`, until its last one. */
  #fragments: Uint8Array[] | undefined;
  #fragmentsText = false;
  /** A fragment of the message was a Blob: the message cannot be recorded. */
  #fragmentsFailed = false;

  constructor(socket: WebSocket, archived: ArchiveStream, name: string) {
    this.#socket = socket;
    this.#archived = archived;
    this.stream = name;
    this.streamId = archived.id;
    this.#ownSend = Object.prototype.hasOwnProperty.call(socket, 'send');
    this.#originalSend = (socket as unknown as { send: Send }).send;
    const originalSend = this.#originalSend;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the wrapper needs both `this`es
    const tap = this;
    this.#wrappedSend = function send(this: unknown, ...args: unknown[]): unknown {
      // A socket not open sends nothing (ws reports it to the callback): record nothing either.
      // A CONNECTING socket throws from the original send, before anything is recorded.
      const open = tap.attached && (this as { readyState?: unknown }).readyState === OPEN;
      const result = Reflect.apply(originalSend, this, args);
      if (open) {
        try {
          tap.#sent(args[0], args[1]);
        } catch (error) {
          // Nothing thrown into the application's send: the message is counted as not recorded.
          tap.failed++;
          tap.lastError = error;
        }
      }
      return result;
    };
    // Before the application's listeners: a listener that throws stops the ones after it.
    socket.prependListener('message', this.onMessage);
    socket.once('close', this.onClose);
    (socket as unknown as { send: Send }).send = this.#wrappedSend;
  }

  readonly onMessage = (data: unknown, isBinary: boolean): void => {
    this.messagesIn++;
    const bytes = inboundBytes(data);
    if (bytes === undefined) {
      this.failed++;
      return;
    }
    this.#record(bytes, !isBinary, true);
  };

  /** The socket closed: the tap detaches, and its stream ends in the archive. */
  readonly onClose = (): void => {
    this.detach();
  };

  /** Records what `send(data, options)` puts on the wire, joining the fragments of one message. */
  #sent(data: unknown, options: unknown): void {
    const sendOptions =
      typeof options === 'object' && options !== null ? (options as SendOptions) : undefined;
    const text =
      sendOptions?.binary === undefined ? sentAsText(data) : sendOptions.binary === false;
    const last = sendOptions?.fin === undefined || sendOptions.fin !== false;
    const bytes = outboundBytes(data, scratch);
    if (last && this.#fragments === undefined) {
      this.messagesOut++;
      if (bytes === undefined) this.failed++;
      else this.#record(bytes, text, false);
      return;
    }
    // A fragmented message: its opcode (text or binary) is the first fragment's.
    if (this.#fragments === undefined) {
      this.#fragments = [];
      this.#fragmentsText = text;
      this.#fragmentsFailed = false;
    }
    if (bytes === undefined) this.#fragmentsFailed = true;
    else this.#fragments.push(new Uint8Array(bytes));
    if (!last) return;
    const fragments = this.#fragments;
    this.#fragments = undefined;
    this.messagesOut++;
    if (this.#fragmentsFailed) this.failed++;
    else this.#record(Buffer.concat(fragments), this.#fragmentsText, false);
  }

  #record(bytes: Uint8Array, text: boolean, inbound: boolean): void {
    // Never throw into ws's event loop, nor into the application's send.
    try {
      const accepted = inbound
        ? this.#archived.recordIn(bytes, text)
        : this.#archived.recordOut(bytes, text);
      if (!accepted) this.dropped++;
    } catch (error) {
      this.failed++;
      this.lastError = error;
    }
  }

  readonly detach = (): void => {
    if (!this.attached) return;
    this.attached = false;
    const socket = this.#socket;
    socket.removeListener('message', this.onMessage);
    socket.removeListener('close', this.onClose);
    const holder = socket as unknown as { send: Send };
    // Someone wrapped send after us: leave their wrapper, ours passes through from now on.
    if (holder.send === this.#wrappedSend) {
      if (this.#ownSend) holder.send = this.#originalSend;
      else delete (holder as { send?: Send }).send;
    }
    if (this.#fragments !== undefined) {
      // The socket closed in the middle of a fragmented message: it never went out whole.
      this.#fragments = undefined;
      this.messagesOut++;
      this.failed++;
    }
    // Detached (by the app or by the close): the stream ends in the archive.
    try {
      this.#archived.end();
    } catch (error) {
      this.lastError = error;
    }
  };
}

function checkSocket(socket: unknown): asserts socket is WebSocket {
  const candidate = socket as Partial<Record<string, unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate['send'] !== 'function' ||
    typeof candidate['prependListener'] !== 'function' ||
    typeof candidate['readyState'] !== 'number'
  )
    throw new InvalidArgumentError(
      'archiveWebSocket: socket must be a WebSocket from the ws package',
      { field: 'socket' },
    );
  const { readyState, binaryType } = candidate as { readyState: number; binaryType?: unknown };
  if (readyState >= CLOSING)
    throw new InvalidArgumentError(
      `archiveWebSocket: socket is closing or closed (readyState ${readyState}): attach in the 'open' or 'connection' handler, or right after new WebSocket()`,
      { field: 'socket' },
    );
  if (binaryType === 'blob')
    throw new UnsupportedError(
      `archiveWebSocket: socket.binaryType 'blob' is not supported: a Blob's bytes can only be read asynchronously, so its message would be recorded out of order; use 'nodebuffer' (the default), 'arraybuffer' or 'fragments'`,
      { field: 'socket.binaryType' },
    );
}

const archiveWebSocketOptionsSchema = z.strictObject({
  stream: z.string().min(1).max(MAX_STREAM_NAME_LENGTH).optional(),
  description: z.string().optional(),
});

/** Throws unless `archiver` looks like an Archiver (`archiver.stream()` checks it is open). */
export function checkArchiver(archiver: unknown, where: string): asserts archiver is Archiver {
  if (
    typeof archiver !== 'object' ||
    archiver === null ||
    typeof (archiver as { stream?: unknown }).stream !== 'function'
  )
    throw new InvalidArgumentError(`${where}: archiver must be an Archiver`, {
      field: 'archiver',
    });
}

/** `host:port` of the far end: the URL of a client socket, the TCP peer of an accepted one. */
function peerOf(socket: WebSocket): string {
  const url = (socket as { url?: unknown }).url;
  if (typeof url === 'string' && url !== '') {
    try {
      // Only host and port: a URL's path and query may carry credentials.
      const { host } = new URL(url);
      if (host !== '') return host;
    } catch {
      // Not a URL ws would have accepted: name the TCP peer.
    }
  }
  const tcp = (socket as unknown as SocketInternals)._socket;
  const address = tcp?.remoteAddress;
  if (address === undefined) return 'socket';
  return address.includes(':')
    ? `[${address}]:${tcp?.remotePort}`
    : `${address}:${tcp?.remotePort}`;
}

/** Declares the tap's stream in `archiver`. */
function declareStream(
  archiver: Archiver,
  socket: WebSocket,
  options: { readonly stream?: string | undefined; readonly description?: string | undefined },
): ArchiveStream {
  const name = options.stream ?? `ws:${peerOf(socket)}`;
  return archiver.stream(
    name,
    options.description === undefined
      ? { protocol: WS_PROTOCOL }
      : { protocol: WS_PROTOCOL, description: options.description },
  );
}

/**
 * Records every message `socket` receives (direction 'in') and every message the application
 * sends through it (direction 'out') into a new stream of `archiver` (protocol `'ws'`), text
 * messages flagged as text, until the socket closes or the tap is detached.
 *
 * Attach before messages flow: right after `new WebSocket(url)`, in its 'open' handler, or in the
 * server's 'connection' handler; a message received or sent before is not recorded. Inbound
 * messages are recorded as `ws` hands them to the application (after permessage-deflate
 * decompression), under every `binaryType` but 'blob'. Outbound ones as `send` was given them: a
 * string as its UTF-8 bytes, text unless `{ binary: true }`; bytes (Buffer, TypedArray, DataView,
 * ArrayBuffer) binary unless `{ binary: false }`; the fragments of a `fin: false` message joined
 * into one. Nothing the application sends or receives changes, and nothing is thrown into `ws`:
 * what could not be recorded is counted in the tap.
 *
 * @param archiver - an open `Archiver`
 * @param socket - a `WebSocket` of the `ws` package, client or server side, not closing or closed
 * @param options - the stream's name and description
 * @returns the tap: counters and `detach()`
 * @throws ERR_ANNAL_INVALID_ARGUMENT when `socket` is not a ws WebSocket or is closing or closed;
 *   ERR_ANNAL_INVALID_OPTION for an unknown or bad option; ERR_ANNAL_UNSUPPORTED when its `binaryType` is 'blob'; what
 *   `archiver.stream()` throws (a name too long, a closed archiver)
 *
 * @example
 * ```ts
 * const socket = new WebSocket('wss://feed.example.com/quotes');
 * const tap = archiveWebSocket(archiver, socket, { stream: 'quotes' });
 * ```
 */
export function archiveWebSocket(
  archiver: Archiver,
  socket: WebSocket,
  options: ArchiveWebSocketOptions = {},
): WebSocketTap {
  checkArchiver(archiver, 'archiveWebSocket');
  const parsed = parseOptions(archiveWebSocketOptionsSchema, options, 'archiveWebSocket');
  checkSocket(socket);
  const archived = declareStream(archiver, socket, parsed);
  return new SocketTap(socket, archived, archived.name);
}
