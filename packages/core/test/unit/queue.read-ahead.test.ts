import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { FRAME_HEADER_BYTES } from '../../src/layout.js';
import { flip, frameOffsetOf, textOf, threeCycles } from '../damaged-cycles.js';
import { ManualClock, SMALL } from '../queue-helpers.js';
import { temporaryDirectory } from '@annal/test-utils';

// A checksummed reader checks a run of records ahead of it in one call (read-ahead-check.ts). A
// damaged record inside such a run must still be met exactly where it is: every record before it
// returned, then the error (or, skipping, every record but it).
describe('a checksummed reader checking ahead', () => {
  it('returns every record before a damaged one in the middle of a run, then reports it', () => {
    const { directory, files } = threeCycles(100, 'crc32c');
    const damaged = 37;
    flip(files[0]!, frameOffsetOf(files[0]!, damaged) + FRAME_HEADER_BYTES + 3);
    using queue = Queue.open(directory, { ...SMALL, readOnly: true });
    const reader = queue.reader();
    const texts: string[] = [];
    let error: unknown;
    try {
      for (let record = reader.next(); record !== undefined; record = reader.next())
        texts.push(record.text());
    } catch (caught) {
      error = caught;
    }
    expect(texts).toEqual(Array.from({ length: damaged }, (_, n) => textOf(n)));
    expect(error).toMatchObject({ code: 'ERR_ANNAL_CORRUPT', field: 'checksum' });
  });

  it("with onCorrupt 'skip' passes over the damaged record alone, and counts it", () => {
    const { directory, files } = threeCycles(100, 'crc32c');
    for (const damaged of [5, 6, 63]) {
      flip(files[0]!, frameOffsetOf(files[0]!, damaged) + FRAME_HEADER_BYTES + 1);
    }
    using queue = Queue.open(directory, { ...SMALL, readOnly: true, onCorrupt: 'skip' });
    const reader = queue.reader();
    const texts: string[] = [];
    for (let record = reader.next(); record !== undefined; record = reader.next())
      texts.push(record.text());
    const expected = Array.from({ length: 300 }, (_, n) => n)
      .filter((n) => ![5, 6, 63].includes(n))
      .map((n) => textOf(n));
    expect(texts).toEqual(expected);
    expect(reader.skippedRecords).toBe(3);
  });

  it('checks records appended after a run was checked, and reads backward the same records', () => {
    const clock = new ManualClock();
    using queue = Queue.open(temporaryDirectory(), {
      ...SMALL,
      clock: clock.read,
      checksums: 'crc32c',
    });
    const appender = queue.appender();
    const reader = queue.reader();
    const texts: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (let k = 0; k < 1 + round * 20; k++) appender.appendString(textOf(texts.length + k));
      for (let record = reader.next(); record !== undefined; record = reader.next())
        texts.push(record.text());
    }
    expect(texts).toEqual(Array.from({ length: texts.length }, (_, n) => textOf(n)));
    expect(texts).toHaveLength(5 + 20 * 10);
    reader.direction('backward');
    const backward: string[] = [];
    for (let record = reader.next(); record !== undefined; record = reader.next())
      backward.push(record.text());
    expect(backward).toEqual([...texts].reverse());
  });
});
