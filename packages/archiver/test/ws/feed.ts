/**
 * A market-data feed on loopback with the real `ws` package: a server that waits for a client's
 * subscription, pushes a list of messages, and closes; and helpers to read an archive back.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { Archiver, type ArchiverOptions, type Recording } from '@annal/archiver';
import { archiveServer, archiveWebSocket } from '@annal/archiver/ws';

/** One WebSocket message: its bytes and whether it is text. */
export interface Message {
  readonly text: boolean;
  readonly bytes: Uint8Array;
}

const encoder = new TextEncoder();

export const text = (value: string): Message => ({ text: true, bytes: encoder.encode(value) });
export const binary = (bytes: Uint8Array): Message => ({ text: false, bytes });

/** A quote as a JSON text message. */
function quote(seq: number): Message {
  return text(
    JSON.stringify({
      type: 'quote',
      sym: 'EURUSD',
      seq,
      bid: 1.08 + seq / 1e5,
      ask: 1.0801 + seq / 1e5,
    }),
  );
}

/** A trade as a packed binary message: seq u32, price f64, quantity u32 (little-endian). */
function trade(seq: number): Message {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, seq, true);
  view.setFloat64(4, 101.25 + seq / 100, true);
  view.setUint32(12, 100 * (seq % 7), true);
  return binary(bytes);
}

/** Bytes 0, 1, … 255, 0, … of the given length, offset by `seed`. */
export function pattern(length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i + seed) & 0xff;
  return bytes;
}

/**
 * What the feed pushes: quotes and trades interleaved, an empty text and an empty binary message,
 * text with non-ASCII characters, and two snapshots over 64 KiB (one binary, one JSON text).
 */
export function marketData(count = 200): Message[] {
  const messages: Message[] = [text(''), binary(new Uint8Array(0))];
  for (let seq = 0; seq < count; seq++) {
    messages.push(seq % 3 === 2 ? trade(seq) : quote(seq));
    if (seq === 50) messages.push(binary(pattern(100 * 1024, 7)));
    if (seq === 120) {
      const levels = Array.from({ length: 2000 }, (_, k) => [100 + k / 100, k]);
      messages.push(text(JSON.stringify({ type: 'book', sym: 'BTC-€', levels })));
    }
  }
  messages.push(text('fin ✓ 🚀'));
  return messages;
}

/** Sends a message; one over 64 KiB in three fragments (frames), as a streaming server might. */
function send(socket: WebSocket, message: Message): void {
  const { bytes } = message;
  if (bytes.byteLength <= 64 * 1024) {
    socket.send(bytes, { binary: !message.text });
    return;
  }
  const third = Math.floor(bytes.byteLength / 3);
  socket.send(bytes.subarray(0, third), { binary: !message.text, fin: false });
  socket.send(bytes.subarray(third, 2 * third), { fin: false });
  socket.send(bytes.subarray(2 * third), { fin: true });
}

/** A feed server that, to each client, pushes `messages` once it subscribed, then closes (1000). */
export interface FeedServer {
  readonly wss: WebSocketServer;
  readonly url: string;
  /** What each client sent the server, in order, as the server received it. */
  readonly received: Message[];
  close(): Promise<void>;
}

export async function startFeedServer(
  messages: readonly Message[],
  spacingMs = 0,
): Promise<FeedServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const received: Message[] = [];
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      received.push({ text: !isBinary, bytes: new Uint8Array(data as Buffer) });
      // The first message is the subscription: push the feed, then close.
      if (received.length > 1) return;
      if (spacingMs === 0) {
        for (const message of messages) send(socket, message);
        socket.close(1000, 'end of feed');
        return;
      }
      // A feed with pauses between messages, for playback at the recorded pace.
      let next = 0;
      const push = (): void => {
        const message = messages[next++];
        if (message === undefined) {
          socket.close(1000, 'end of feed');
          return;
        }
        send(socket, message);
        setTimeout(push, spacingMs);
      };
      push();
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    wss,
    url: `ws://127.0.0.1:${port}/quotes?token=secret`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) =>
        wss.close((error) => (error === undefined ? resolve() : reject(error))),
      ),
  };
}

/** Resolves when every connection `wss` accepted has closed on the server's side too. */
export async function serverSocketsClosed(wss: WebSocketServer): Promise<void> {
  // ws drops a socket from `clients` when it emits 'close': those still there are open.
  await Promise.all([...wss.clients].map((socket) => once(socket, 'close')));
}

/** Everything a client socket received until it closed, with the close code. */
export async function receiveAll(
  socket: WebSocket,
): Promise<{ messages: Message[]; code: number }> {
  const messages: Message[] = [];
  socket.on('message', (data, isBinary) => {
    messages.push({ text: !isBinary, bytes: toBytes(data) });
  });
  const [code] = (await once(socket, 'close')) as [number];
  return { messages, code };
}

/** A received message's bytes, under every binaryType but 'blob'. */
export function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return new Uint8Array(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return new Uint8Array(Buffer.concat(data as Buffer[]));
}

/** The messages of a stream in a recording, copied. */
export function recorded(recording: Recording, stream: string, direction: 'in' | 'out'): Message[] {
  // The message object is reused: copy each before the next.
  const messages: Message[] = [];
  for (const message of recording.messages({ stream, direction }))
    messages.push({ text: message.text, bytes: message.copy() });
  return messages;
}

/** Messages as values a failed comparison shows legibly: text flag, length, SHA-256. */
export function comparable(
  messages: readonly Message[],
): { text: boolean; length: number; sha256: string }[] {
  return messages.map((message) => ({
    text: message.text,
    length: message.bytes.byteLength,
    sha256: createHash('sha256').update(message.bytes).digest('hex'),
  }));
}

/**
 * Records a client of a feed pushing `messages` into `directory`, as stream `stream` (and the
 * server's side too, as a stream of its own, with `tapServer`); returns what the client received.
 */
export async function recordFeed(
  directory: string,
  messages: readonly Message[],
  options: {
    stream?: string;
    tapServer?: boolean;
    spacingMs?: number;
    archiver?: ArchiverOptions;
  } = {},
): Promise<Message[]> {
  const server = await startFeedServer(messages, options.spacingMs);
  const archiver = await Archiver.open(directory, options.archiver);
  try {
    if (options.tapServer === true) archiveServer(archiver, server.wss);
    const client = new WebSocket(server.url);
    archiveWebSocket(archiver, client, { stream: options.stream ?? 'feed' });
    client.on('open', () => client.send('{"op":"subscribe"}'));
    const { messages: received } = await receiveAll(client);
    await serverSocketsClosed(server.wss);
    return received;
  } finally {
    await archiver.close();
    await server.close();
  }
}

export { WebSocket, WebSocketServer };
