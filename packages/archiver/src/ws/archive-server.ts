/**
 * `archiveServer`: taps every connection a `ws` server accepts, one archiver stream each.
 *
 * @module
 */
import type { WebSocket, WebSocketServer } from 'ws';
import { InvalidArgumentError } from '@annal/native';
import { parseOptions } from '@annal/native/internal';
import { z } from 'zod';

import type { Archiver } from '../archiver.js';
import { archiveWebSocket, checkArchiver, type WebSocketTap } from './archive-socket.js';

/** Options of {@link archiveServer}. */
export interface ArchiveServerOptions {
  /** Free text stored with every connection's stream declaration. */
  readonly description?: string;
}

/** The recording of a server's connections, returned by {@link archiveServer}. */
export interface ServerTap {
  /** The taps of the connections open now (one per socket; see {@link archiveWebSocket}). */
  readonly taps: ReadonlySet<WebSocketTap>;
  /** Connections tapped since the call. */
  readonly connections: number;
  /** Connections that could not be tapped (the archiver was closed, for example). */
  readonly failed: number;
  /** The last error tapping a connection threw, if any. */
  readonly lastError: unknown;
  /** Stops tapping new connections and detaches the open ones. Idempotent. */
  detach(): void;
}

const archiveServerOptionsSchema = z.strictObject({ description: z.string().optional() });

class ConnectionsTap implements ServerTap {
  readonly taps = new Set<WebSocketTap>();
  connections = 0;
  failed = 0;
  lastError: unknown = undefined;
  #attached = true;

  constructor(
    private readonly wss: WebSocketServer,
    private readonly archiver: Archiver,
    private readonly options: ArchiveServerOptions,
  ) {
    // Before the application's handler, which may send at once.
    wss.prependListener('connection', this.onConnection);
  }

  readonly onConnection = (socket: WebSocket): void => {
    // Never throw into ws: a connection that cannot be tapped is counted.
    try {
      const tap = archiveWebSocket(this.archiver, socket, this.options);
      this.connections++;
      this.taps.add(tap);
      socket.once('close', () => this.taps.delete(tap));
    } catch (error) {
      this.failed++;
      this.lastError = error;
    }
  };

  readonly detach = (): void => {
    if (!this.#attached) return;
    this.#attached = false;
    this.wss.removeListener('connection', this.onConnection);
    for (const tap of this.taps) tap.detach();
    this.taps.clear();
  };
}

/**
 * Records every connection `wss` accepts from now on, each as its own stream of `archiver`
 * (named `ws:<remote address>:<remote port>`, protocol `'ws'`): what the server received from
 * the client ('in') and what it sent ('out'). Its listener runs before the application's
 * 'connection' handlers, so a message sent in one is recorded.
 *
 * @param archiver - an open `Archiver`
 * @param wss - a `WebSocketServer` of the `ws` package
 * @param options - the description stored with each connection's stream
 * @throws ERR_ANNAL_INVALID_ARGUMENT when `wss` is not a ws server or `archiver` not an
 *   Archiver; ERR_ANNAL_INVALID_OPTION for an unknown or bad option
 *
 * @example
 * ```ts
 * const wss = new WebSocketServer({ port: 8080 });
 * const recording = archiveServer(archiver, wss, { description: 'quotes feed' });
 * ```
 */
export function archiveServer(
  archiver: Archiver,
  wss: WebSocketServer,
  options: ArchiveServerOptions = {},
): ServerTap {
  checkArchiver(archiver, 'archiveServer');
  if (
    typeof wss !== 'object' ||
    wss === null ||
    typeof (wss as { prependListener?: unknown }).prependListener !== 'function' ||
    typeof (wss as { handleUpgrade?: unknown }).handleUpgrade !== 'function'
  )
    throw new InvalidArgumentError(
      'archiveServer: wss must be a WebSocketServer from the ws package',
      {
        field: 'wss',
      },
    );
  const { description } = parseOptions(archiveServerOptionsSchema, options, 'archiveServer');
  return new ConnectionsTap(wss, archiver, description === undefined ? {} : { description });
}
