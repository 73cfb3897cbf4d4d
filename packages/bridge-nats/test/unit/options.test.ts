/** Options of BridgeOut.open and BridgeIn.open refused before anything is opened or connected. */
import { BridgeIn, BridgeOut } from '@annal/bridge-nats';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const out = {
  url: 'nats://127.0.0.1:1',
  stream: 'S',
  subject: 's.a',
  origin: 'a',
};

describe('source and target shapes', () => {
  it.each([
    { queue: 42 },
    { wal: '/tmp/w' },
    { queue: '/tmp/q', wal: '/tmp/w', topic: 't' },
    'dir',
  ])('BridgeOut source %j: ERR_ANNAL_INVALID_OPTION saying what a source is', async (source) => {
    await expect(BridgeOut.open({ ...out, source } as never)).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'source',
      message: expect.stringContaining(
        'source must be { queue: directory | Queue, archive?: boolean } or { wal: directory | Wal, topic: string }',
      ),
    });
  });

  it.each([{ queue: 42 }, { wal: '/tmp/w' }, 'dir'])(
    'BridgeIn target %j: ERR_ANNAL_INVALID_OPTION saying what a target is',
    async (target) => {
      await expect(
        BridgeIn.open({ url: out.url, stream: 'S', consumer: 'c', target } as never),
      ).rejects.toMatchObject({
        code: 'ERR_ANNAL_INVALID_OPTION',
        field: 'target',
        message: expect.stringContaining(
          'target must be { queue: directory | Queue } or { wal: directory | Wal, topic: string }',
        ),
      });
    },
  );

  it('a missing url is named as required', async () => {
    await expect(
      BridgeOut.open({ ...out, url: undefined, source: { queue: '/tmp/q' } } as never),
    ).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'url',
      message: 'BridgeOut.open: url is required and was not given',
    });
  });
});

function emptyQueue(): string {
  const directory = temporaryDirectory();
  Queue.open(directory).close();
  return directory;
}

describe('origin and the named reader of a queue', () => {
  it('a queue source without reader: an origin over 28 characters is refused naming origin', async () => {
    const origin = 'o'.repeat(29);
    await expect(
      BridgeOut.open({ ...out, origin, source: { queue: '/tmp/not-opened' } }),
    ).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'origin',
      message: expect.stringContaining('at most 28'),
    });
  });

  it('28 characters, or any origin with a reader of its own, passes the options (and goes on to connect)', async () => {
    for (const options of [
      { origin: 'o'.repeat(28) },
      { origin: 'o'.repeat(64), reader: 'shipped' },
    ]) {
      await expect(
        BridgeOut.open({ ...out, ...options, source: { queue: emptyQueue() } }),
      ).rejects.toMatchObject({ code: 'ERR_ANNAL_BRIDGE_CONNECT' });
    }
  });
});
