import { existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

import { AnnalError, ErrorCode } from '@annal/native';
import { temporaryDirectory } from '@annal/test-utils';
import {
  EVENT_HEADERS_MAX,
  MAX_PARTITION,
  Wal,
  type AppendedEvent,
  type EventInput,
} from '@annal/wal';
import { afterEach, describe, expect, it, vi } from 'vitest';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Small segments so that tests roll: 1 MiB, entries up to 64 KiB. */
const SMALL_BASE = {
  segmentBytes: '1 MiB',
  maxPayloadBytes: '64 KiB',
  maxBatchBytes: '256 KiB',
  sync: 'none',
} as const;
/** Every test runs against both backends: events are entries, and both keep the same promises. */
const BACKENDS = ['mmap', 'fd'] as const;
const encoder = new TextEncoder();

/** The code and field of what `action` throws. */
function failure(action: () => unknown): { code: string; field: string | undefined } {
  try {
    action();
  } catch (error) {
    if (!AnnalError.isInstance(error)) throw error;
    return { code: error.code, field: error.field };
  }
  throw new Error('expected a coded error');
}

const topicsOf = (wal: Wal): string[] => readdirSync(join(wal.directory, 'topics')).sort();

afterEach(() => {
  vi.useRealTimers();
});

describe.each(BACKENDS)('%s backend', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;

  describe('EventLog: append and read', () => {
    it('reads back exactly what was appended, in each data kind, also after reopening', async () => {
      const dir = temporaryDirectory();
      const inputs: EventInput[] = [
        {
          type: 'order.created',
          data: { json: { id: 1, lines: [{ sku: 'a', n: 2 }], note: null } },
        },
        { type: 'note', data: { text: '\ufeffhéllo — 日本 🎉' }, headers: { 'trace-id': 'abc' } },
        { type: 'blob', data: { bytes: new Uint8Array([0, 1, 254, 255]) }, timestamp: -12.5 },
        {
          type: 'imported',
          data: { json: 'just a string' },
          id: '0189ABCD-EF01-4234-8567-89ABCDEF0123',
          timestamp: 1_600_000_000_000,
          // An own "__proto__" key is a key like any other (a literal would set the prototype).
          headers: JSON.parse('{"b":"2","a":"1","__proto__":"kept as a key"}') as Record<
            string,
            string
          >,
        },
        { type: 'empty', data: { text: '' } },
        { type: 'zero', data: { json: 0 } },
      ];
      const appended: AppendedEvent[] = [];
      {
        await using wal = Wal.open(dir, SMALL);
        const log = wal.events('orders', 2);
        for (const input of inputs) appended.push(log.appendSync(input));
        expect(appended.map((a) => a.index)).toEqual(inputs.map((_, i) => i));
        expect(log.readFrom(0, 100)).toEqual(expected());
      }
      await using wal = Wal.open(dir, SMALL);
      const log = wal.events('orders', 2);
      expect(log.lastIndex()).toBe(inputs.length - 1);
      const events = log.readFrom(0, 100);
      expect(events).toEqual(expected());
      expect(Object.keys(events[3]!.headers)).toEqual(['b', 'a', '__proto__']);
      expect(Object.getPrototypeOf(events[3]!.headers)).toBe(Object.prototype);
      expect(events[2]!.data).toEqual({ bytes: new Uint8Array([0, 1, 254, 255]) });

      function expected(): unknown[] {
        return inputs.map((input, i) => ({
          id: appended[i]!.id,
          index: i,
          timestamp: appended[i]!.timestamp,
          type: input.type,
          data: input.data,
          headers: input.headers ?? {},
        }));
      }
      expect(appended[3]!.id).toBe('0189abcd-ef01-4234-8567-89abcdef0123');
      expect(appended[2]!.timestamp).toBe(-12.5);
    });

    it('reads from an index up to a limit, and [] past the newest event', async () => {
      await using wal = Wal.open(temporaryDirectory(), { ...SMALL });
      const log = wal.events('t');
      expect(log.lastIndex()).toBeUndefined();
      expect(log.readFrom(0, 10)).toEqual([]);
      for (let n = 0; n < 50; n++) log.appendSync({ type: 'n', data: { json: n } });
      expect(log.lastIndex()).toBe(49);
      expect(log.readFrom(10, 5).map((e) => [e.index, e.data])).toEqual(
        [10, 11, 12, 13, 14].map((n) => [n, { json: n }]),
      );
      expect(log.readFrom(48, 100).map((e) => e.index)).toEqual([48, 49]);
      expect(log.readFrom(50, 10)).toEqual([]);
      expect(log.readFrom(0, 50)).toHaveLength(50);
      // Stateless: the same read twice gives the same events.
      expect(log.readFrom(10, 5)).toEqual(log.readFrom(10, 5));
    });

    it('reads events across segment rolls', async () => {
      await using wal = Wal.open(temporaryDirectory(), { ...SMALL });
      const log = wal.events('big', 1);
      const text = 'x'.repeat(30_000);
      for (let n = 0; n < 100; n++) log.appendSync({ type: 'n', data: { text: `${n}${text}` } });
      const segments = readdirSync(join(wal.directory, 'topics', 'big~1')).filter((name) =>
        name.endsWith('.wseg'),
      );
      expect(segments.length).toBeGreaterThan(1);
      const events = log.readFrom(0, 1000);
      expect(events.map((e) => e.index)).toEqual([...Array(100).keys()]);
      expect(events.every((e, n) => 'text' in e.data && e.data.text === `${n}${text}`)).toBe(true);
    });

    it('returns the same EventLog for the same topic and partition', async () => {
      await using wal = Wal.open(temporaryDirectory(), { ...SMALL });
      expect(wal.events('a')).toBe(wal.events('a', 0));
      expect(wal.events('a', 1)).not.toBe(wal.events('a', 0));
      expect(wal.events('a', 1)).toBe(wal.events('a', 1));
      expect(wal.events('a', 1).partition).toBe(1);
      expect(wal.events('a', 1).topic).toBe('a');
    });
  });

  describe('EventLog: partitions', () => {
    it('keeps partitions independent, each with indexes of its own', async () => {
      const dir = temporaryDirectory();
      {
        await using wal = Wal.open(dir, SMALL);
        for (let n = 0; n < 30; n++) {
          const partition = n % 3;
          const { index } = wal.events('orders', partition).appendSync({
            type: 'n',
            data: { json: { n, partition } },
          });
          expect(index).toBe(Math.floor(n / 3));
        }
      }
      await using wal = Wal.open(dir, SMALL);
      for (const partition of [0, 1, 2]) {
        const events = wal.events('orders', partition).readFrom(0, 100);
        expect(events.map((e) => e.index)).toEqual([...Array(10).keys()]);
        expect(events.map((e) => e.data)).toEqual(
          [...Array(10).keys()].map((k) => ({ json: { n: k * 3 + partition, partition } })),
        );
      }
      expect(wal.events('orders', 3).lastIndex()).toBeUndefined();
      expect(wal.events('orders', MAX_PARTITION).readFrom(0, 1)).toEqual([]);
    });

    it('never shows a partition as a plain topic, and plain topics named "orders~1" or "orders#1" never collide', async () => {
      const dir = temporaryDirectory();
      {
        await using wal = Wal.open(dir, SMALL);
        const partition = wal.events('orders', 1);
        partition.appendSync({ type: 'p', data: { text: 'partition 1' } });
        partition.appendSync({ type: 'p', data: { text: 'partition 1 again' } });
        // Nothing of the partition shows under the plain topic of the same name.
        expect(wal.lastIndex('orders')).toBeUndefined();
        expect(wal.readFrom('orders', 0)).toEqual([]);
        expect(wal.reader('orders').next()).toBeUndefined();
        // Plain topics spelled like a partition's directory or name are topics of their own.
        expect(wal.appendSync('orders~1', encoder.encode('plain tilde'))).toBe(0);
        expect(wal.appendSync('orders#1', encoder.encode('plain hash'))).toBe(0);
        expect(wal.appendSync('orders', encoder.encode('plain'))).toBe(0);
        // And the partitions of such topics are apart from everything else.
        wal.events('orders~1', 0).appendSync({ type: 'p', data: { text: 'tilde topic, p0' } });
        expect(partition.lastIndex()).toBe(1);
        expect(topicsOf(wal)).toEqual([
          'orders',
          'orders%231',
          'orders%7E1',
          'orders%7E1~0',
          'orders~1',
        ]);
      }
      await using wal = Wal.open(dir, SMALL);
      const texts = (topic: string, partition: number): unknown[] =>
        wal
          .events(topic, partition)
          .readFrom(0, 10)
          .map((e) => e.data);
      expect(texts('orders', 1)).toEqual([{ text: 'partition 1' }, { text: 'partition 1 again' }]);
      expect(texts('orders~1', 0)).toEqual([{ text: 'tilde topic, p0' }]);
      expect(texts('orders', 0)).toEqual([]);
      expect(texts('orders#1', 0)).toEqual([]);
      const plain = (topic: string): string[] =>
        wal.readFrom(topic, 0).map((record) => new TextDecoder().decode(record.payload));
      expect(plain('orders~1')).toEqual(['plain tilde']);
      expect(plain('orders#1')).toEqual(['plain hash']);
      expect(plain('orders')).toEqual(['plain']);
    });
  });

  describe('EventLog: ids', () => {
    it('gives strictly increasing UUIDv7 ids, with the append time as the default timestamp', async () => {
      await using wal = Wal.open(temporaryDirectory(), { ...SMALL });
      const log = wal.events('t');
      let previous = '';
      for (let n = 0; n < 5000; n++) {
        const before = Date.now();
        const { id, timestamp } = log.appendSync({ type: 't', data: { json: n } });
        expect(id).toMatch(V7);
        if (!(id > previous)) expect.fail(`id ${n} ${id} does not sort after ${previous}`);
        expect(timestamp).toBeGreaterThanOrEqual(before);
        previous = id;
      }
      const ids = log.readFrom(0, 5000).map((e) => e.id);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(5000);
    });

    it('keeps ids increasing when the clock steps back, also across a reopen', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const dir = temporaryDirectory();
      const ids: string[] = [];
      vi.setSystemTime(2_000_000_000_000);
      {
        await using wal = Wal.open(dir, SMALL);
        const log = wal.events('t', 4);
        ids.push(log.appendSync({ type: 't', data: { json: 1 } }).id);
        vi.setSystemTime(1_999_000_000_000); // back 1,000 s
        const back = log.appendSync({ type: 't', data: { json: 2 } });
        ids.push(back.id);
        expect(back.timestamp).toBe(1_999_000_000_000); // the timestamp is the clock's
      }
      vi.setSystemTime(1_990_000_000_000); // further back, while the log was closed
      await using wal = Wal.open(dir, SMALL);
      const log = wal.events('t', 4);
      ids.push((await log.append({ type: 't', data: { json: 3 } })).id);
      expect(ids[1]! > ids[0]!).toBe(true);
      expect(ids[2]! > ids[1]!).toBe(true);
      expect(log.readFrom(0, 10).map((e) => e.id)).toEqual(ids);
    });
  });

  describe('EventLog: bad input', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const ok = { type: 't', data: { json: 1 } };
    it.each([
      ['event', null],
      ['event', 'order.created'],
      ['payload', { ...ok, payload: 1 }],
      ['type', { ...ok, type: '' }],
      ['type', { ...ok, type: 42 }],
      ['type', { ...ok, type: 'é'.repeat(128) }],
      ['type', { ...ok, type: 'a\ud800b' }],
      ['data', { type: 't' }],
      ['data', { type: 't', data: 'x' }],
      ['data', { type: 't', data: {} }],
      ['data', { type: 't', data: { json: 1, text: 'a' } }],
      ['data', { type: 't', data: { binary: new Uint8Array(1) } }],
      ['data.json', { type: 't', data: { json: undefined } }],
      ['data.json', { type: 't', data: { json: 10n } }],
      ['data.json', { type: 't', data: { json: cycle } }],
      ['data.json', { type: 't', data: { json: { a: undefined } } }],
      ['data.json', { type: 't', data: { json: [1, () => 2] } }],
      ['data.json', { type: 't', data: { json: { n: Number.NaN } } }],
      ['data.json', { type: 't', data: { json: Infinity } }],
      ['data.json', { type: 't', data: { json: new Map([[1, 2]]) } }],
      ['data.json', { type: 't', data: { json: { s: Symbol('x') } } }],
      [
        'data.json',
        { type: 't', data: { json: Object.assign(new Array<number>(3), { 0: 1, 2: 3 }) } },
      ],
      ['data.text', { type: 't', data: { text: 1 } }],
      ['data.text', { type: 't', data: { text: '\udc00' } }],
      ['data.bytes', { type: 't', data: { bytes: [1, 2] } }],
      ['headers', { ...ok, headers: [['a', 'b']] }],
      ['headers', { ...ok, headers: 'a=b' }],
      ['headers', { ...ok, headers: new Map([['a', 'b']]) }],
      ['headers', { ...ok, headers: { '': 'x' } }],
      ['headers.n', { ...ok, headers: { n: 1 } }],
      ['headers.k'.padEnd(8 + 256, 'k'), { ...ok, headers: { ['k'.repeat(256)]: 'v' } }],
      [
        'headers',
        {
          ...ok,
          headers: Object.fromEntries(
            [...Array(EVENT_HEADERS_MAX + 1).keys()].map((k) => [`h${k}`, '']),
          ),
        },
      ],
      ['id', { ...ok, id: 'not-a-uuid' }],
      ['id', { ...ok, id: 42 }],
      ['timestamp', { ...ok, timestamp: Number.NaN }],
      ['timestamp', { ...ok, timestamp: Infinity }],
      ['timestamp', { ...ok, timestamp: '1700000000000' }],
    ])('refuses with field %s (case %#)', async (field, input) => {
      await using wal = Wal.open(temporaryDirectory(), { ...SMALL });
      const log = wal.events('t', 7);
      expect(failure(() => log.appendSync(input as EventInput))).toEqual({
        code: ErrorCode.INVALID_ARGUMENT,
        field,
      });
      await expect(log.append(input as EventInput)).rejects.toMatchObject({
        code: ErrorCode.INVALID_ARGUMENT,
        field,
      });
      // Nothing was written, and the partition was not even created.
      expect(log.lastIndex()).toBeUndefined();
      expect(existsSync(join(wal.directory, 'topics', 't~7'))).toBe(false);
    });

    it('refuses an event larger than maxPayloadBytes with ERR_ANNAL_TOO_LARGE', async () => {
      await using wal = Wal.open(temporaryDirectory(), { ...SMALL });
      const log = wal.events('t');
      const bytes = new Uint8Array(64 * 1024);
      expect(failure(() => log.appendSync({ type: 't', data: { bytes } }))).toEqual({
        code: ErrorCode.TOO_LARGE,
        field: 'event',
      });
      expect(log.appendSync({ type: 't', data: { bytes: bytes.subarray(0, 60_000) } }).index).toBe(
        0,
      );
    });

    it.each([
      ['index', -1, 1],
      ['index', 1.5, 1],
      ['index', Number.NaN, 1],
      ['limit', 0, 0],
      ['limit', 0, -3],
      ['limit', 0, 2.5],
      ['limit', 0, Infinity],
    ])('readEvents refuses a bad %s (%d, %d)', async (field, index, limit) => {
      await using wal = Wal.open(temporaryDirectory(), { ...SMALL });
      expect(failure(() => wal.events('t').readFrom(index, limit))).toEqual({
        code: ErrorCode.INVALID_ARGUMENT,
        field,
      });
    });

    it.each([
      ['partition', 't', -1],
      ['partition', 't', 1.5],
      ['partition', 't', MAX_PARTITION + 1],
      ['partition', 't', '1'],
      ['topic', '', 0],
      ['topic', 'a\u0000b', 0],
    ])('wal.events refuses a bad %s (%j, %j)', async (field, topic, partition) => {
      await using wal = Wal.open(temporaryDirectory(), { ...SMALL });
      expect(failure(() => wal.events(topic, partition as number))).toEqual({
        code: ErrorCode.INVALID_ARGUMENT,
        field,
      });
    });

    it('reports a record that is no event as ERR_ANNAL_CORRUPT naming topic, partition and index', async () => {
      const dir = temporaryDirectory();
      const partition = join(dir, 'topics', 'orders~5');
      const plain = join(dir, 'topics', 'raw');
      {
        await using wal = Wal.open(dir, { ...SMALL });
        wal.events('orders', 5).appendSync({ type: 't', data: { json: 1 } });
      }
      // Only the wal writes a partition: its files moved under a plain topic take a raw record.
      renameSync(partition, plain);
      {
        await using wal = Wal.open(dir, { ...SMALL });
        expect(wal.appendSync('raw', new Uint8Array([9, 9, 9]))).toBe(1);
      }
      renameSync(plain, partition);
      await using wal = Wal.open(dir, { ...SMALL });
      const log = wal.events('orders', 5);
      // The batch ends before the record that is no event, which the next read reports.
      expect(log.readFrom(0, 10)).toHaveLength(1);
      let error: unknown;
      try {
        log.readFrom(1, 10);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: ErrorCode.CORRUPT, index: 1 });
      expect((error as Error).message).toContain('topic "orders" partition 5');
      expect((error as Error).message).toContain('index 1');
    });
  });

  describe('EventLog: durability and lifetime', () => {
    it("resolves append under sync 'each' after the sync, and the events are there on reopen", async () => {
      const dir = temporaryDirectory();
      {
        await using wal = Wal.open(dir, { ...SMALL, sync: 'each' });
        const log = wal.events('durable', 9);
        const appended = await Promise.all(
          [...Array(50).keys()].map((n) => log.append({ type: 'n', data: { json: n } })),
        );
        expect(appended.map((a) => a.index)).toEqual([...Array(50).keys()]);
        log.appendSync({ type: 'n', data: { json: 50 } });
        await log.sync();
      }
      await using wal = Wal.open(dir, SMALL);
      const events = wal.events('durable', 9).readFrom(0, 100);
      expect(events.map((e) => e.data)).toEqual([...Array(51).keys()].map((n) => ({ json: n })));
    });

    it('keeps two Wal instances on different directories apart', async () => {
      await using a = Wal.open(temporaryDirectory(), { ...SMALL });
      await using b = Wal.open(temporaryDirectory(), { ...SMALL });
      const logA = a.events('orders', 1);
      const logB = b.events('orders', 1);
      const idsA: string[] = [];
      const idsB: string[] = [];
      for (let n = 0; n < 1000; n++) {
        const fromA = logA.appendSync({ type: 'a', data: { json: n } });
        expect(fromA.index).toBe(n);
        idsA.push(fromA.id);
        if (n % 2 === 0) {
          const fromB = logB.appendSync({ type: 'b', data: { json: n } });
          expect(fromB.index).toBe(n / 2);
          idsB.push(fromB.id);
        }
      }
      expect(idsA).toEqual([...idsA].sort());
      expect(idsB).toEqual([...idsB].sort());
      expect(new Set([...idsA, ...idsB]).size).toBe(1500);
      expect(logA.lastIndex()).toBe(999);
      expect(logB.lastIndex()).toBe(499);
      expect(logB.readFrom(0, 1000).every((e) => e.type === 'b')).toBe(true);
      await a.close();
      expect(logB.appendSync({ type: 'b', data: { json: 'after a closed' } }).index).toBe(500);
    });

    it('fails loudly after the wal is closed', async () => {
      const wal = Wal.open(temporaryDirectory(), { ...SMALL });
      const log = wal.events('t');
      log.appendSync({ type: 't', data: { json: 1 } });
      await wal.close();
      const closed = { code: ErrorCode.CLOSED, field: 'wal' };
      expect(failure(() => wal.events('t'))).toEqual(closed);
      expect(failure(() => log.appendSync({ type: 't', data: { json: 2 } }))).toEqual(closed);
      expect(failure(() => log.readFrom(0, 1))).toEqual(closed);
      expect(failure(() => log.lastIndex())).toEqual(closed);
      await expect(log.append({ type: 't', data: { json: 2 } })).rejects.toMatchObject(closed);
    });
  });
});
