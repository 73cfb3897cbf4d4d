/**
 * Exactly once, in order, whatever stops: the bridge SIGKILLed at random points while a writer
 * appends; the server restarted gracefully and SIGKILLed mid-stream; the bridge stopped for
 * longer than the stream's duplicate window.
 */
import { Queue, type Appender } from '@annal/core';
import { BridgeOut } from '@annal/bridge-nats';
import {
  NatsServer,
  seededRandom,
  spawnNode,
  temporaryDirectory,
  trialBudget,
} from '@annal/test-utils';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';
import { createStream, storedMessages } from '../stream-contents.js';

const encoder = new TextEncoder();

let server: NatsServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

/** Appends `count` records `record <n>` and remembers their indexes. */
function appendRecords(appender: Appender, indexes: number[], count: number): void {
  for (let i = 0; i < count; i++) {
    indexes.push(appender.appendSync(encoder.encode(`record ${indexes.length}`)));
  }
}

/** The stream holds exactly `indexes`, in order, each with its payload. */
async function expectExactlyOnce(
  url: string,
  subject: string,
  indexes: readonly number[],
): Promise<void> {
  const stored = await storedMessages(url, 'CRASH', subject);
  expect(stored.map((message) => message.index)).toEqual(indexes);
  expect(stored.map((message) => new TextDecoder().decode(message.payload))).toEqual(
    indexes.map((_, i) => `record ${i}`),
  );
}

describe('exactly once', () => {
  it('SIGKILL of the bridge at random points while a writer appends', async () => {
    server = await NatsServer.start();
    await createStream(server.url, 'CRASH', ['crash.>']);
    const directory = temporaryDirectory();
    const queue = Queue.open(directory);
    const appender = queue.appender();
    const indexes: number[] = [];
    const random = seededRandom(18);
    const budget = trialBudget({ min: 3, max: 8, seconds: 8, soak: 200 });
    const args = (mode: string): string[] => [
      server?.url ?? '',
      directory,
      'CRASH',
      'crash.kill',
      'k1',
      '16',
      mode,
    ];
    appendRecords(appender, indexes, 300);
    for (let round = 0; budget.more(round); round++) {
      const bridge = spawnNode(fixturePath('ship.mjs'), args('run'));
      await bridge.waitForLine((line) => line === 'ready');
      // The writer goes on while the bridge ships; the kill lands after a random record's ack.
      appendRecords(appender, indexes, 50 + Math.floor(random() * 200));
      const target = indexes[Math.floor(random() * indexes.length)] as number;
      await bridge.waitForLine(
        (line) => line.startsWith('acked ') && Number(line.slice(6)) >= target,
      );
      appendRecords(appender, indexes, Math.floor(random() * 50));
      bridge.child.kill('SIGKILL');
      const result = await bridge.exited;
      expect(result.signal, result.stderr).toBe('SIGKILL');
    }
    const last = spawnNode(fixturePath('ship.mjs'), args('catch-up'));
    const result = await last.exited;
    expect(result.stdout, result.stderr).toContain('done');
    await expectExactlyOnce(server.url, 'crash.kill', indexes);
    appender.close();
    queue.close();
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`restart of nats-server mid-stream (${signal})`, async () => {
      const nats = await NatsServer.start();
      server = nats;
      await createStream(nats.url, 'CRASH', ['crash.>']);
      const directory = temporaryDirectory();
      const queue = Queue.open(directory);
      const appender = queue.appender();
      const indexes: number[] = [];
      appendRecords(appender, indexes, 20_000);
      const bridge = await BridgeOut.open({
        url: nats.url,
        source: { queue },
        stream: 'CRASH',
        subject: 'crash.server',
        origin: 's1',
        maxInFlight: 64,
        ackTimeoutMs: 1000,
      });
      try {
        const middle = indexes[2000] as number;
        await new Promise<void>((resolve) => {
          const seen = (index: number): void => {
            if (index < middle) return;
            bridge.off('acknowledged', seen);
            resolve();
          };
          bridge.on('acknowledged', seen);
        });
        await nats.restart(signal);
        appendRecords(appender, indexes, 500);
        await bridge.caughtUp();
        expect(bridge.failure).toBeUndefined();
        const metrics = bridge.metrics();
        expect(metrics.acknowledgedIndex).toBe(indexes.at(-1));
        // The restart met messages in flight: the bridge re-synchronised at least once.
        expect(metrics.resyncs).toBeGreaterThan(0);
      } finally {
        await bridge.close();
      }
      await expectExactlyOnce(nats.url, 'crash.server', indexes);
      appender.close();
      queue.close();
    });
  }

  it('a bridge stopped for longer than the duplicate window ships no duplicate', async () => {
    server = await NatsServer.start();
    await createStream(server.url, 'CRASH', ['crash.>'], { duplicateWindowMs: 1000 });
    const directory = temporaryDirectory();
    const queue = Queue.open(directory);
    const appender = queue.appender();
    const indexes: number[] = [];
    appendRecords(appender, indexes, 100);
    const options = {
      url: server.url,
      source: { queue },
      stream: 'CRASH',
      subject: 'crash.window',
      origin: 'd1',
    } as const;
    const first = await BridgeOut.open(options);
    await first.caughtUp();
    await first.close();
    // As if the bridge's position were lost: its named reader back at the start.
    queue.reader({ name: 'bridge-nats.d1' }).toStart().close();
    // Wait until the window forgot every id: a probe id published after them is new again.
    const nc = await connect({ servers: server.url });
    const js = jetstream(nc);
    while ((await js.publish('crash.probe', undefined, { msgID: 'probe' })).duplicate);
    await nc.close();
    appendRecords(appender, indexes, 50);
    const second = await BridgeOut.open(options);
    await second.caughtUp();
    expect(second.metrics().duplicates).toBe(0);
    await second.close();
    await expectExactlyOnce(server.url, 'crash.window', indexes);
    appender.close();
    queue.close();
  });
});
