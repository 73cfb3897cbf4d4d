/**
 * Consuming a stream into a local log: every message once, in order, acknowledged only after
 * the append; a crash between append and ack appends nothing twice.
 */
import { Queue } from '@annal/core';
import { BridgeIn } from '@annal/bridge-nats';
import { Wal } from '@annal/wal';
import { NatsServer, spawnNode, temporaryDirectory } from '@annal/test-utils';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';
import { createStream } from '../stream-contents.js';

let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
});
afterAll(async () => {
  await server.dispose();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Publishes `message <from>` … `message <to - 1>` on `subject`. */
async function publish(subject: string, from: number, to: number): Promise<void> {
  const nc = await connect({ servers: server.url });
  const js = jetstream(nc);
  for (let i = from; i < to; i++) await js.publish(subject, encoder.encode(`message ${i}`));
  await nc.close();
}

function queuePayloads(directory: string): string[] {
  const queue = Queue.open(directory);
  const reader = queue.reader();
  const payloads: string[] = [];
  for (let record = reader.next(); record !== undefined; record = reader.next())
    payloads.push(record.text());
  reader.close();
  queue.close();
  return payloads;
}

/** Resolves once the bridge holds stream sequence `seq`. */
function held(bridge: BridgeIn, seq: number): Promise<void> {
  if (bridge.heldSequence >= seq) return Promise.resolve();
  return new Promise((resolve) => {
    const check = (sequence: number): void => {
      if (sequence < seq) return;
      bridge.off('appended', check);
      resolve();
    };
    bridge.on('appended', check);
  });
}

const expected = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `message ${i}`);

describe('BridgeIn', () => {
  it('appends every message once, in order, into a queue; a restart takes only the new ones', async () => {
    await createStream(server.url, 'IN1', ['in1.>']);
    await publish('in1.a', 0, 300);
    const directory = temporaryDirectory();
    const options = {
      url: server.url,
      stream: 'IN1',
      consumer: 'copy',
      target: { queue: directory },
    } as const;
    let bridge = await BridgeIn.open(options);
    await held(bridge, 300);
    await bridge.close();
    await publish('in1.a', 300, 350);
    bridge = await BridgeIn.open(options);
    await held(bridge, 350);
    expect(bridge.metrics().skipped).toBe(0);
    await bridge.close();
    expect(queuePayloads(directory)).toEqual(expected(350));
  });

  it('appends into a wal topic, only the subject asked for', async () => {
    await createStream(server.url, 'IN2', ['in2.>']);
    await publish('in2.a', 0, 100);
    await publish('in2.b', 100, 120);
    const directory = temporaryDirectory();
    const bridge = await BridgeIn.open({
      url: server.url,
      stream: 'IN2',
      consumer: 'only-a',
      subject: 'in2.a',
      target: { wal: directory, topic: 'copy' },
    });
    await held(bridge, 100);
    await bridge.close();
    const wal = Wal.open(directory);
    const records = wal.readFrom('copy', 0);
    expect(records.map((record) => decoder.decode(record.payload))).toEqual(expected(100));
    await wal.close();
  });

  it('a crash between append and ack: the redelivered messages are not appended again', async () => {
    await createStream(server.url, 'IN3', ['in3.>']);
    await publish('in3.a', 0, 50);
    const directory = temporaryDirectory();
    const child = spawnNode(fixturePath('consume-then-die.mjs'), [
      server.url,
      directory,
      'IN3',
      'dies',
      '500',
    ]);
    const result = await child.exited;
    expect(result.signal, result.stderr).toBe('SIGKILL');
    expect(result.stdout).toContain('appended 50');
    // JetStream has the 50 messages pending (delivered, never acknowledged).
    const nc = await connect({ servers: server.url });
    const info = await (await jetstreamManager(nc)).consumers.info('IN3', 'dies');
    expect(info.num_ack_pending).toBe(50);
    await nc.close();
    await publish('in3.a', 50, 60);
    const bridge = await BridgeIn.open({
      url: server.url,
      stream: 'IN3',
      consumer: 'dies',
      target: { queue: directory },
      ackWaitMs: 500,
    });
    // The 50 come again once their ack wait is over; the bridge acknowledges them unappended.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (bridge.metrics().skipped < 50) return;
        bridge.off('skipped', check);
        resolve();
      };
      bridge.on('skipped', check);
      check();
    });
    await held(bridge, 60);
    await bridge.close();
    expect(queuePayloads(directory)).toEqual(expected(60));
  });
});
