/**
 * A loopback TCP proxy for one connection that records every byte it forwards, each way, as
 * the independent record of what was on the wire; and can slip extra bytes into one direction
 * between two messages.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** `'up'`: client to server (initiator to acceptor); `'down'`: server to client. */
export type ProxyDirection = 'up' | 'down';

/** A running proxy. */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Every byte forwarded each way, injected bytes included, in order. */
  wire(direction: ProxyDirection): Buffer;
  /**
   * Sends `bytes` in `direction` at the next message boundary: at once if what was forwarded
   * so far ends with a FIX trailer (`<SOH>10=nnn<SOH>`), else right after the next chunk that
   * does. Resolves with the offset of the bytes in {@link TcpProxy.wire}.
   */
  inject(direction: ProxyDirection, bytes: Uint8Array): Promise<number>;
  /** Resolves when both sockets of the proxied connection have closed. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

const TRAILER = /\x0110=\d{3}\x01$/; // eslint-disable-line no-control-regex

interface Pending {
  readonly bytes: Uint8Array;
  readonly resolve: (offset: number) => void;
}

/** Starts a proxy to `127.0.0.1:targetPort` that takes one connection. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const chunks: Record<ProxyDirection, Buffer[]> = { up: [], down: [] };
  const lengths: Record<ProxyDirection, number> = { up: 0, down: 0 };
  const tails: Record<ProxyDirection, string> = { up: '', down: '' };
  const pending: Record<ProxyDirection, Pending[]> = { up: [], down: [] };
  const sockets: Partial<Record<ProxyDirection, Socket>> = {};
  let settle!: () => void;
  const closed = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const send = (direction: ProxyDirection, bytes: Uint8Array): void => {
    const copy = Buffer.from(bytes);
    chunks[direction].push(copy);
    lengths[direction] += copy.length;
    tails[direction] = (tails[direction] + copy.toString('latin1')).slice(-8);
    sockets[direction]?.write(copy);
  };
  const flush = (direction: ProxyDirection): void => {
    if (sockets[direction] === undefined || !TRAILER.test(tails[direction])) return;
    for (const { bytes, resolve } of pending[direction].splice(0)) {
      const offset = lengths[direction];
      send(direction, bytes);
      resolve(offset);
    }
  };

  const server: Server = createServer((client) => {
    server.close();
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.up = upstream;
    sockets.down = client;
    client.on('data', (data: Buffer) => {
      send('up', data);
      flush('up');
    });
    upstream.on('data', (data: Buffer) => {
      send('down', data);
      flush('down');
    });
    let open = 2;
    const onClose = (): void => {
      open--;
      if (open === 0) settle();
    };
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', onClose);
    upstream.on('close', onClose);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    port: (server.address() as AddressInfo).port,
    wire: (direction) => Buffer.concat(chunks[direction]),
    inject: (direction, bytes) =>
      new Promise<number>((resolve) => {
        pending[direction].push({ bytes, resolve });
        flush(direction);
      }),
    closed,
    close: async () => {
      sockets.up?.destroy();
      sockets.down?.destroy();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}
