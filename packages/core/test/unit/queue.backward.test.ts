import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';

describe('reading backward', () => {
  it('returns every record in reverse across blocks, index pages and cycles', () => {
    const clock = new ManualClock();
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    const indices: number[] = [];
    for (let n = 0; n < 9000; n++) {
      if (n === 3000 || n === 6000) clock.advance(2000); // three cycles with a gap
      indices.push(appender.appendSync(payloadOf(n, (n * 7) % 120)));
    }
    const reader = queue.reader().toEnd().direction('backward');
    const seen: number[] = [];
    for (let record = reader.next(); record !== undefined; record = reader.next()) {
      const n = seen.length;
      expect(record.copy()).toEqual(payloadOf(8999 - n, ((8999 - n) * 7) % 120));
      seen.push(record.index);
    }
    expect(seen).toEqual([...indices].reverse());
  });

  it('shares the position with forward reading, and peek does not move', () => {
    const clock = new ManualClock();
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    const indices = [0, 1, 2, 3, 4].map((n) => appender.appendSync(payloadOf(n, 8)));
    const reader = queue.reader();
    expect(reader.seek(indices[3]!)).toBe(true);
    reader.direction('backward');
    expect(reader.peek()?.index).toBe(indices[2]);
    expect(reader.next()?.index).toBe(indices[2]);
    expect(reader.next()?.index).toBe(indices[1]);
    reader.direction('forward');
    expect(reader.next()?.index).toBe(indices[1]);
    expect(reader.next()?.index).toBe(indices[2]);
    expect(() => reader.direction('sideways' as 'forward')).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'direction' }),
    );
  });
});
