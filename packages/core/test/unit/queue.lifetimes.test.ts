/**
 * Long-lived objects keep no bookkeeping for what was closed: a process that opens a reader per
 * request, or reopens its appender, must not grow the queue's memory.
 */
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';

const SMALL = { rollCycle: 'TEST_SECONDLY', blockBytes: '64 KiB' } as const;

describe('lifetimes', () => {
  it('opening and closing 10,000 readers leaves the queue holding none of them', () => {
    using queue = Queue.open(temporaryDirectory(), SMALL);
    queue.appender().appendString('one');
    const kept = queue.reader();
    for (let n = 0; n < 10_000; n++) {
      const reader = queue.reader();
      expect(reader.next()?.text()).toBe('one');
      reader.close();
    }
    expect(queue.openReaderCount).toBe(1);
    kept.close();
    expect(queue.openReaderCount).toBe(0);
  });

  it('named readers leave the queue as they close, and their names stay listed', () => {
    using queue = Queue.open(temporaryDirectory(), SMALL);
    for (let n = 0; n < 1_000; n++) queue.reader({ name: 'per-request' }).close();
    expect(queue.openReaderCount).toBe(0);
    expect(queue.readerNames()).toEqual(['per-request']);
  });

  it('closing the queue closes the readers still open, once each', () => {
    const queue = Queue.open(temporaryDirectory(), SMALL);
    const readers = [queue.reader(), queue.reader(), queue.reader({ name: 'a' })];
    readers[1]?.close();
    queue.close();
    expect(readers.map((reader) => reader.closed)).toEqual([true, true, true]);
    expect(queue.openReaderCount).toBe(0);
  });

  it('closing the queue under a waitNext() rejects it with ERR_ANNAL_CLOSED', async () => {
    const queue = Queue.open(temporaryDirectory(), SMALL);
    const appender = queue.appender();
    appender.appendString('one');
    const reader = queue.reader();
    expect(reader.next()?.text()).toBe('one');
    const waiting = reader.waitNext();
    queue.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_ANNAL_CLOSED', field: 'reader' });
  });

  it('closing the queue under a follow() ends it with ERR_ANNAL_CLOSED', async () => {
    const queue = Queue.open(temporaryDirectory(), SMALL);
    queue.appender().appendString('one');
    const following = queue.reader().follow();
    expect((await following.next()).value?.text()).toBe('one');
    const next = following.next();
    queue.close();
    await expect(next).rejects.toMatchObject({ code: 'ERR_ANNAL_CLOSED' });
  });

  it('an appender reopened after close replaces the old one (one at a time, any number of times)', () => {
    using queue = Queue.open(temporaryDirectory(), SMALL);
    for (let n = 0; n < 100; n++) {
      const appender = queue.appender();
      appender.appendString(`${n}`);
      appender.close();
    }
    const reader = queue.reader();
    expect(reader.poll(() => undefined)).toBe(100);
  });

  it('append() under sync: each shares one msync between the calls of a turn and resolves each with its index', async () => {
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, sync: 'each' });
    const appender = queue.appender();
    const indices = await Promise.all(
      Array.from({ length: 50 }, (_, n) => appender.append(Uint8Array.of(n))),
    );
    expect(indices).toEqual(indices.map((_, n) => (indices[0] ?? 0) + n));
    await appender.sync();
    appender.syncSync();
    const reader = queue.reader();
    const seen: number[] = [];
    reader.poll((record) => seen.push(record.payload[0] ?? -1));
    expect(seen).toEqual(Array.from({ length: 50 }, (_, n) => n));
  });

  it('append() under the other policies resolves with the index at once', async () => {
    for (const sync of ['none', 'manual', { everyMs: 1000 }] as const) {
      using queue = Queue.open(temporaryDirectory(), { ...SMALL, sync });
      const appender = queue.appender();
      expect(await appender.append(Uint8Array.of(1))).toBe(appender.nextIndex - 1);
      await appender.sync();
    }
  });
});
