/**
 * Shipping a queue, a wal topic and an archive to a real nats-server: every record once, in
 * order, payload unchanged, with the headers replay needs.
 */
import { Queue } from '@annal/core';
import { Archiver } from '@annal/archiver';
import { BridgeOut } from '@annal/bridge-nats';
import { Wal } from '@annal/wal';
import { NatsServer, temporaryDirectory } from '@annal/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createStream, storedMessages } from '../stream-contents.js';

let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
  await createStream(server.url, 'SHIP', ['ship.>']);
});
afterAll(async () => {
  await server.dispose();
});

const encoder = new TextEncoder();

describe('BridgeOut', () => {
  it('ships every record of a queue once, in order, payload unchanged', async () => {
    const directory = temporaryDirectory();
    const queue = Queue.open(directory);
    const appender = queue.appender();
    const indexes: number[] = [];
    for (let i = 0; i < 500; i++) indexes.push(appender.appendSync(encoder.encode(`record ${i}`)));
    const bridge = await BridgeOut.open({
      url: server.url,
      source: { queue },
      stream: 'SHIP',
      subject: 'ship.queue',
      origin: 'q1',
      maxInFlight: 32,
    });
    try {
      await bridge.caughtUp();
      for (let i = 500; i < 700; i++)
        indexes.push(appender.appendSync(encoder.encode(`record ${i}`)));
      await bridge.caughtUp();
      const metrics = bridge.metrics();
      expect(metrics.acknowledged).toBe(700);
      expect(metrics.inFlight).toBe(0);
      expect(metrics.lagRecords).toBe(0);
      expect(metrics.acknowledgedIndex).toBe(indexes.at(-1));
    } finally {
      await bridge.close();
    }
    const stored = await storedMessages(server.url, 'SHIP', 'ship.queue');
    expect(stored.map((message) => message.index)).toEqual(indexes);
    expect(stored.map((message) => new TextDecoder().decode(message.payload))).toEqual(
      indexes.map((_, i) => `record ${i}`),
    );
    expect(stored[0]?.headers['Nats-Msg-Id']).toBe(`q1:${indexes[0]}`);
    expect(stored[0]?.origin).toBe('q1');
    // The named reader stores how far JetStream acknowledged.
    const reader = queue.reader({ name: 'bridge-nats.q1' });
    expect(reader.index).toBeGreaterThanOrEqual(indexes.at(-1) as number);
    reader.close();
    appender.close();
    queue.close();
  });

  it('ships a wal topic, and a restart ships only what is new', async () => {
    const directory = temporaryDirectory();
    const wal = Wal.open(directory, { sync: 'none' });
    for (let i = 0; i < 100; i++) wal.appendSync('orders', encoder.encode(`order ${i}`));
    const options = {
      url: server.url,
      source: { wal, topic: 'orders' },
      stream: 'SHIP',
      subject: 'ship.wal',
      origin: 'w1',
    } as const;
    let bridge = await BridgeOut.open(options);
    await bridge.caughtUp();
    await bridge.close();
    for (let i = 100; i < 150; i++) wal.appendSync('orders', encoder.encode(`order ${i}`));
    bridge = await BridgeOut.open(options);
    await bridge.caughtUp();
    await bridge.close();
    const stored = await storedMessages(server.url, 'SHIP', 'ship.wal');
    expect(stored.map((message) => message.index)).toEqual(
      Array.from({ length: 150 }, (_, i) => i),
    );
    await wal.close();
  });

  it('labels archive records with kind, stream id, direction and recorded time', async () => {
    const directory = temporaryDirectory();
    const archiver = await Archiver.open(directory);
    const feed = archiver.stream('feed', { protocol: 'ws' });
    feed.recordIn(encoder.encode('tick 1'), true);
    feed.recordOut(encoder.encode('ack 1'), true);
    await archiver.close();
    const bridge = await BridgeOut.open({
      url: server.url,
      source: { queue: directory, archive: true },
      stream: 'SHIP',
      subject: 'ship.archive',
      origin: 'a1',
    });
    await bridge.caughtUp();
    await bridge.close();
    const stored = await storedMessages(server.url, 'SHIP', 'ship.archive');
    const kinds = stored.map((message) => message.headers['Annal-Kind']);
    expect(kinds).toEqual(['session', 'stream', 'message', 'message']);
    const messages = stored.filter((message) => message.headers['Annal-Kind'] === 'message');
    expect(messages.map((message) => message.headers['Annal-Direction'])).toEqual(['in', 'out']);
    expect(new TextDecoder().decode(messages[0]?.payload.subarray(16))).toBe('tick 1');
    const time = Number(messages[0]?.headers['Annal-Time']);
    expect(Math.abs(time * 1000 - Date.now())).toBeLessThan(3_600_000);
    expect(messages[0]?.headers['Annal-Stream-Id']).toBe(stored[1]?.headers['Annal-Stream-Id']);
  });
});
