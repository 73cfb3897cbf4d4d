import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';
import { flip, frameOffsetOf, textOf, threeCycles } from '../damaged-cycles.js';
import { FRAME_HEADER_BYTES } from '../../src/layout.js';

// Seek hops from the index entry before a record to the record by length words, and falls back
// to the checked scan at anything else (skip frames, index pages, block ends, the end): every
// one of those must still land on the record asked for, or say false past the end.
describe('Reader.seek', () => {
  it('lands on every record, past aborted claims, block ends and index pages, with or without checksums', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            length: fc.integer({ min: 0, max: 3000 }),
            abortBefore: fc.boolean(),
          }),
          { minLength: 1, maxLength: 400 },
        ),
        fc.boolean(),
        (records, checksums) => {
          const clock = new ManualClock();
          using queue = Queue.open(temporaryDirectory(), {
            ...SMALL,
            clock: clock.read,
            checksums: checksums ? 'crc32c' : 'off',
          });
          const appender = queue.appender();
          const indices = records.map(({ length, abortBefore }, n) => {
            if (abortBefore) appender.claim(length).abort(); // a skip frame before it
            return appender.appendSync(payloadOf(n, length));
          });
          const reader = queue.reader();
          // Out of order, so each seek starts from somewhere else.
          const order = indices.map((_, n) => (n * 7919) % indices.length);
          for (const n of new Set(order)) {
            expect(reader.seek(indices[n]!)).toBe(true);
            const record = reader.next();
            expect(record?.index).toBe(indices[n]);
            expect(record?.copy()).toEqual(payloadOf(n, records[n]!.length));
          }
          expect(reader.seek(indices.at(-1)! + 1)).toBe(false);
          // A failed seek leaves the reader where it was.
          expect(reader.seek(indices[0]!)).toBe(true);
          expect(reader.seek(indices.at(-1)! + 5)).toBe(false);
          expect(reader.next()?.index).toBe(indices[0]);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('finds records appended after the reader was made, and none that are not there yet', () => {
    const clock = new ManualClock();
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    const reader = queue.reader();
    const first = appender.appendSync(payloadOf(0, 10));
    expect(reader.seek(first + 1)).toBe(false);
    for (let n = 1; n < 1000; n++) appender.appendSync(payloadOf(n, 10));
    expect(reader.seek(first + 999)).toBe(true);
    expect(reader.next()?.copy()).toEqual(payloadOf(999, 10));
    expect(reader.seek(first + 1000)).toBe(false);
    appender.appendSync(payloadOf(1000, 10));
    expect(reader.seek(first + 1000)).toBe(true);
    expect(reader.next()?.copy()).toEqual(payloadOf(1000, 10));
  });
});

// Seek checks the record it lands on, not the records between the index entry (every 16th record
// here) and it: a record damaged on the way is reported when it is read, not by a seek past it.
describe('Reader.seek past a damaged record', () => {
  it('lands on the record asked for; the damaged one still fails when read', () => {
    const { directory, files } = threeCycles(100, 'crc32c');
    flip(files[0]!, frameOffsetOf(files[0]!, 20) + FRAME_HEADER_BYTES + 2);
    using queue = Queue.open(directory, { ...SMALL, readOnly: true });
    const reader = queue.reader();
    const first = reader.next()!.index;
    expect(reader.seek(first + 30)).toBe(true);
    expect(reader.next()?.text()).toBe(textOf(30));
    expect(() => reader.seek(first + 20)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT' }),
    );
    expect(reader.seek(first + 19)).toBe(true);
    expect(reader.next()?.text()).toBe(textOf(19));
    expect(() => reader.next()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT' }));
  });
});
