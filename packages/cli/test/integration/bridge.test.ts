/**
 * `annal bridge out` and `annal bridge in` against a real nats-server: a queue shipped and
 * consumed back into a copy, credentials from the environment, a SIGTERM that drains, coded
 * failures.
 */
import { Queue } from '@annal/core';
import { NatsServer, temporaryDirectory } from '@annal/test-utils';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { annal, jsonLines, startAnnal } from '../annal.js';

const USER = 'annal';
const PASS = 'secret';
const credentials = { NATS_USER: USER, NATS_PASS: PASS };
let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start({ user: USER, pass: PASS });
  const nc = await connect({ servers: server.url, user: USER, pass: PASS });
  await (await jetstreamManager(nc)).streams.add({ name: 'CLI', subjects: ['cli.>'] });
  await nc.close();
});
afterAll(async () => {
  await server.dispose();
});

function queueOf(count: number): string {
  const directory = temporaryDirectory();
  const queue = Queue.open(directory);
  const appender = queue.appender();
  for (let i = 0; i < count; i++) appender.appendString(`record ${i}`);
  appender.close();
  queue.close();
  return directory;
}

describe('annal bridge', () => {
  it('out ships a queue, in consumes it into a copy, each until caught up', async () => {
    const source = queueOf(120);
    const out = await annal(
      [
        'bridge',
        'out',
        source,
        server.url,
        '--stream',
        'CLI',
        '--subject',
        'cli.a',
        '--origin',
        'a',
        '--until-caught-up',
      ],
      { environment: credentials },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('120 acknowledged (0 duplicates)');
    const copy = temporaryDirectory();
    const into = await annal(
      [
        '--json',
        'bridge',
        'in',
        server.url,
        copy,
        '--stream',
        'CLI',
        '--consumer',
        'copy',
        '--subject',
        'cli.a',
        '--until-caught-up',
      ],
      { environment: credentials },
    );
    expect(into.code, into.stderr).toBe(0);
    expect(jsonLines(into.stdout)).toMatchObject([
      { appended: 120, skipped: 0, stopped: 'caught-up' },
    ]);
    const dump = await annal(['dump', copy, '--limit', '2']);
    expect(dump.stdout).toContain('record 0');
    expect(dump.stdout).toContain('record 1');
  });

  it('out runs until SIGTERM, then drains and exits 0', async () => {
    const source = queueOf(10);
    const child = startAnnal([
      'bridge',
      'out',
      source,
      `nats://${USER}:${PASS}@127.0.0.1:${server.port}`,
      '--stream',
      'CLI',
      '--subject',
      'cli.b',
      '--origin',
      'b',
    ]);
    await child.waitForLine((line) => line.startsWith('shipping '));
    child.child.kill('SIGTERM');
    const result = await child.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/acknowledged/);
  });

  it('out with --topic on a queue: exit 2, nothing shipped', async () => {
    const source = queueOf(3);
    const result = await annal(
      [
        '--json',
        'bridge',
        'out',
        source,
        server.url,
        '--stream',
        'CLI',
        '--subject',
        'cli.topic',
        '--origin',
        'topic',
        '--topic',
        'orders',
        '--until-caught-up',
      ],
      { environment: credentials },
    );
    expect(result.code).toBe(2);
    expect(jsonLines(result.stderr)).toMatchObject([
      {
        error: {
          code: 'ERR_ANNAL_INVALID_ARGUMENT',
          message: expect.stringContaining('is a queue'),
        },
      },
    ]);
    const nc = await connect({ servers: server.url, user: USER, pass: PASS });
    const jsm = await jetstreamManager(nc);
    const last = await jsm.streams.getMessage('CLI', { last_by_subj: 'cli.topic' });
    await nc.close();
    expect(last).toBeNull();
  });

  it('a missing stream or wrong credentials: exit 10 with the code in the message', async () => {
    const source = queueOf(1);
    const missing = await annal(
      [
        '--json',
        'bridge',
        'out',
        source,
        server.url,
        '--stream',
        'NOPE',
        '--subject',
        'cli.c',
        '--origin',
        'c',
      ],
      { environment: credentials },
    );
    expect(missing.code).toBe(10);
    expect(jsonLines(missing.stderr)).toMatchObject([
      { error: { code: 'ERR_ANNAL_BRIDGE_NO_STREAM' } },
    ]);
    const refused = await annal(
      [
        '--json',
        'bridge',
        'out',
        source,
        server.url,
        '--stream',
        'CLI',
        '--subject',
        'cli.c',
        '--origin',
        'c',
      ],
      { environment: { NATS_USER: USER, NATS_PASS: 'wrong' } },
    );
    expect(refused.code).toBe(10);
    expect(jsonLines(refused.stderr)).toMatchObject([{ error: { code: 'ERR_ANNAL_BRIDGE_AUTH' } }]);
  });
});
