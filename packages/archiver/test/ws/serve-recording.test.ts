import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Archiver, openRecording, type Recording } from '@annal/archiver';
import { serveRecording } from '@annal/archiver/ws';
import { temporaryDirectory } from '@annal/test-utils';

import {
  WebSocket,
  comparable,
  marketData,
  pattern,
  receiveAll,
  recordFeed,
  text,
} from './feed.js';

describe('serveRecording', () => {
  it('plays the recorded feed to each client, in order, text as text, then closes with 1000', async () => {
    const directory = temporaryDirectory();
    const feed = marketData();
    expect(comparable(await recordFeed(directory, feed))).toEqual(comparable(feed));
    using recording = openRecording(directory);
    await using server = await serveRecording(recording, { speed: 'max' });
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/`);
    expect(server.stream).toMatchObject({ name: 'feed', session: 1, id: 1 });

    // Two clients at once: each gets the whole session on its own.
    const clients = [new WebSocket(server.url), new WebSocket(server.url)];
    const [first, second] = await Promise.all(clients.map(receiveAll));
    expect(first?.code).toBe(1000);
    expect(comparable(first?.messages ?? [])).toEqual(comparable(feed));
    expect(comparable(second?.messages ?? [])).toEqual(comparable(feed));
    // And a later one too.
    const third = await receiveAll(new WebSocket(server.url));
    expect(comparable(third.messages)).toEqual(comparable(feed));
    expect(server.completed).toBe(3);
  });

  it('keeps the recorded spacing, or a multiple of it', async () => {
    const directory = temporaryDirectory();
    const feed = Array.from({ length: 8 }, (_, k) => text(`tick ${k}`));
    await recordFeed(directory, feed, { spacingMs: 15 });
    using recording = openRecording(directory);
    for (const speed of ['realtime', 3] as const) {
      await using server = await serveRecording(recording, { speed });
      const { messages, code } = await receiveAll(new WebSocket(server.url));
      expect(code).toBe(1000);
      expect(comparable(messages)).toEqual(comparable(feed));
    }
  });

  it("plays a server socket's sent messages with direction 'out', the stream chosen by object", async () => {
    const directory = temporaryDirectory();
    const feed = marketData(30);
    await recordFeed(directory, feed, { tapServer: true });
    using recording = openRecording(directory);
    const serverSide = recording.streams().find((stream) => stream.name !== 'feed')!;
    expect(serverSide?.messagesOut).toBe(feed.length);
    await using server = await serveRecording(recording, {
      stream: serverSide,
      direction: 'out',
      speed: 'max',
    });
    const { messages } = await receiveAll(new WebSocket(server.url));
    expect(comparable(messages)).toEqual(comparable(feed));
  });

  it('holds the playback back while a client does not read, and delivers everything after', async () => {
    const directory = temporaryDirectory();
    const count = 600;
    const size = 64 * 1024;
    const archiver = await Archiver.open(directory, { whenFull: 'wait' });
    const stream = archiver.stream('snapshots', { protocol: 'ws' });
    for (let k = 0; k < count; k++) stream.recordIn(pattern(size, k));
    await archiver.close();
    const expected = createHash('sha256');
    for (let k = 0; k < count; k++) expected.update(pattern(size, k));

    using recording = openRecording(directory);
    // Counts what the server has read from the recording.
    let pulled = 0;
    const counting = {
      streams: () => recording.streams(),
      *messages(filter: Parameters<Recording['messages']>[0]) {
        for (const message of recording.messages(filter)) {
          pulled++;
          yield message;
        }
      },
    } as unknown as Recording;
    await using server = await serveRecording(counting, { speed: 'max' });
    const client = new WebSocket(server.url);
    const received = createHash('sha256');
    let messages = 0;
    client.on('message', (data: Buffer) => {
      received.update(data);
      if (++messages === 1) client.pause();
    });
    await once(client, 'message');
    // Turns of the event loop (the server runs on it) for a server without back-pressure to read
    // all 39 MiB ahead of the client; the check holds for any number (fewer only prove less).
    for (let turn = 0; turn < 2000; turn++) await new Promise((resolve) => setImmediate(resolve));
    // The client's and the server's socket buffers and ws's high-water mark hold far less.
    expect(pulled).toBeLessThan(count / 2);
    client.resume();
    const [code] = (await once(client, 'close')) as [number];
    expect(code).toBe(1000);
    expect(messages).toBe(count);
    expect(received.digest('hex')).toBe(expected.digest('hex'));
  });

  it('closing the server ends its connections with 1001', async () => {
    const directory = temporaryDirectory();
    await recordFeed(directory, [text('a'), text('b'), text('c')], { spacingMs: 5 });
    using recording = openRecording(directory);
    // A thousand times slower: the second message is seconds away.
    const server = await serveRecording(recording, { speed: 0.001 });
    const client = new WebSocket(server.url);
    const [first] = (await once(client, 'message')) as [Buffer];
    expect(first.toString()).toBe('a');
    expect(server.clients).toBe(1);
    const closed = once(client, 'close');
    await server.close();
    await server.close();
    const [code] = (await closed) as [number];
    expect(code).toBe(1001);
    expect(server.completed).toBe(0);
  });

  it('refuses options it cannot follow, naming the field and the streams', async () => {
    const directory = temporaryDirectory();
    const archiver = await Archiver.open(directory);
    archiver.stream('feed', { protocol: 'ws' });
    archiver.stream('feed', { protocol: 'ws' });
    archiver.stream('orders', { protocol: 'fix' });
    await archiver.close();
    using recording = openRecording(directory);

    await expect(serveRecording(recording)).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'stream',
      message: expect.stringMatching(/several streams.*"feed" \(session 1, id 1\)/),
    });
    await expect(serveRecording(recording, { stream: 'feed' })).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      message: expect.stringContaining('2 streams are named "feed"'),
    });
    await expect(serveRecording(recording, { stream: 'quotes' })).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'stream',
    });
    await expect(
      serveRecording(recording, { stream: { ...recording.streams()[0]!, id: 9 } }),
    ).rejects.toMatchObject({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'stream' });
    for (const [options, field] of [
      [{ speed: 0 }, 'speed'],
      [{ speed: 'fast' }, 'speed'],
      [{ port: 70_000 }, 'port'],
      [{ direction: 'both' }, 'direction'],
      [{ pace: 'asap' }, 'pace'],
    ] as const) {
      await expect(
        serveRecording(recording, options as Parameters<typeof serveRecording>[1]),
      ).rejects.toMatchObject({ code: 'ERR_ANNAL_INVALID_OPTION', field });
    }

    // The one 'ws' stream of a recording is chosen without a name.
    const single = temporaryDirectory();
    const mixed = await Archiver.open(single);
    mixed.stream('orders', { protocol: 'fix' });
    mixed.stream('quotes', { protocol: 'ws' });
    await mixed.close();
    using only = openRecording(single);
    await using server = await serveRecording(only);
    expect(server.stream.name).toBe('quotes');
    // A port in use is the listen error.
    await expect(serveRecording(only, { port: server.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('closes a connection with 1011 when the recording cannot be read', async () => {
    const directory = temporaryDirectory();
    await recordFeed(directory, [text('a'), text('b'), text('c')]);
    using recording = openRecording(directory);
    const damage = new Error(`archive damaged: ${'é'.repeat(200)}`);
    // A recording whose reading fails after the first message, as a damaged one would.
    const failing = {
      streams: () => recording.streams(),
      *messages(filter: Parameters<Recording['messages']>[0]) {
        for (const message of recording.messages(filter)) {
          yield message;
          throw damage;
        }
      },
    } as unknown as Recording;
    await using server = await serveRecording(failing, { speed: 'max' });
    const { messages, code } = await receiveAll(new WebSocket(server.url));
    expect(code).toBe(1011);
    expect(comparable(messages)).toEqual(comparable([text('a')]));
    expect(server.lastError).toBe(damage);
    expect(server.completed).toBe(0);
  });
});
