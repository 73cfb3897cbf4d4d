/**
 * {@link serveFixRecording}: a TCP server that plays a recorded FIX stream's counterparty again,
 * writing the messages the recorded application received, at their recorded pace or at once.
 *
 * @module
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import { InvalidArgumentError, InvalidOptionError, IoError } from '@annal/native';
import { parseOptions } from '@annal/native/internal';
import { z } from 'zod';

import type { Recording, RecordingSource } from '../recording.js';

/** How fast {@link serveFixRecording} writes: `'recorded'` keeps the gaps, `'asap'` drops them. */
export type FixReplayPace = 'recorded' | 'asap';

/** Options of {@link serveFixRecording}. */
export interface ServeFixRecordingOptions {
  /** The name of the recorded stream to serve (as given to `archiveFixSocket`). */
  readonly stream: string;
  /** Only the streams of that name in this session of the archive (1, 2, …). Default: all. */
  readonly session?: number;
  /** The TCP port to listen on; 0 (the default) picks a free one ({@link FixRecordingServer.port}). */
  readonly port?: number;
  /** The address to listen on. Default `'127.0.0.1'`. */
  readonly host?: string;
  /**
   * `'recorded'` (the default): each message is written as long after the connection as it was
   * received after the stream's first message; `'asap'`: all of them at once (as fast as the
   * client reads).
   */
  readonly pace?: FixReplayPace;
}

const optionsSchema = z.strictObject({
  stream: z.string().min(1),
  session: z.number().int().min(1).optional(),
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  pace: z.enum(['recorded', 'asap']).default('recorded'),
});

type ParsedOptions = Readonly<z.output<typeof optionsSchema>>;

/**
 * A running {@link serveFixRecording} server. Each client that connects gets the whole replay,
 * on its own reader of the recording; the server ends the connection after the last message.
 */
export class FixRecordingServer {
  /** The port it listens on. */
  readonly port: number;
  /** The address it listens on. */
  readonly host: string;
  readonly #server: Server;
  readonly #replays = new Set<Replay>();
  #served = 0;
  #closing: Promise<void> | undefined;

  /** @internal */
  constructor(server: Server, recording: Recording, options: ParsedOptions) {
    this.#server = server;
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.host = options.host;
    server.on('connection', (socket) => {
      const replay = new Replay(socket, recording, options, () => {
        this.#served++;
      });
      this.#replays.add(replay);
      socket.once('close', () => {
        replay.stop();
        this.#replays.delete(replay);
      });
      replay.start();
    });
  }

  /** Clients connected now. */
  get connections(): number {
    return this.#replays.size;
  }

  /** Messages written to clients so far, all connections together. */
  get messagesServed(): number {
    return this.#served;
  }

  /**
   * Stops listening, closes every connection (a replay in progress stops) and releases the
   * recording's readers. The recording itself stays open (the caller closes it). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const replay of this.#replays) replay.destroy();
      this.#replays.clear();
    });
    return this.#closing;
  }

  /** Closes the server (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** One client's replay: a reader of the recording, written out at the chosen pace. */
class Replay {
  readonly #socket: Socket;
  readonly #source: RecordingSource;
  readonly #pace: FixReplayPace;
  readonly #onWritten: () => void;
  #startedAt = 0;
  #firstMs = Number.NaN;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(socket: Socket, recording: Recording, options: ParsedOptions, onWritten: () => void) {
    this.#socket = socket;
    this.#pace = options.pace;
    this.#onWritten = onWritten;
    this.#source = recording.source({
      stream: options.stream,
      direction: 'in',
      ...(options.session === undefined ? {} : { session: options.session }),
    });
    socket.setNoDelay(true);
    // What the client sends is read and dropped: this is a recording, not an engine.
    socket.resume();
    socket.on('error', () => {
      this.destroy();
    });
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#pump();
  }

  /** Writes every message that is due, then waits for the next one's time or for 'drain'. */
  #pump = (): void => {
    this.#timer = undefined;
    const socket = this.#socket;
    while (!this.#stopped) {
      const message = this.#source.next();
      if (message === undefined) {
        this.stop();
        socket.end();
        return;
      }
      // A copy: the socket keeps what it is given until it is flushed, and the view is only
      // valid until the next message.
      const bytes = message.copy();
      const wait = this.#pace === 'recorded' ? this.#dueIn(message.seconds, message.nanos) : 0;
      if (wait > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#write(bytes);
        }, wait);
        return;
      }
      if (!this.#writeNow(bytes)) {
        socket.once('drain', this.#pump);
        return;
      }
    }
  };

  #write(bytes: Uint8Array): void {
    if (this.#stopped) return;
    if (this.#writeNow(bytes)) this.#pump();
    else this.#socket.once('drain', this.#pump);
  }

  #writeNow(bytes: Uint8Array): boolean {
    const flushed = this.#socket.write(bytes);
    this.#onWritten();
    return flushed;
  }

  /** Milliseconds until a message recorded at `seconds`/`nanos` is due on this connection. */
  #dueIn(seconds: number, nanos: number): number {
    const ms = seconds * 1000 + nanos / 1e6;
    if (Number.isNaN(this.#firstMs)) this.#firstMs = ms;
    return this.#startedAt + (ms - this.#firstMs) - performance.now();
  }

  /** Stops reading the recording (idempotent). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#source.close();
  }

  destroy(): void {
    this.stop();
    this.#socket.destroy();
  }
}

/**
 * Serves a recorded FIX stream as a FIX acceptor would: each client that connects is sent the
 * messages the recorded application received on that stream (its `'in'` side, what its
 * counterparty sent), byte for byte and in order, at the recorded pace or as fast as possible,
 * and the connection is ended after the last one. Point an initiator under test at it to see
 * again what the venue sent it.
 *
 * It is a recording, not an engine: it does not read what the client sends (that is dropped),
 * answer logons or heartbeats, or change sequence numbers or SendingTime.
 *
 * @example
 * ```ts
 * const recording = openRecording('/var/lib/fix-archive');
 * const server = await serveFixRecording(recording, { stream: 'venue-a', pace: 'asap' });
 * const client = net.connect(server.port, server.host);
 * // … the client receives the venue's messages again …
 * await server.close();
 * recording.close();
 * ```
 *
 * @param recording - an open recording (from `openRecording`); it must stay open while served
 * @param options - which stream, where to listen, at what pace
 * @returns the server, once it listens
 * @throws InvalidArgumentError ERR_ANNAL_INVALID_ARGUMENT when `recording` is not a Recording
 * @throws InvalidOptionError ERR_ANNAL_INVALID_OPTION naming a bad option, or a `stream` the
 *   recording does not declare
 * @throws IoError ERR_ANNAL_IO when it cannot listen (the address is in use), the cause attached
 */
export async function serveFixRecording(
  recording: Recording,
  options: ServeFixRecordingOptions,
): Promise<FixRecordingServer> {
  if (
    typeof (recording as { source?: unknown } | null)?.source !== 'function' ||
    typeof (recording as { streams?: unknown }).streams !== 'function'
  ) {
    throw new InvalidArgumentError(
      'serveFixRecording: recording must be an open Recording (from openRecording)',
      { field: 'recording' },
    );
  }
  const parsed = parseOptions(optionsSchema, options, 'serveFixRecording');
  const names = [...new Set(recording.streams().map((stream) => stream.name))];
  if (!names.includes(parsed.stream)) {
    throw new InvalidOptionError(
      `serveFixRecording: stream ${JSON.stringify(parsed.stream)} is not in the recording (its streams: ${names.map((name) => JSON.stringify(name)).join(', ') || 'none'})`,
      { field: 'stream' },
    );
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    const refused = (error: Error): void => {
      reject(
        new IoError(
          `serveFixRecording: cannot listen on ${parsed.host}:${parsed.port}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    server.once('error', refused);
    server.listen(parsed.port, parsed.host, () => {
      server.off('error', refused);
      resolve();
    });
  });
  // A failed accept (EMFILE) is the client's loss; it must not take the process down.
  server.on('error', () => undefined);
  return new FixRecordingServer(server, recording, parsed);
}
