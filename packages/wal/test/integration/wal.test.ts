import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { Wal } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { nextOf, pollOf } from '../read-helpers.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (payload: Uint8Array | undefined): string | undefined =>
  payload === undefined ? undefined : decoder.decode(payload);

/** Small segments so that tests roll: 1 MiB, records up to 64 KiB. */
const SMALL_BASE = {
  segmentBytes: '1 MiB',
  maxPayloadBytes: '64 KiB',
  maxBatchBytes: '256 KiB',
  maxBatchRecords: 2000,
  sync: 'none',
} as const;

/** Every test runs against both backends: they write the same files and keep the same promises. */
const BACKENDS = ['mmap', 'fd'] as const;

describe.each(BACKENDS)('Wal: append and read (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;
  it('hands back each record once, in order, across segment rolls, with consecutive indexes', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, SMALL);
    const count = 5000;
    for (let n = 0; n < count; n++) {
      expect(wal.appendSync('orders', encoder.encode(`order ${n} `.padEnd(n % 700, 'x')))).toBe(n);
    }
    expect(wal.lastIndex('orders')).toBe(count - 1);
    const segments = readdirSync(join(wal.directory, 'topics', 'orders')).filter((name) =>
      name.endsWith('.wseg'),
    );
    expect(segments.length).toBeGreaterThan(1);
    const reader = wal.reader('orders', { name: 'billing' });
    for (let n = 0; n < count; n++) {
      expect(reader.index).toBe(n);
      const record = reader.next();
      expect(record?.index).toBe(n);
      expect(text(record?.payload)).toBe(`order ${n} `.padEnd(n % 700, 'x'));
    }
    expect(reader.next()).toBeUndefined();
    reader.close();
  });

  it('keeps named readers apart, peeks without consuming, and polls within a limit', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, SMALL);
    for (let n = 0; n < 10; n++) wal.appendSync('t', new Uint8Array(100).fill(n));
    const a = wal.reader('t', { name: 'a' });
    expect(a.peek()?.index).toBe(0);
    expect(a.next()?.index).toBe(0);
    expect(nextOf(wal, 't', 'b')?.index).toBe(0);
    const seen: number[] = [];
    expect(a.poll((record) => seen.push(record.index), 3)).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    expect(a.peek()?.index).toBe(4);
    expect(a.poll((record) => seen.push(record.payload[0] ?? -1))).toBe(6);
    expect(seen.slice(3)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(a.poll(() => undefined)).toBe(0);
    expect(a.next()).toBeUndefined();
    a.close();
    // A reader of a topic that does not exist reads nothing and creates nothing.
    expect(wal.reader('missing').next()).toBeUndefined();
    expect(existsSync(join(wal.directory, 'topics', 'missing'))).toBe(false);
  });

  it('reads from any index, in any order, across batches, rolls and a reopen, within maxRecords and maxBytes', async () => {
    const dir = temporaryDirectory();
    const body = (n: number): string => `record ${n} `.padEnd(40 + (n % 300), '~');
    const count = 12_000;
    {
      await using wal = Wal.open(dir, SMALL);
      for (let n = 0; n < count;) {
        if (n % 7 === 3) {
          const size = Math.min(1 + (n % 40), count - n);
          wal.appendBatchSync(
            't',
            Array.from({ length: size }, (_, i) => encoder.encode(body(n + i))),
          );
          n += size;
        } else {
          wal.appendSync('t', encoder.encode(body(n)));
          n++;
        }
      }
    }
    const indexes = [0, 1, 255, 256, 257, 511, 512, count - 2, count - 1];
    for (let n = 3; n < count; n += 97) indexes.push(n);
    const check = (wal: Wal, index: number): void => {
      const read = wal.readFrom('t', index, { maxRecords: 3 });
      const expected = [index, index + 1, index + 2].filter((n) => n < count);
      expect(read.map((record) => record.index)).toEqual(expected);
      expect(read.map((record) => text(record.payload))).toEqual(expected.map(body));
    };
    await using wal = Wal.open(dir, SMALL);
    for (const index of [...indexes].reverse()) check(wal, index);
    for (const index of indexes) check(wal, index);
    expect(wal.readFrom('t', count, { maxRecords: 3 })).toEqual([]);
    // maxBytes stops before the record that would pass it, but one record always comes back.
    const sizes = (index: number, maxBytes: number): number =>
      wal.readFrom('t', index, { maxBytes }).length;
    expect(sizes(0, body(0).length + body(1).length)).toBe(2);
    expect(sizes(0, 1)).toBe(1);
    expect(() => wal.readFrom('t', -1)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'index' }),
    );
  });

  it('continues every named reader after its last consumed record when reopened', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, SMALL);
      for (let n = 0; n < 100; n++) wal.appendSync('t', encoder.encode(String(n)));
      for (let n = 0; n < 40; n++) nextOf(wal, 't', 'slow');
      pollOf(wal, 't', 'fast', 90);
      expect(wal.readerNames('t')).toEqual(['slow', 'fast']);
    }
    await using wal = Wal.open(dir, SMALL);
    expect(wal.readerNames('t')).toEqual(['slow', 'fast']);
    expect(nextOf(wal, 't', 'slow')?.index).toBe(40);
    expect(nextOf(wal, 't', 'fast')?.index).toBe(90);
    expect(wal.appendSync('t', encoder.encode('more'))).toBe(100);
  });

  it('makes a batch visible whole and gives it consecutive indexes; an empty batch is a no-op', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, SMALL);
    wal.appendSync('t', encoder.encode('before'));
    const indexes = await wal.appendBatch('t', [encoder.encode('a'), encoder.encode('b')]);
    expect(indexes).toEqual([1, 2]);
    expect(wal.appendBatchSync('t', [])).toEqual([]);
    expect(await wal.appendBatch('t', [])).toEqual([]);
    expect(wal.readFrom('t', 0).map((record) => text(record.payload))).toEqual([
      'before',
      'a',
      'b',
    ]);
    expect(wal.appendSync('t', encoder.encode('after'))).toBe(3);
  });

  it('syncs a large batch under sync "each" and finds it after reopening', async () => {
    const dir = temporaryDirectory();
    const payloads = Array.from({ length: 1500 }, (_, n) =>
      encoder.encode(`${n}`.padEnd(100, '-')),
    );
    {
      await using wal = Wal.open(dir, { ...SMALL, sync: 'each' });
      wal.appendSync('t', encoder.encode('first'));
      expect(await wal.appendBatch('t', payloads)).toEqual(payloads.map((_, n) => n + 1));
      // Appends go on while a batch's sync is in flight, and land after it.
      const [batch, single] = await Promise.all([
        wal.appendBatch('t', payloads.slice(0, 700)),
        wal.append('t', encoder.encode('after')),
      ]);
      expect(batch[0]).toBe(1501);
      expect(single).toBe(2201);
    }
    await using wal = Wal.open(dir, SMALL);
    const read = wal.readFrom('t', 0, { maxRecords: 5000, maxBytes: 1 << 30 });
    expect(read.map((record) => text(record.payload))).toEqual([
      'first',
      ...payloads.map((payload) => text(payload)),
      ...payloads.slice(0, 700).map((payload) => text(payload)),
      'after',
    ]);
  });

  it('commits concurrent appends under sync "each" as groups, every one resolving durable', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, { ...SMALL, sync: 'each' });
    const indexes = await Promise.all(
      Array.from({ length: 64 }, (_, n) => wal.append('t', encoder.encode(String(n)))),
    );
    expect(indexes).toEqual(Array.from({ length: 64 }, (_, n) => n));
    await wal.sync();
    wal.syncSync();
  });

  it.each(['none', 'manual', 'each', { everyMs: 50 }] as const)(
    'syncs on request under sync %j, and closeSync keeps everything for the next open',
    (sync) => {
      const dir = temporaryDirectory();
      const wal = Wal.open(dir, { ...SMALL, sync });
      for (let n = 0; n < 300; n++) wal.appendSync('t', encoder.encode(String(n)));
      wal.syncSync();
      wal.closeSync();
      expect(() => wal.appendSync('t', new Uint8Array(1))).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }),
      );
      const again = Wal.open(dir, SMALL);
      expect(again.lastIndex('t')).toBe(299);
      again.closeSync();
    },
  );
});

describe.each(BACKENDS)('Wal: ownership and bad input (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;
  it('lets one owner at a time open a directory, and several directories side by side', async () => {
    const dir = temporaryDirectory();
    await using first = Wal.open(dir, SMALL);
    expect(() => Wal.open(dir, SMALL)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }),
    );
    await using other = Wal.open(join(dir, 'other'), SMALL);
    first.appendSync('t', encoder.encode('first'));
    other.appendSync('t', encoder.encode('other'));
    expect(text(first.reader('t').next()?.payload)).toBe('first');
    expect(text(other.reader('t').next()?.payload)).toBe('other');
  });

  it('keeps every topic name inside the data directory, and rejects names it cannot keep', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, SMALL);
    for (const name of ['../escape', '/etc/passwd', '..', '.', 'a/b', '%2E%2E']) {
      wal.appendSync(name, encoder.encode(name));
      expect(text(wal.reader(name).next()?.payload)).toBe(name);
    }
    expect(readdirSync(dir).sort()).toEqual(['topics', 'wal.lock']);
    for (const bad of ['', 'nul\u0000', 'x'.repeat(256)]) {
      expect(() => wal.appendSync(bad, new Uint8Array(1))).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'topic' }),
      );
    }
    expect(() => wal.reader('t', { name: 'r'.repeat(89) })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'name' }),
    );
  });

  it('rejects oversize records and batches with a coded error and writes nothing', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, { ...SMALL, maxBatchRecords: 3 });
    expect(() => wal.appendSync('t', new Uint8Array(64 * 1024 + 1))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_TOO_LARGE', field: 'payload' }),
    );
    expect(() =>
      wal.appendBatchSync(
        't',
        [1, 2, 3, 4].map(() => new Uint8Array(1)),
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_TOO_LARGE', field: 'payloads' }));
    expect(wal.lastIndex('t')).toBeUndefined();
    // A rejected call creates nothing.
    expect(() => wal.appendSync('fresh', 'text' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'payload' }),
    );
    expect(existsSync(join(wal.directory, 'topics', 'fresh'))).toBe(false);
  });
});
