import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { Wal } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (data: Uint8Array | undefined): string | undefined =>
  data === undefined ? undefined : decoder.decode(data);

/** Small segments so that tests roll: 1 MiB, entries up to 64 KiB. */
const SMALL_BASE = {
  segmentBytes: '1 MiB',
  maxEntryBytes: '64 KiB',
  maxBatchBytes: '256 KiB',
  maxBatchEntries: 2000,
  fsync: 'none',
} as const;

/** Every test runs against both backends: they write the same files and keep the same promises. */
const BACKENDS = ['mmap', 'fd'] as const;

describe.each(BACKENDS)('Wal: append and read (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;
  it('hands back each entry once, in order, across segment rolls, with consecutive offsets', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open({ dir, ...SMALL });
    const count = 5000;
    for (let n = 0; n < count; n++) {
      expect(wal.appendSync('orders', encoder.encode(`order ${n} `.padEnd(n % 700, 'x')))).toBe(n);
    }
    expect(wal.latestOffset('orders')).toBe(count - 1);
    const segments = readdirSync(join(wal.directory, 'topics', 'orders')).filter((name) =>
      name.endsWith('.wseg'),
    );
    expect(segments.length).toBeGreaterThan(1);
    for (let n = 0; n < count; n++) {
      const entry = wal.readNext('orders');
      expect(entry?.offset).toBe(n);
      expect(text(entry?.data)).toBe(`order ${n} `.padEnd(n % 700, 'x'));
    }
    expect(wal.readNext('orders')).toBeUndefined();
  });

  it('keeps named readers apart, peeks without consuming, and reads batches within their limits', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open({ dir, ...SMALL });
    for (let n = 0; n < 10; n++) wal.appendSync('t', new Uint8Array(100).fill(n));
    expect(wal.readNext('t', { reader: 'a', checkpoint: false })?.offset).toBe(0);
    expect(wal.readNext('t', { reader: 'a' })?.offset).toBe(0);
    expect(wal.readNext('t', { reader: 'b' })?.offset).toBe(0);
    expect(wal.readBatch('t', { reader: 'a', maxEntries: 3 }).map((e) => e.offset)).toEqual([
      1, 2, 3,
    ]);
    // maxBytes stops before the entry that would pass it, but one entry always comes back.
    expect(wal.readBatch('t', { reader: 'a', maxBytes: 250 }).map((e) => e.offset)).toEqual([4, 5]);
    expect(wal.readBatch('t', { reader: 'a', maxBytes: 1 }).map((e) => e.offset)).toEqual([6]);
    expect(wal.readBatch('t', { reader: 'a', checkpoint: false }).map((e) => e.offset)).toEqual([
      7, 8, 9,
    ]);
    expect(wal.readBatch('t', { reader: 'a' }).map((e) => e.offset)).toEqual([7, 8, 9]);
    expect(wal.readBatch('t', { reader: 'a' })).toEqual([]);
    expect(wal.readNext('missing')).toBeUndefined();
    expect(existsSync(join(wal.directory, 'topics', 'missing'))).toBe(false);
  });

  it('reads from any offset, in any order, across batches, rolls and a reopen', async () => {
    const dir = temporaryDirectory();
    const body = (n: number): string => `entry ${n} `.padEnd(40 + (n % 300), '~');
    const count = 12_000;
    {
      await using wal = Wal.open({ dir, ...SMALL });
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
    const offsets = [0, 1, 255, 256, 257, 511, 512, count - 2, count - 1];
    for (let n = 3; n < count; n += 97) offsets.push(n);
    const check = (wal: Wal, offset: number): void => {
      const read = wal.readFrom('t', offset, { maxEntries: 3 });
      const expected = [offset, offset + 1, offset + 2].filter((n) => n < count);
      expect(read.map((entry) => entry.offset)).toEqual(expected);
      expect(read.map((entry) => text(entry.data))).toEqual(expected.map(body));
    };
    await using wal = Wal.open({ dir, ...SMALL });
    for (const offset of [...offsets].reverse()) check(wal, offset);
    for (const offset of offsets) check(wal, offset);
    expect(wal.readFrom('t', count, { maxEntries: 3 })).toEqual([]);
    expect(() => wal.readFrom('t', -1)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'offset' }),
    );
  });

  it('continues every named reader after its last consumed entry when reopened', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open({ dir, ...SMALL });
      for (let n = 0; n < 100; n++) wal.appendSync('t', encoder.encode(String(n)));
      for (let n = 0; n < 40; n++) wal.readNext('t', { reader: 'slow' });
      wal.readBatch('t', { reader: 'fast', maxEntries: 90 });
    }
    await using wal = Wal.open({ dir, ...SMALL });
    expect(wal.readNext('t', { reader: 'slow' })?.offset).toBe(40);
    expect(wal.readNext('t', { reader: 'fast' })?.offset).toBe(90);
    expect(wal.appendSync('t', encoder.encode('more'))).toBe(100);
  });

  it('makes a batch visible whole and gives it consecutive offsets', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open({ dir, ...SMALL });
    wal.appendSync('t', encoder.encode('before'));
    const offsets = await wal.appendBatch('t', [encoder.encode('a'), encoder.encode('b')]);
    expect(offsets).toEqual([1, 2]);
    expect(wal.readBatch('t').map((entry) => text(entry.data))).toEqual(['before', 'a', 'b']);
  });

  it('syncs a large batch under fsync "each" and finds it after reopening', async () => {
    const dir = temporaryDirectory();
    const entries = Array.from({ length: 1500 }, (_, n) => encoder.encode(`${n}`.padEnd(100, '-')));
    {
      await using wal = Wal.open({ dir, ...SMALL, fsync: 'each' });
      wal.appendSync('t', encoder.encode('first'));
      expect(await wal.appendBatch('t', entries)).toEqual(entries.map((_, n) => n + 1));
      // Appends go on while a batch's sync is in flight, and land after it.
      const [batch, single] = await Promise.all([
        wal.appendBatch('t', entries.slice(0, 700)),
        wal.append('t', encoder.encode('after')),
      ]);
      expect(batch[0]).toBe(1501);
      expect(single).toBe(2201);
    }
    await using wal = Wal.open({ dir, ...SMALL });
    const read = wal.readFrom('t', 0, { maxEntries: 5000, maxBytes: 1 << 30 });
    expect(read.map((entry) => text(entry.data))).toEqual([
      'first',
      ...entries.map((entry) => text(entry)),
      ...entries.slice(0, 700).map((entry) => text(entry)),
      'after',
    ]);
  });

  it('commits concurrent appends under fsync "each" as groups, every one resolving durable', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open({ dir, ...SMALL, fsync: 'each' });
    const offsets = await Promise.all(
      Array.from({ length: 64 }, (_, n) => wal.append('t', encoder.encode(String(n)))),
    );
    expect(offsets).toEqual(Array.from({ length: 64 }, (_, n) => n));
    await wal.synced('t', 63);
  });
});

describe.each(BACKENDS)('Wal: ownership and bad input (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;
  it('lets one owner at a time open a namespace, and several namespaces side by side', async () => {
    const dir = temporaryDirectory();
    await using first = Wal.open({ dir, ...SMALL });
    expect(() => Wal.open({ dir, ...SMALL })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }),
    );
    await using other = Wal.open({ dir, namespace: 'other', ...SMALL });
    first.appendSync('t', encoder.encode('first'));
    other.appendSync('t', encoder.encode('other'));
    expect(text(first.readNext('t')?.data)).toBe('first');
    expect(text(other.readNext('t')?.data)).toBe('other');
  });

  it('keeps every topic name inside the data directory, and rejects names it cannot keep', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open({ dir, ...SMALL });
    for (const name of ['../escape', '/etc/passwd', '..', '.', 'a/b', '%2E%2E']) {
      wal.appendSync(name, encoder.encode(name));
      expect(text(wal.readNext(name)?.data)).toBe(name);
    }
    expect(readdirSync(dir)).toEqual(['default']);
    for (const bad of ['', 'nul\u0000', 'x'.repeat(256)]) {
      expect(() => wal.appendSync(bad, new Uint8Array(1))).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'topic' }),
      );
    }
    expect(() => wal.readNext('t', { reader: 'r'.repeat(89) })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'reader' }),
    );
  });

  it('rejects oversize entries and batches with a coded error and writes nothing', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open({ dir, ...SMALL, maxBatchEntries: 3 });
    expect(() => wal.appendSync('t', new Uint8Array(64 * 1024 + 1))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_TOO_LARGE', field: 'bytes' }),
    );
    expect(() =>
      wal.appendBatchSync(
        't',
        [1, 2, 3, 4].map(() => new Uint8Array(1)),
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_TOO_LARGE', field: 'entries' }));
    expect(() => wal.appendBatchSync('t', [])).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'entries' }),
    );
    expect(wal.latestOffset('t')).toBeUndefined();
    // A rejected call creates nothing.
    expect(() => wal.appendSync('fresh', 'text' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'bytes' }),
    );
    expect(existsSync(join(wal.directory, 'topics', 'fresh'))).toBe(false);
  });

  it('validates options, naming the field', () => {
    const dir = temporaryDirectory();
    expect(() => Wal.open({ dir, segmentBytes: 10 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'segmentBytes' }),
    );
    expect(() => Wal.open({ dir, fsync: 'sometimes' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'fsync' }),
    );
    expect(() => Wal.open({ dir, consistency: { atLeastOnce: { persistEvery: 0 } } })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION' }),
    );
  });
});
