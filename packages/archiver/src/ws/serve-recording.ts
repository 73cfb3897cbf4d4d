/**
 * `serveRecording`: a WebSocket server that plays one recorded stream to every client that
 * connects, as the archived socket received it, at the recorded pace or as fast as the client
 * reads.
 *
 * @module
 */
import type { WebSocket, WebSocketServer } from 'ws';
import { InvalidOptionError, UnsupportedError } from '@annal/native';
import { parseOptions } from '@annal/native/internal';
import { z } from 'zod';

import type { ArchivedMessage } from '../archived-message.js';
import type { RecordedStream, Recording } from '../recording.js';
import { WS_PROTOCOL } from './archive-socket.js';

/** Options of {@link serveRecording}. */
export interface ServeRecordingOptions {
  /**
   * The recorded stream to play: its name, when one stream of the recording has it, or one of
   * `recording.streams()` (several streams can share a name: reconnects, sessions). Default: the
   * recording's only stream, or else its only stream of protocol `'ws'`; with several, the error
   * lists them.
   */
  readonly stream?: string | RecordedStream;
  /**
   * Which messages of the stream to play: `'in'` (default), what the archived socket received
   * (a client's recording: the server's feed); `'out'`, what it sent (a server socket's
   * recording: what the server pushed to its client).
   */
  readonly direction?: 'in' | 'out';
  /** TCP port to listen on; default 0, a free port chosen by the system (see `server.port`). */
  readonly port?: number;
  /** Address to listen on; default `'127.0.0.1'` (loopback only). */
  readonly host?: string;
  /**
   * Pace of the messages: `'realtime'` (default) keeps the recorded spacing from the first message
   * on; a number plays that many times faster (2 = twice as fast, 0.5 = half speed); `'max'` sends
   * as fast as the client reads. At every speed a client that reads slowly holds the playback back
   * (WebSocket back-pressure) rather than the server buffering the recording in memory.
   */
  readonly speed?: 'realtime' | 'max' | number;
}

/** A started {@link serveRecording} server. */
export interface RecordingServer {
  /** The TCP port it listens on. */
  readonly port: number;
  /** `ws://host:port/`, for `new WebSocket(server.url)`. */
  readonly url: string;
  /** The stream it plays. */
  readonly stream: RecordedStream;
  /** Clients connected now. */
  readonly clients: number;
  /** Clients that received the whole stream (their connection closed with code 1000). */
  readonly completed: number;
  /** The last error reading the recording (that client's connection closed with 1011), if any. */
  readonly lastError: unknown;
  /**
   * Stops listening, closes every open connection with code 1001 ('going away') and resolves
   * when all are closed. Idempotent. Does not close the recording.
   */
  close(): Promise<void>;
  /** Same as {@link RecordingServer.close}. */
  [Symbol.asyncDispose](): Promise<void>;
}

const serveRecordingOptionsSchema = z
  .object({
    stream: z
      .union([
        z.string().min(1),
        z.looseObject({ session: z.number().int().min(1), id: z.number().int().min(1) }),
      ])
      .optional(),
    direction: z.enum(['in', 'out']).default('in'),
    port: z.number().int().min(0).max(65_535).default(0),
    host: z.string().min(1).default('127.0.0.1'),
    speed: z
      .union([
        z.literal('max'),
        z.literal('realtime'),
        z.number().positive().refine(Number.isFinite, { message: 'expected a finite factor' }),
      ])
      .default('realtime'),
  })
  .strict();

type ParsedOptions = z.output<typeof serveRecordingOptionsSchema>;

/**
 * Bytes queued in a connection (ws's buffer plus the TCP socket's) above which playback waits
 * for the client to read: a few large messages' worth, far below a recording's size.
 */
const HIGH_WATER_BYTES = 1024 * 1024;
/** Queued bytes at or below which a waiting playback resumes. */
const LOW_WATER_BYTES = 256 * 1024;
/**
 * Bytes sent without waiting after which a playback lets the event loop turn: a fast client on
 * loopback may never make it wait, and other clients, timers and `close()` need their turn.
 */
const YIELD_EVERY_BYTES = 1024 * 1024;
/** Close codes: normal end, server going away, an error reading the recording. */
const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_INTERNAL_ERROR = 1011;
/** A close frame's reason holds at most 123 bytes of UTF-8. */
const MAX_REASON_BYTES = 123;

/** The error's message, cut to what a close frame holds (ws throws for a longer reason). */
function closeReason(error: unknown): string {
  let reason = (error instanceof Error ? error.message : String(error)).slice(0, MAX_REASON_BYTES);
  while (Buffer.byteLength(reason) > MAX_REASON_BYTES) reason = reason.slice(0, -1);
  // A cut between the halves of a surrogate pair would leave a lone one: drop it.
  return reason.replace(/[\uD800-\uDBFF]$/, '');
}

function describeStream(stream: RecordedStream): string {
  return `${JSON.stringify(stream.name)} (session ${stream.session}, id ${stream.id})`;
}

/** The stream to play: the one given or named, or the only (ws) stream of the recording. */
function chooseStream(
  recording: Recording,
  given: string | { readonly session: number; readonly id: number } | undefined,
): RecordedStream {
  const streams = recording.streams();
  const listed = streams.length === 0 ? 'none' : streams.map(describeStream).join(', ');
  let candidates: RecordedStream[];
  if (typeof given === 'object')
    candidates = streams.filter((s) => s.session === given.session && s.id === given.id);
  else if (given !== undefined) candidates = streams.filter((s) => s.name === given);
  else if (streams.length <= 1) candidates = streams;
  else candidates = streams.filter((s) => s.protocol === WS_PROTOCOL);
  const chosen = candidates[0];
  if (chosen !== undefined && candidates.length === 1) return chosen;
  const what =
    typeof given === 'object'
      ? `stream (session ${given.session}, id ${given.id}) is not in the recording`
      : given === undefined
        ? streams.length === 0
          ? 'the recording has no stream to play'
          : 'the recording has several streams: give options.stream'
        : candidates.length === 0
          ? `stream ${JSON.stringify(given)} is not in the recording`
          : `${candidates.length} streams are named ${JSON.stringify(given)}: give one of recording.streams() as options.stream`;
  throw new InvalidOptionError(`serveRecording: ${what} (its streams: ${listed})`, {
    field: 'stream',
  });
}

/** One client's playback: the stream's messages in order, paced, then a normal close. */
class Playback {
  #closed = false;
  /** Ends the current wait (for the pace, or for the client to read); also when the connection closes. */
  #wake: (() => void) | undefined;
  /** The current wait is for the client to read: a write completing may end it. */
  #draining = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #afterWrite: () => void;

  constructor(
    readonly socket: WebSocket,
    private readonly server: PlaybackServer,
  ) {
    this.#afterWrite = () => {
      if (this.#draining && this.socket.bufferedAmount <= LOW_WATER_BYTES) this.#resume();
    };
    socket.once('close', () => {
      this.#closed = true;
      this.#resume();
    });
    // A client that goes away mid-stream is no error of the server's.
    socket.on('error', () => undefined);
  }

  #resume(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draining = false;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Waits `milliseconds`, or until the connection closes. */
  #pause(milliseconds: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(() => this.#resume(), milliseconds);
    });
  }

  /** Waits until the client has read the queue down to the low-water mark, or the connection closes. */
  #drain(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#draining = true;
    });
  }

  async run(): Promise<void> {
    const { recording, stream, options } = this.server;
    const factor = options.speed === 'realtime' ? 1 : options.speed;
    const iterator = recording
      .messages({ stream: stream.name, session: stream.session, direction: options.direction })
      [Symbol.iterator]();
    let firstWall = Number.NaN;
    let firstRecorded = Number.NaN;
    let sinceYield = 0;
    try {
      for (;;) {
        if (this.#closed) return;
        const next: IteratorResult<ArchivedMessage> = iterator.next();
        if (next.done === true) break;
        const message = next.value;
        // Another stream of the same name in the session (a reconnect).
        if (message.streamId !== stream.id) continue;
        // A copy: the view is only valid until the next message, and ws may hold it until written.
        const bytes = message.copy();
        const binary = !message.text;
        if (factor !== 'max') {
          const now = performance.now();
          if (firstWall !== firstWall) {
            firstWall = now;
            firstRecorded = message.timestamp;
          }
          const wait = firstWall + (message.timestamp - firstRecorded) / factor - now;
          if (wait > 0) {
            sinceYield = 0;
            await this.#pause(wait);
          }
          if (this.#closed) return;
        }
        this.socket.send(bytes, { binary }, this.#afterWrite);
        sinceYield += bytes.byteLength;
        if (this.socket.bufferedAmount > HIGH_WATER_BYTES) {
          sinceYield = 0;
          await this.#drain();
        } else if (sinceYield >= YIELD_EVERY_BYTES) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (this.#closed) return;
      this.server.completed++;
      this.socket.close(CLOSE_NORMAL, 'end of recording');
    } catch (error) {
      this.server.lastError = error;
      if (!this.#closed) this.socket.close(CLOSE_INTERNAL_ERROR, closeReason(error));
    } finally {
      iterator.return?.();
    }
  }
}

class PlaybackServer implements RecordingServer {
  readonly port: number;
  readonly url: string;
  completed = 0;
  lastError: unknown = undefined;
  readonly #sockets = new Set<WebSocket>();
  #closing: Promise<void> | undefined;

  constructor(
    readonly wss: WebSocketServer,
    readonly recording: Recording,
    readonly stream: RecordedStream,
    readonly options: ParsedOptions,
  ) {
    const address = wss.address();
    this.port = typeof address === 'object' && address !== null ? address.port : options.port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    this.url = `ws://${host}:${this.port}/`;
    wss.on('connection', (socket: WebSocket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      void new Playback(socket, this).run();
    });
  }

  get clients(): number {
    return this.#sockets.size;
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const closed = [...this.#sockets].map(
        (socket) =>
          new Promise<void>((done) => {
            socket.once('close', () => done());
            socket.close(CLOSE_GOING_AWAY, 'server closing');
          }),
      );
      this.wss.close(() => void Promise.all(closed).then(() => resolve()));
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Serves a recorded WebSocket stream: every client that connects gets the stream's messages
 * (by default those the archived socket received) in recorded order, text as text and binary as
 * binary, at the recorded spacing (or `speed`), then a close with code 1000. Each client gets the
 * whole stream from its start, on its own, however many connect and whenever. What the clients
 * send is ignored. Resolves once the server listens.
 *
 * @param recording - an open recording (`openRecording(directory)`); close it after the server
 * @param options - which stream, where to listen, how fast
 * @returns the listening server: its `port` and `url`, and `close()`
 * @throws ERR_ANNAL_INVALID_OPTION for a bad option, a stream not in the recording, or no stream
 *   given when the recording has several; ERR_ANNAL_UNSUPPORTED when the `ws` package is not
 *   installed; the listen error (EADDRINUSE…) as `ws` reports it
 *
 * @example
 * ```ts
 * const server = await serveRecording(openRecording('archive'), { speed: 'max' });
 * const client = new WebSocket(server.url);
 * ```
 */
export async function serveRecording(
  recording: Recording,
  options: ServeRecordingOptions = {},
): Promise<RecordingServer> {
  const parsed = parseOptions(serveRecordingOptionsSchema, options, 'serveRecording');
  const stream = chooseStream(recording, parsed.stream);
  let Server: typeof WebSocketServer;
  try {
    ({ WebSocketServer: Server } = await import('ws'));
  } catch (error) {
    throw new UnsupportedError('serveRecording needs the ws package: npm install ws', {
      cause: error,
    });
  }
  const wss = new Server({ port: parsed.port, host: parsed.host });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error): void => {
      wss.close();
      reject(error);
    };
    wss.once('error', failed);
    wss.once('listening', () => {
      wss.removeListener('error', failed);
      resolve();
    });
  });
  // After listening, an error of the underlying server would be unhandled: ws forwards it here.
  wss.on('error', () => undefined);
  return new PlaybackServer(wss, recording, stream, parsed);
}
