/**
 * Coded errors, clear messages: bad URL, unreachable server, wrong credentials, missing stream,
 * a subject the stream does not store, a subject another origin writes.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Queue } from '@annal/core';
import { BridgeIn, BridgeOut, type BridgeOutOptions } from '@annal/bridge-nats';
import type { AnnalError } from '@annal/native';
import { NatsServer, temporaryDirectory } from '@annal/test-utils';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createStream, storedMessages } from '../stream-contents.js';

const USER = 'annal';
const PASS = 'secret';
let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start({ user: USER, pass: PASS });
  await createStream(server.url, 'ERRORS', ['errors.>'], { user: USER, pass: PASS });
});
afterAll(async () => {
  await server.dispose();
});

function queueWithOneRecord(): string {
  const directory = temporaryDirectory();
  const queue = Queue.open(directory);
  const appender = queue.appender();
  appender.appendSync(new Uint8Array([1]));
  appender.close();
  queue.close();
  return directory;
}

function options(overrides: Partial<BridgeOutOptions>): BridgeOutOptions {
  return {
    url: server.url,
    user: USER,
    pass: PASS,
    source: { queue: queueWithOneRecord() },
    stream: 'ERRORS',
    subject: 'errors.out',
    origin: 'e1',
    ...overrides,
  };
}

describe('BridgeOut.open errors', () => {
  it('a URL that is not one: ERR_ANNAL_INVALID_OPTION naming url', async () => {
    await expect(BridgeOut.open(options({ url: 'http://[bad' }))).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      message: expect.stringContaining('url'),
    });
  });

  it('nobody listening: ERR_ANNAL_BRIDGE_CONNECT naming the server', async () => {
    await expect(
      BridgeOut.open(options({ url: 'nats://127.0.0.1:1', connectTimeoutMs: 2000 })),
    ).rejects.toMatchObject({
      code: 'ERR_ANNAL_BRIDGE_CONNECT',
      message: expect.stringContaining('127.0.0.1:1'),
    });
  });

  it('wrong credentials: ERR_ANNAL_BRIDGE_AUTH, the password not in the message', async () => {
    const error = await BridgeOut.open(options({ pass: 'wrong' })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'ERR_ANNAL_BRIDGE_AUTH' });
    expect((error as Error).message).not.toContain('wrong');
  });

  it('a missing stream: ERR_ANNAL_BRIDGE_NO_STREAM naming it', async () => {
    await expect(BridgeOut.open(options({ stream: 'NOPE' }))).rejects.toMatchObject({
      code: 'ERR_ANNAL_BRIDGE_NO_STREAM',
      message: expect.stringContaining('"NOPE"'),
    });
  });

  it('a subject the stream does not store: ERR_ANNAL_BRIDGE_SUBJECT naming both', async () => {
    await expect(BridgeOut.open(options({ subject: 'elsewhere.out' }))).rejects.toMatchObject({
      code: 'ERR_ANNAL_BRIDGE_SUBJECT',
      message: expect.stringContaining('"elsewhere.out"'),
    });
  });

  it('a subject whose last message another writer published: ERR_ANNAL_BRIDGE_CONFLICT', async () => {
    const nc = await connect({ servers: server.url, user: USER, pass: PASS });
    await jetstream(nc).publish('errors.taken', new Uint8Array([1]), { msgID: 'someone-else:7' });
    await nc.close();
    await expect(BridgeOut.open(options({ subject: 'errors.taken' }))).rejects.toMatchObject({
      code: 'ERR_ANNAL_BRIDGE_CONFLICT',
      message: expect.stringContaining('someone-else:7'),
    });
  });

  it('a queue directory that does not exist: ERR_ANNAL_NOT_FOUND naming it', async () => {
    const missing = `${temporaryDirectory()}/missing`;
    await expect(BridgeOut.open(options({ source: { queue: missing } }))).rejects.toMatchObject({
      code: 'ERR_ANNAL_NOT_FOUND',
      path: missing,
    });
  });

  it('a directory that is not a queue: ERR_ANNAL_NOT_FOUND naming it, nothing written there', async () => {
    const directory = temporaryDirectory();
    writeFileSync(join(directory, 'notes.txt'), 'not a queue');
    await expect(BridgeOut.open(options({ source: { queue: directory } }))).rejects.toMatchObject({
      code: 'ERR_ANNAL_NOT_FOUND',
      path: directory,
      message: expect.stringContaining('not a queue'),
    });
    expect(readdirSync(directory)).toEqual(['notes.txt']);
  });

  it('a bad origin: ERR_ANNAL_INVALID_OPTION naming origin', async () => {
    await expect(BridgeOut.open(options({ origin: 'has:colon' }))).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      message: expect.stringContaining('origin'),
    });
  });
});

describe('BridgeOut stopped by a record', () => {
  it('a record over the server max_payload: ERR_ANNAL_BRIDGE_REJECTED naming its index and size', async () => {
    const directory = temporaryDirectory();
    const queue = Queue.open(directory);
    const appender = queue.appender();
    appender.appendSync(new Uint8Array([1]));
    const huge = appender.appendSync(new Uint8Array(2 * 1024 * 1024));
    appender.appendSync(new Uint8Array([3]));
    appender.close();
    const bridge = await BridgeOut.open(
      options({ source: { queue }, subject: 'errors.huge', origin: 'huge' }),
    );
    const error = await new Promise<AnnalError>((resolve) => bridge.once('error', resolve));
    await bridge.close();
    queue.close();
    expect(error).toMatchObject({ code: 'ERR_ANNAL_BRIDGE_REJECTED' });
    expect(error.message).toContain(`record ${huge} (2097152 bytes)`);
    expect(error.message).toContain('max_payload');
    const stored = await storedMessages(server.url, 'ERRORS', 'errors.huge', {
      user: USER,
      pass: PASS,
    });
    expect(stored.map((message) => message.index)).toEqual([huge - 1]);
  });
});

describe('BridgeIn.open errors', () => {
  it('a missing stream: ERR_ANNAL_BRIDGE_NO_STREAM, and no log left behind', async () => {
    const target = join(temporaryDirectory(), 'copy');
    await expect(
      BridgeIn.open({
        url: server.url,
        user: USER,
        pass: PASS,
        stream: 'NOPE',
        consumer: 'c1',
        target: { queue: target },
      }),
    ).rejects.toMatchObject({ code: 'ERR_ANNAL_BRIDGE_NO_STREAM' });
    expect(existsSync(target)).toBe(false);
  });

  it('nobody listening: ERR_ANNAL_BRIDGE_CONNECT, and no log left behind', async () => {
    const target = join(temporaryDirectory(), 'copy');
    await expect(
      BridgeIn.open({
        url: 'nats://127.0.0.1:1',
        stream: 'ERRORS',
        consumer: 'c1',
        target: { queue: target },
      }),
    ).rejects.toMatchObject({ code: 'ERR_ANNAL_BRIDGE_CONNECT' });
    expect(existsSync(target)).toBe(false);
  });

  it('a subject the stream does not store: ERR_ANNAL_BRIDGE_SUBJECT naming both, no log left', async () => {
    const target = join(temporaryDirectory(), 'copy');
    await expect(
      BridgeIn.open({
        url: server.url,
        user: USER,
        pass: PASS,
        stream: 'ERRORS',
        consumer: 'c-elsewhere',
        subject: 'elsewhere.*',
        target: { queue: target },
      }),
    ).rejects.toMatchObject({
      code: 'ERR_ANNAL_BRIDGE_SUBJECT',
      field: 'subject',
      message: expect.stringMatching(/"elsewhere\.\*".*"ERRORS".*errors\.>/),
    });
    expect(existsSync(target)).toBe(false);
  });

  it('wrong credentials: ERR_ANNAL_BRIDGE_AUTH', async () => {
    await expect(
      BridgeIn.open({
        url: server.url,
        user: USER,
        pass: 'wrong',
        stream: 'ERRORS',
        consumer: 'c1',
        target: { queue: temporaryDirectory() },
      }),
    ).rejects.toMatchObject({ code: 'ERR_ANNAL_BRIDGE_AUTH' });
  });

  it('a log holding records the bridge did not append: ERR_ANNAL_BRIDGE_CONFLICT', async () => {
    await expect(
      BridgeIn.open({
        url: server.url,
        user: USER,
        pass: PASS,
        stream: 'ERRORS',
        consumer: 'c1',
        target: { queue: queueWithOneRecord() },
      }),
    ).rejects.toMatchObject({ code: 'ERR_ANNAL_BRIDGE_CONFLICT' });
  });
});
