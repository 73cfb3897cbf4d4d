import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL, payloadOf, readAll } from '../queue-helpers.js';

describe('Queue append and read', () => {
  it('reads back every record, in order, with the index append returned (sizes 0 to max)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 16376 }), { minLength: 1, maxLength: 300 }),
        fc.boolean(),
        (lengths, checksums) => {
          const clock = new ManualClock();
          using queue = Queue.open(temporaryDirectory(), {
            ...SMALL,
            clock: clock.read,
            checksums: checksums ? 'crc32c' : 'off',
          });
          const appender = queue.appender();
          const indices = lengths.map((length, n) => appender.appendSync(payloadOf(n, length)));
          const records = readAll(queue);
          expect(records.map((record) => record.index)).toEqual(indices);
          records.forEach((record, n) => expect(record.payload).toEqual(payloadOf(n, lengths[n]!)));
          // Indices are consecutive within a cycle.
          indices.forEach((index, n) => expect(index - indices[0]!).toBe(n));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('crosses blocks and index pages: 20,000 records over 64 KiB blocks, then seeks to each 997th', () => {
    const clock = new ManualClock();
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    const indices: number[] = [];
    for (let n = 0; n < 20_000; n++)
      indices.push(appender.appendSync(payloadOf(n, (n * 13) % 200)));
    const reader = queue.reader();
    for (let n = 0; n < indices.length; n += 997) {
      expect(reader.seek(indices[n]!)).toBe(true);
      const record = reader.next();
      expect(record?.index).toBe(indices[n]);
      expect(record?.copy()).toEqual(payloadOf(n, (n * 13) % 200));
    }
    expect(reader.seek(indices.at(-1)! + 1)).toBe(false);
    expect(reader.seek(indices[0]! - 1)).toBe(false);
  });

  it('zero-copy claims commit in place, abort leaves nothing, and using aborts an unfinished claim', () => {
    const clock = new ManualClock();
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    const claim = appender.claim(3);
    claim.buffer.set([1, 2, 3], claim.offset);
    const first = claim.commit();
    appender.claim(5).abort();
    {
      using unfinished = appender.claim(7);
      unfinished.buffer[unfinished.offset] = 9;
    }
    const second = appender.appendSync(Uint8Array.of(4));
    expect(readAll(queue)).toEqual([
      { index: first, payload: Uint8Array.of(1, 2, 3) },
      { index: second, payload: Uint8Array.of(4) },
    ]);
    expect(second).toBe(first + 1);
  });

  it('peek does not advance; poll hands over up to limit; toEnd skips what exists', () => {
    const clock = new ManualClock();
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    for (let n = 0; n < 10; n++) appender.appendSync(payloadOf(n, 4));
    const reader = queue.reader();
    const peeked = reader.peek()?.index;
    expect(reader.next()?.index).toBe(peeked);
    const seen: number[] = [];
    expect(reader.poll((record) => seen.push(record.index), 4)).toBe(4);
    expect(seen).toEqual([1, 2, 3, 4].map((n) => peeked! + n));
    const tail = queue.reader().toEnd();
    expect(tail.next()).toBeUndefined();
    const index = appender.appendString('new');
    expect(tail.next()?.text()).toBe('new');
    expect(tail.index).toBe(index + 1);
  });

  it('reopened, the appender continues after the last record and readers see both runs', () => {
    const clock = new ManualClock();
    const directory = temporaryDirectory();
    const first = Queue.open(directory, { ...SMALL, clock: clock.read });
    const before = [0, 1, 2].map((n) => first.appender().appendSync(payloadOf(n, 50)));
    first.close();
    using second = Queue.open(directory, { ...SMALL, clock: clock.read });
    const after = second.appender().appendJson({ n: 3 });
    expect(after).toBe(before.at(-1)! + 1);
    const reader = second.reader();
    reader.seek(after);
    expect(reader.next()?.json()).toEqual({ n: 3 });
    expect(readAll(second)).toHaveLength(4);
  });

  it('a record view kept after close reads as empty instead of crashing', () => {
    const clock = new ManualClock();
    const queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: clock.read });
    queue.appender().appendSync(payloadOf(0, 16));
    const record = queue.reader().next()!;
    const view = record.payload;
    expect(view.length).toBe(16);
    queue.close();
    expect(view.length).toBe(0);
    expect(() => queue.reader()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }));
  });
});
