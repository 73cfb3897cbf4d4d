import { join } from 'node:path';

import { Archiver, RECORD_HEADER_BYTES, openRecording } from '@annal/archiver';
import { Queue } from '@annal/core';
import { replay, merge } from '@annal/replay';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();

describe('an archive, written and read back', () => {
  it('holds every message of every stream byte-exact, in recording order, with direction, text flag and time', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const before = Date.now();
    const archiver = await Archiver.open(directory);
    const feed = archiver.stream('feed', { protocol: 'ws', description: 'wss://example/feed' });
    const orders = archiver.stream('orders', { protocol: 'fix' });
    const sent: { stream: string; direction: string; text: boolean; bytes: number[] }[] = [];
    for (let i = 0; i < 500; i++) {
      const text = i % 3 !== 0;
      const bytes = text ? encoder.encode(`tick ${i}`) : new Uint8Array(i % 70).fill(i & 0xff);
      if (i % 2 === 0) feed.recordIn(bytes, text);
      else orders.recordOut(bytes, text);
      sent.push({
        stream: i % 2 === 0 ? 'feed' : 'orders',
        direction: i % 2 === 0 ? 'in' : 'out',
        text,
        bytes: [...bytes],
      });
      // Spread the records over several event-loop turns, as sockets deliver them.
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    feed.end();
    const stats = await archiver.close();
    const after = Date.now();
    expect(stats).toMatchObject({
      recorded: 500,
      dropped: 0,
      archivedMessages: 500,
      state: 'closed',
    });
    // SESSION + 2 STREAM + 500 messages + END, all synced by close().
    expect(stats.archived).toBe(504);
    expect(stats.durable).toBe(504);

    using recording = openRecording(directory);
    const got: typeof sent = [];
    let lastTime = 0;
    let lastIndex = -1;
    for (const message of recording.messages()) {
      got.push({
        stream: message.stream,
        direction: message.direction,
        text: message.text,
        bytes: [...message.copy()],
      });
      expect(message.timestamp).toBeGreaterThanOrEqual(lastTime);
      expect(message.timestamp).toBeGreaterThanOrEqual(before - 1);
      expect(message.timestamp).toBeLessThanOrEqual(after + 1);
      expect(message.nanos).toBeLessThan(1e9);
      expect(message.index).toBeGreaterThan(lastIndex);
      expect(message.droppedBefore).toBe(0);
      lastTime = message.timestamp;
      lastIndex = message.index;
    }
    expect(got).toEqual(sent);

    const streams = recording.streams();
    expect(streams).toEqual([
      expect.objectContaining({
        id: 1,
        session: 1,
        name: 'feed',
        protocol: 'ws',
        description: 'wss://example/feed',
        messagesIn: 250,
        messagesOut: 0,
        endedAt: expect.any(Number),
      }),
      expect.objectContaining({
        id: 2,
        name: 'orders',
        protocol: 'fix',
        description: '',
        messagesIn: 0,
        messagesOut: 250,
        endedAt: undefined,
      }),
    ]);
    expect([...recording.messages({ stream: 'orders', direction: 'in' })]).toHaveLength(0);
    expect(Array.from(recording.messages({ direction: 'out' }), (m) => m.stream)).toEqual(
      Array(250).fill('orders'),
    );
  });

  it('is a plain @annal/core queue whose records start with the 16-byte header', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory);
    archiver.stream('s').recordIn(new Uint8Array([7, 8, 9]));
    await archiver.close();
    using queue = Queue.open(directory, { readOnly: true });
    expect(queue.options.checksums).toBe('crc32c');
    const reader = queue.reader();
    const lengths: number[] = [];
    for (let record = reader.next(); record !== undefined; record = reader.next()) {
      lengths.push(record.length);
    }
    // SESSION (header + JSON), STREAM (header + JSON), the message (header + 3 bytes).
    expect(lengths).toHaveLength(3);
    expect(lengths[2]).toBe(RECORD_HEADER_BYTES + 3);
  });

  it('starts a new session each time it is opened: ids restart, names and sessions tell streams apart', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    for (const run of [1, 2]) {
      await using archiver = await Archiver.open(directory);
      const stream = archiver.stream(`run-${run}`);
      stream.recordIn(encoder.encode(`hello from run ${run}`), true);
      expect(stream.id).toBe(1);
    }
    using recording = openRecording(directory);
    expect(recording.streams().map((s) => [s.session, s.id, s.name])).toEqual([
      [1, 1, 'run-1'],
      [2, 1, 'run-2'],
    ]);
    expect(Array.from(recording.messages({ session: 2 }), (m) => m.decode())).toEqual([
      'hello from run 2',
    ]);
    // The message object is reused: read it during the iteration.
    expect(Array.from(recording.messages(), (m) => `${m.session}:${m.stream}`)).toEqual([
      '1:run-1',
      '2:run-2',
    ]);
  });

  it('replays through @annal/replay, deterministically, and merges two streams by recorded time', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory, { clock: 'each' });
    const inbound = archiver.stream('in');
    const outbound = archiver.stream('out');
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) outbound.recordOut(encoder.encode(`o${i}`), true);
      else inbound.recordIn(encoder.encode(`i${i}`), true);
    }
    await archiver.close();
    using recording = openRecording(directory);
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const calls: string[] = [];
      await replay(
        merge([recording.source({ stream: 'in' }), recording.source({ stream: 'out' })]),
        (record) => {
          calls.push(`${record.stream}/${record.type}/${new TextDecoder().decode(record.value)}`);
        },
      );
      runs.push(calls);
    }
    expect(runs[0]).toEqual(runs[1]);
    // A merge is ordered by recorded time (ties in the order the sources were given).
    const times = runs[0]!.length;
    expect(times).toBe(200);
    expect([...(runs[0] ?? [])].sort()).toEqual(
      Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `out/out/o${i}` : `in/in/i${i}`)).sort(),
    );
    const types: string[] = [];
    await replay(
      recording.source(),
      (record) => {
        types.push(record.type);
      },
      { types: ['out'] },
    );
    expect(types).toHaveLength(67);
  });
});
