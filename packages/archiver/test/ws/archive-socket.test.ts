import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Archiver, openRecording } from '@annal/archiver';
import { archiveServer, archiveWebSocket } from '@annal/archiver/ws';
import { temporaryDirectory } from '@annal/test-utils';

import {
  WebSocket,
  WebSocketServer,
  binary,
  comparable,
  marketData,
  pattern,
  receiveAll,
  recorded,
  serverSocketsClosed,
  startFeedServer,
  text,
  toBytes,
  type Message,
} from './feed.js';

const subscription = text(JSON.stringify({ op: 'subscribe', channels: ['quotes', 'trades'] }));
const heartbeat = binary(Uint8Array.of(0x48, 0x42, 0, 1));

/** A server that collects what a client sends and closes (1000) when the client sends 'bye'. */
async function startCollector(): Promise<{
  url: string;
  received: Message[];
  wss: WebSocketServer;
}> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const received: Message[] = [];
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      const message = { text: !isBinary, bytes: toBytes(data) };
      if (message.text && Buffer.from(message.bytes).toString() === 'bye') socket.close(1000);
      else received.push(message);
    });
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, received, wss };
}

const closeServer = (wss: WebSocketServer): Promise<void> =>
  new Promise((resolve) => wss.close(() => resolve()));

describe('archiveWebSocket on loopback', () => {
  it('archives a feed message by message, byte-exact, on the client and on the server', async () => {
    const directory = temporaryDirectory();
    const feed = marketData();
    const server = await startFeedServer(feed);
    const archiver = await Archiver.open(directory);
    const serverTap = archiveServer(archiver, server.wss, { description: 'feed server' });

    const client = new WebSocket(server.url);
    // Attached while connecting, before any message can flow.
    const tap = archiveWebSocket(archiver, client, { description: 'quotes' });
    client.on('open', () => {
      client.send(Buffer.from(subscription.bytes).toString());
      client.send(heartbeat.bytes);
    });
    const { messages, code } = await receiveAll(client);
    expect(code).toBe(1000);
    await serverSocketsClosed(server.wss);
    const port = new URL(server.url).port;
    expect(tap).toMatchObject({
      stream: `ws:127.0.0.1:${port}`,
      messagesIn: feed.length,
      messagesOut: 2,
      dropped: 0,
      failed: 0,
      attached: false,
    });
    expect(Object.hasOwn(client, 'send')).toBe(false);
    expect(serverTap.connections).toBe(1);
    expect(serverTap.taps.size).toBe(0);
    await archiver.close();
    await server.close();

    using recording = openRecording(directory);
    const streams = recording.streams();
    expect(streams).toHaveLength(2);
    const [serverSide, clientSide] =
      streams[0]?.name === tap.stream ? [streams[1], streams[0]] : [streams[0], streams[1]];
    expect(clientSide).toMatchObject({
      name: tap.stream,
      protocol: 'ws',
      description: 'quotes',
      messagesIn: feed.length,
      messagesOut: 2,
    });
    expect(clientSide?.endedAt).toBeTypeOf('number');
    expect(serverSide).toMatchObject({
      protocol: 'ws',
      description: 'feed server',
      messagesIn: 2,
      messagesOut: feed.length,
    });
    expect(serverSide?.name).toMatch(/^ws:127\.0\.0\.1:\d+$/);

    expect(comparable(messages)).toEqual(comparable(feed));
    expect(comparable(recorded(recording, tap.stream, 'in'))).toEqual(comparable(feed));
    expect(comparable(recorded(recording, tap.stream, 'out'))).toEqual(
      comparable([subscription, heartbeat]),
    );
    expect(comparable(recorded(recording, serverSide?.name ?? '', 'out'))).toEqual(
      comparable(feed),
    );
    expect(comparable(recorded(recording, serverSide?.name ?? '', 'in'))).toEqual(
      comparable(server.received),
    );
    // The recorded order across directions: the subscription went out before the feed came in.
    const first = recording.messages({ stream: tap.stream }).next().value;
    expect(first?.direction).toBe('out');
  });

  it.each(['arraybuffer', 'fragments'] as const)(
    "archives what a client with binaryType '%s' receives, fragmented messages joined",
    async (binaryType) => {
      const directory = temporaryDirectory();
      // Large messages go out in three fragments (see startFeedServer).
      const feed = marketData(60);
      const server = await startFeedServer(feed);
      const archiver = await Archiver.open(directory);
      const client = new WebSocket(server.url);
      client.binaryType = binaryType;
      const tap = archiveWebSocket(archiver, client, { stream: 'feed' });
      client.on('open', () => client.send(subscription.bytes, { binary: false }));
      const { messages } = await receiveAll(client);
      await archiver.close();
      await server.close();
      expect(tap.failed).toBe(0);
      using recording = openRecording(directory);
      expect(comparable(messages)).toEqual(comparable(feed));
      expect(comparable(recorded(recording, 'feed', 'in'))).toEqual(comparable(feed));
    },
  );

  it('records every kind of value the application sends as the server receives it', async () => {
    const directory = temporaryDirectory();
    const collector = await startCollector();
    const archiver = await Archiver.open(directory);
    const client = new WebSocket(collector.url);
    await once(client, 'open');
    // Attached in the 'open' handler's place: after open, before the first send.
    const tap = archiveWebSocket(archiver, client, { stream: 'orders' });
    const backing = pattern(64, 3);
    const floats = Float64Array.of(1.5, -2.25);
    const sent = await new Promise<number>((resolve) => {
      let count = 0;
      const done = (): void => {
        if (++count === 14) resolve(count);
      };
      client.send('{"op":"new","px":101.5}', done);
      client.send(42 as unknown as string, done);
      client.send(Buffer.from('binary buffer'), done);
      client.send(backing.subarray(8, 24), done);
      client.send(floats, done);
      client.send(new DataView(backing.buffer, 40, 8), done);
      client.send(pattern(10, 1).buffer, done);
      client.send('text sent as binary', { binary: true }, done);
      client.send(Buffer.from('bytes sent as text'), { binary: false }, done);
      client.send('', done);
      client.send(undefined as unknown as string, done);
      client.send('frag-', { fin: false }, done);
      client.send(Buffer.from('ment-'), { fin: false }, done);
      client.send('ed ✓', { fin: true }, done);
    });
    expect(sent).toBe(14);
    client.send('bye');
    await once(client, 'close');
    await archiver.close();
    await closeServer(collector.wss);

    // 11 whole messages, one in three fragments, and 'bye'.
    expect(tap).toMatchObject({ messagesOut: 13, failed: 0, dropped: 0 });
    expect(collector.received).toHaveLength(12);
    using recording = openRecording(directory);
    const out = recorded(recording, 'orders', 'out');
    expect(comparable(out)).toEqual(comparable([...collector.received, text('bye')]));
    expect(out.map((message) => message.text)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      false,
      true,
      true,
    ]);
  });

  it('refuses what it cannot record faithfully, with coded errors', async () => {
    const collector = await startCollector();
    const archiver = await Archiver.open(temporaryDirectory());
    try {
      const client = new WebSocket(collector.url);
      client.binaryType = 'blob' as 'nodebuffer';
      expect(() => archiveWebSocket(archiver, client)).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_UNSUPPORTED', field: 'socket.binaryType' }),
      );
      client.binaryType = 'nodebuffer';
      expect(() => archiveWebSocket(archiver, {} as unknown as WebSocket)).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'socket' }),
      );
      expect(() =>
        archiveWebSocket(archiver, client, { streem: 'x' } as unknown as { stream: string }),
      ).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'streem' }));
      expect(() => archiveWebSocket({} as unknown as Archiver, client)).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'archiver' }),
      );

      // Sending on a connecting socket throws ws's own error, and records nothing.
      const tap = archiveWebSocket(archiver, client, { stream: 'early' });
      expect(() => client.send('too early')).toThrow(/CONNECTING/);
      expect(tap.messagesOut).toBe(0);

      await once(client, 'open');
      client.send('bye');
      await once(client, 'close');
      expect(() => archiveWebSocket(archiver, client)).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'socket' }),
      );
      // A send after close goes nowhere; ws reports it to the callback, the tap records nothing.
      const error = await new Promise<unknown>((resolve) => client.send('late', resolve));
      expect(error).toBeInstanceOf(Error);
      expect(tap.messagesOut).toBe(1);
    } finally {
      await archiver.close();
      await closeServer(collector.wss);
    }
  });

  it('detach restores send and stops recording; a closed archiver is counted, never thrown', async () => {
    const directory = temporaryDirectory();
    const collector = await startCollector();
    const archiver = await Archiver.open(directory, { ringBytes: '64 KiB' });
    const client = new WebSocket(collector.url);
    await once(client, 'open');
    const sendOf = (socket: WebSocket): unknown => Reflect.get(socket, 'send');
    const prototypeSend = sendOf(client);

    const detached = archiveWebSocket(archiver, client, { stream: 'detached' });
    expect(sendOf(client)).not.toBe(prototypeSend);
    client.send('recorded');
    detached.detach();
    detached.detach();
    expect(sendOf(client)).toBe(prototypeSend);
    expect(Object.hasOwn(client, 'send')).toBe(false);
    client.send('not recorded');

    const tap = archiveWebSocket(archiver, client, { stream: 'live' });
    // Larger than the ring can take (64 KiB / 2 − header): dropped and counted.
    client.send(pattern(40 * 1024));
    expect(tap).toMatchObject({ messagesOut: 1, dropped: 1 });
    await archiver.close();
    client.send('after the archiver closed');
    expect(tap.failed).toBe(1);
    expect(tap.lastError).toMatchObject({ code: 'ERR_ANNAL_CLOSED' });
    client.send('bye');
    await once(client, 'close');
    await closeServer(collector.wss);

    expect(detached).toMatchObject({ messagesOut: 1, attached: false });
    expect(collector.received).toHaveLength(4);
    using recording = openRecording(directory);
    expect(
      recorded(recording, 'detached', 'out').map((m) => Buffer.from(m.bytes).toString()),
    ).toEqual(['recorded']);
    expect(recorded(recording, 'live', 'out')).toEqual([]);
    // Detaching ends the stream in the archive, as the socket's close does.
    expect(recording.streams().find((s) => s.name === 'detached')?.endedAt).toEqual(
      expect.any(Number),
    );
  });

  it('archiveServer counts a connection it cannot tap, never failing it, and detaches', async () => {
    const directory = temporaryDirectory();
    const collector = await startCollector();
    const archiver = await Archiver.open(directory);
    const serverTap = archiveServer(archiver, collector.wss);
    expect(() => archiveServer(archiver, {} as unknown as WebSocketServer)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'wss' }),
    );
    expect(() =>
      archiveServer(archiver, collector.wss, { describe: 'x' } as unknown as {
        description: string;
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'describe' }));

    const first = new WebSocket(collector.url);
    await once(first, 'open');
    // The server emitted 'connection' before it answered the upgrade the client saw.
    expect(serverTap.taps.size).toBe(1);
    const [accepted] = collector.wss.clients;
    first.send('tapped');
    await once(accepted!, 'message');
    serverTap.detach();
    expect(serverTap.taps.size).toBe(0);
    first.send('bye');
    await once(first, 'close');

    // Tapping again, on an archiver that is closed by now: the connection works, untapped.
    const again = archiveServer(archiver, collector.wss);
    await archiver.close();
    const second = new WebSocket(collector.url);
    await once(second, 'open');
    second.send('untapped');
    second.send('bye');
    await once(second, 'close');
    expect(again).toMatchObject({ connections: 0, failed: 1 });
    expect(again.lastError).toMatchObject({ code: 'ERR_ANNAL_CLOSED' });
    await closeServer(collector.wss);

    expect(comparable(collector.received)).toEqual(comparable([text('tapped'), text('untapped')]));
    using recording = openRecording(directory);
    const [stream] = recording.streams();
    expect(stream).toMatchObject({ protocol: 'ws', messagesIn: 1, messagesOut: 0 });
  });
});
