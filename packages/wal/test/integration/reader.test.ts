import { Wal, WalReader, type WalRecord } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SMALL = {
  segmentBytes: '1 MiB',
  maxPayloadBytes: '64 KiB',
  sync: 'none',
  retention: { consumed: 'delete' },
} as const;

function filled(count: number, dir = temporaryDirectory()): Wal {
  const wal = Wal.open(dir, SMALL);
  for (let n = 0; n < count; n++) wal.appendSync('t', encoder.encode(`record ${n}`));
  return wal;
}

describe.each(['mmap', 'fd'] as const)('WalReader (%s backend)', (backend) => {
  const options = { ...SMALL, backend } as const;

  it('locks a name within the process until the reader closes, and lists the names stored', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, options);
    expect(wal.readerNames('t')).toEqual([]);
    const first = wal.reader('t', { name: 'billing' });
    expect(first).toBeInstanceOf(WalReader);
    expect(first.name).toBe('billing');
    expect(() => wal.reader('t', { name: 'billing' })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_LOCKED', field: 'name' }),
    );
    // Another topic, or no name, is another reader.
    wal.reader('other', { name: 'billing' }).close();
    wal.reader('t').close();
    wal.appendSync('t', encoder.encode('a'));
    expect(first.next()?.index).toBe(0);
    expect(wal.readerNames('t')).toEqual(['billing']);
    first.close();
    expect(first.closed).toBe(true);
    expect(() => first.next()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }));
    const second = wal.reader('t', { name: 'billing' });
    expect(second.index).toBe(1);
    second.close();
  });

  it('starts anonymous readers at the oldest record and stores nothing for them', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = filled(10, dir);
      const anonymous = wal.reader('t');
      expect(anonymous.name).toBeUndefined();
      expect(anonymous.poll(() => undefined)).toBe(10);
      anonymous.close();
      expect(wal.readerNames('t')).toEqual([]);
    }
    await using wal = Wal.open(dir, options);
    expect(wal.reader('t').next()?.index).toBe(0);
  });

  it('seeks, goes to the start and the end, and a named reader stores where it went', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = filled(100, dir);
      const reader = wal.reader('t', { name: 'r' });
      expect(reader.seek(42)).toBe(true);
      expect(reader.index).toBe(42);
      expect(reader.peek()?.index).toBe(42);
      expect(reader.seek(1000)).toBe(false);
      expect(reader.index).toBe(100);
      expect(reader.next()).toBeUndefined();
      expect(reader.toStart().index).toBe(0);
      expect(reader.toEnd().index).toBe(100);
      wal.appendSync('t', encoder.encode('new'));
      expect(decoder.decode(reader.next()?.payload)).toBe('new');
      expect(reader.seek(70)).toBe(true);
      // Left open: the seek itself stored the place.
    }
    await using wal = Wal.open(dir, options);
    expect(wal.reader('t', { name: 'r' }).index).toBe(70);
  });

  it('hands poll handlers one flyweight whose payload is valid during the call', async () => {
    await using wal = filled(600);
    const reader = wal.reader('t', { name: 'r' });
    const views = new Set<object>();
    const texts: string[] = [];
    expect(
      reader.poll((record) => {
        views.add(record);
        texts.push(record.text());
        expect(
          decoder.decode(record.buffer.subarray(record.offset, record.offset + record.length)),
        ).toBe(`record ${record.index}`);
      }, 500),
    ).toBe(500);
    expect(views.size).toBe(1);
    expect(texts.at(-1)).toBe('record 499');
    expect(reader.index).toBe(500);
    reader.close();
  });

  it('decodes a flyweight as JSON, and names the record when its payload is not JSON', async () => {
    await using wal = Wal.open(temporaryDirectory(), SMALL);
    wal.appendSync('t', encoder.encode('{"n":1}'));
    wal.appendSync('t', encoder.encode('not json'));
    const reader = wal.reader('t');
    const seen: unknown[] = [];
    reader.poll((record) => {
      try {
        seen.push(record.json());
      } catch (error) {
        seen.push(error);
      }
    });
    expect(seen[0]).toEqual({ n: 1 });
    expect(seen[1]).toMatchObject({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'payload' });
    expect((seen[1] as Error).message).toContain('record 1 is not JSON text');
    reader.close();
  });

  it('under strictly-once, a poll whose handler throws has consumed the records it handed, no more', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = filled(20, dir);
      const reader = wal.reader('t', { name: 'r' });
      expect(() =>
        reader.poll((record) => {
          if (record.index === 4) throw new Error('handler failed');
        }),
      ).toThrow('handler failed');
      expect(reader.index).toBe(5);
      // Left open: what was stored is what a crash now would keep.
    }
    await using wal = Wal.open(dir, options);
    expect(wal.reader('t', { name: 'r' }).index).toBe(5);
  });

  it('ends a poll whose handler closes the reader, storing the place past what it handed', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = filled(20, dir);
      const reader = wal.reader('t', { name: 'r' });
      expect(
        reader.poll((record) => {
          if (record.index === 6) reader.close();
        }),
      ).toBe(7);
    }
    await using wal = Wal.open(dir, options);
    expect(wal.reader('t', { name: 'r' }).index).toBe(7);
  });

  it('follows appends made in this process until the signal aborts', async () => {
    await using wal = filled(3);
    const reader = wal.reader('t', { name: 'follower' });
    const controller = new AbortController();
    const seen: WalRecord[] = [];
    const following = (async () => {
      for await (const record of reader.follow({ signal: controller.signal })) {
        seen.push(record);
        if (record.index === 2) {
          // Caught up: the next records arrive while the follower waits.
          setImmediate(() => {
            wal.appendSync('t', encoder.encode('record 3'));
            wal.appendBatchSync('t', [encoder.encode('record 4'), encoder.encode('record 5')]);
          });
        }
        if (record.index === 5) controller.abort();
      }
    })();
    await following;
    expect(seen.map((record) => decoder.decode(record.payload))).toEqual(
      [0, 1, 2, 3, 4, 5].map((n) => `record ${n}`),
    );
    reader.close();
  });

  it('follows a topic that does not exist yet, and ends when the reader closes', async () => {
    await using wal = Wal.open(temporaryDirectory(), options);
    const reader = wal.reader('later');
    const seen: number[] = [];
    const following = (async () => {
      for await (const record of reader.follow()) {
        seen.push(record.index);
        if (record.index === 1) reader.close();
      }
    })();
    setImmediate(() => {
      wal.appendSync('later', encoder.encode('0'));
      setImmediate(() => wal.appendSync('later', encoder.encode('1')));
    });
    await following;
    expect(seen).toEqual([0, 1]);
  });

  it('ends a follow at once for a signal already aborted, and when the wal closes', async () => {
    const wal = filled(2);
    const reader = wal.reader('t');
    const aborted = AbortSignal.abort();
    const none: WalRecord[] = [];
    for await (const record of reader.follow({ signal: aborted })) none.push(record);
    expect(none).toEqual([]);
    const following = (async () => {
      let count = 0;
      for await (const record of reader.follow()) count += record.index >= 0 ? 1 : 0;
      return count;
    })();
    setImmediate(() => void wal.close());
    expect(await following).toBe(2);
    expect(reader.closed).toBe(true);
  });

  it('lets consumed retention delete only what every named reader has consumed', async () => {
    await using wal = filled(0);
    const big = new Uint8Array(60_000);
    for (let n = 0; n < 60; n++) wal.appendSync('t', big);
    const slow = wal.reader('t', { name: 'slow' });
    const fast = wal.reader('t', { name: 'fast' });
    expect(fast.poll(() => undefined)).toBe(60);
    await wal.retain('t');
    expect(wal.readFrom('t', 0, { maxRecords: 1 })[0]?.index).toBe(0);
    expect(slow.poll(() => undefined, 40)).toBe(40);
    await wal.retain('t');
    const oldest = wal.readFrom('t', 0, { maxRecords: 1 })[0]?.index ?? -1;
    expect(oldest).toBeGreaterThan(0);
    expect(oldest).toBeLessThanOrEqual(40);
    expect(slow.next()?.index).toBe(40);
    slow.close();
    fast.close();
  });
});
