/**
 * Consuming a stream into a local log: every message once, in order, acknowledged only after
 * the append; a crash between append and ack appends nothing twice.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { Queue } from '@annal/core';
import { crc32c } from '@annal/native';
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

  it('a consumer deleted under it is recreated after what the log holds, nothing twice', async () => {
    await createStream(server.url, 'INDEL', ['indel.>']);
    await publish('indel.a', 0, 10);
    const directory = temporaryDirectory();
    const bridge = await BridgeIn.open({
      url: server.url,
      stream: 'INDEL',
      consumer: 'copy',
      target: { queue: directory },
    });
    await held(bridge, 10);
    const nc = await connect({ servers: server.url });
    await (await jetstreamManager(nc)).consumers.delete('INDEL', 'copy');
    await nc.close();
    await publish('indel.a', 10, 15);
    await held(bridge, 15);
    await bridge.close();
    expect(bridge.failure).toBeUndefined();
    expect(queuePayloads(directory)).toEqual(expected(15));
  });

  it('its stream deleted: ERR_ANNAL_BRIDGE_NO_STREAM stops it', async () => {
    await createStream(server.url, 'INGONE', ['ingone.>']);
    await publish('ingone.a', 0, 3);
    const bridge = await BridgeIn.open({
      url: server.url,
      stream: 'INGONE',
      consumer: 'copy',
      target: { queue: temporaryDirectory() },
    });
    await held(bridge, 3);
    const stopped = new Promise<unknown>((resolve) => bridge.once('error', resolve));
    const nc = await connect({ servers: server.url });
    await (await jetstreamManager(nc)).streams.delete('INGONE');
    await nc.close();
    expect(await stopped).toMatchObject({ code: 'ERR_ANNAL_BRIDGE_NO_STREAM' });
    await bridge.close();
  });

  it('a stream created again, shorter than what the log holds: ERR_ANNAL_BRIDGE_CONFLICT, nothing skipped silently', async () => {
    await createStream(server.url, 'INAGAIN', ['inagain.>']);
    await publish('inagain.a', 0, 5);
    const directory = temporaryDirectory();
    const options = {
      url: server.url,
      stream: 'INAGAIN',
      consumer: 'copy',
      target: { queue: directory },
    } as const;
    const bridge = await BridgeIn.open(options);
    await held(bridge, 5);
    await bridge.close();
    const nc = await connect({ servers: server.url });
    await (await jetstreamManager(nc)).streams.delete('INAGAIN');
    await nc.close();
    await createStream(server.url, 'INAGAIN', ['inagain.>']);
    await publish('inagain.a', 100, 102); // sequences 1 and 2 of the new stream
    await expect(BridgeIn.open(options)).rejects.toMatchObject({
      code: 'ERR_ANNAL_BRIDGE_CONFLICT',
      message: expect.stringMatching(/ends at sequence 2, before sequence 5/),
    });
    expect(queuePayloads(directory)).toEqual(expected(5));
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

/**
 * Writes the state file's next slot by hand (intake-state-layout.ts), as a bridge does before
 * appending a batch: for a crash in the middle of that batch.
 */
function announceBatch(
  path: string,
  heldBefore: number,
  before: number,
  sequences: number[],
): void {
  const existing = readFileSync(path);
  const view = new DataView(existing.buffer, existing.byteOffset, existing.byteLength);
  const slotBytes = 40 + 8 * 4096;
  const generations = [0, slotBytes]
    .filter((at) => existing.byteLength >= at + 40 && view.getUint32(at, true) === 0x53494241)
    .map((at) => view.getFloat64(at + 8, true));
  const generation = Math.max(0, ...generations) + 1;
  const slot = new Uint8Array(40 + 8 * sequences.length);
  const out = new DataView(slot.buffer);
  out.setUint32(0, 0x53494241, true);
  out.setFloat64(8, generation, true);
  out.setFloat64(16, heldBefore, true);
  out.setFloat64(24, before, true);
  out.setUint32(32, sequences.length, true);
  sequences.forEach((sequence, i) => out.setFloat64(40 + 8 * i, sequence, true));
  out.setUint32(4, crc32c(slot.subarray(8)), true);
  const fd = openSync(path, 'r+');
  writeSync(fd, slot, 0, slot.length, (generation % 2) * slotBytes);
  closeSync(fd);
}

describe('BridgeIn after a crash in the middle of a batch', () => {
  it('counts the records the batch left and appends only the rest', async () => {
    await createStream(server.url, 'IN4', ['in4.>']);
    await publish('in4.a', 0, 10);
    const directory = temporaryDirectory();
    const options = {
      url: server.url,
      stream: 'IN4',
      consumer: 'half',
      target: { queue: directory },
    } as const;
    let bridge = await BridgeIn.open(options);
    await held(bridge, 10);
    await bridge.close();
    await publish('in4.a', 10, 15);
    // The crash: the batch of sequences 11 … 15 was announced, two of its records appended.
    const queue = Queue.open(directory);
    const before = queue.describe().lastIndex ?? -1;
    const appender = queue.appender();
    appender.appendString('message 10');
    appender.appendString('message 11');
    appender.close();
    queue.close();
    announceBatch(join(directory, 'bridge-in.half.state'), 10, before, [11, 12, 13, 14, 15]);
    bridge = await BridgeIn.open(options);
    expect(bridge.heldSequence).toBe(12);
    await held(bridge, 15);
    await bridge.close();
    expect(queuePayloads(directory)).toEqual(expected(15));
  });
});

describe('BridgeIn across a restart of nats-server', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal}: every message once, in order`, async () => {
      const nats = await NatsServer.start();
      try {
        await createStream(nats.url, 'IN5', ['in5.>']);
        const nc = await connect({ servers: nats.url });
        const js = jetstream(nc);
        for (let i = 0; i < 2000; i++) await js.publish('in5.a', encoder.encode(`message ${i}`));
        await nc.close();
        const directory = temporaryDirectory();
        const bridge = await BridgeIn.open({
          url: nats.url,
          stream: 'IN5',
          consumer: 'through',
          target: { queue: directory },
          maxBatchRecords: 64,
          ackWaitMs: 1000,
        });
        await held(bridge, 500);
        await nats.restart(signal);
        const again = await connect({ servers: nats.url });
        const js2 = jetstream(again);
        for (let i = 2000; i < 2200; i++)
          await js2.publish('in5.a', encoder.encode(`message ${i}`));
        await again.close();
        await bridge.caughtUp();
        expect(bridge.failure).toBeUndefined();
        await bridge.close();
        expect(queuePayloads(directory)).toEqual(expected(2200));
      } finally {
        await nats.dispose();
      }
    });
  }
});
