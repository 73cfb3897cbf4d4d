import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { FIRST_LEVEL_INDEX_OFFSET, SEALED_OFFSET, computeHeaderBytes } from '../../src/layout.js';
import { ManualClock, SMALL, payloadOf, readAll } from '../queue-helpers.js';

/** Index pages every 32 records (8 entries, one every 4), so a small queue has several. */
const SHAPE = { ...SMALL, indexCount: 8, indexSpacing: 4 } as const;
const HEADER_BYTES = computeHeaderBytes(SHAPE.indexCount);
const FIRST_LEVEL_INDEX = FIRST_LEVEL_INDEX_OFFSET;
const RECORDS = 100;

/** Record n's payload; records 50 and 98 are empty (their length word is the bare complete flag). */
function recordOf(n: number): Uint8Array {
  return payloadOf(n, n === 50 || n === 98 ? 0 : 40 + (n % 13));
}

function writeQueue(checksums: 'off' | 'crc32c' = 'crc32c'): { directory: string; file: string } {
  const directory = temporaryDirectory();
  const clock = new ManualClock();
  const queue = Queue.open(directory, { ...SHAPE, clock: clock.read, checksums });
  const appender = queue.appender();
  for (let n = 0; n < RECORDS; n++) appender.appendSync(recordOf(n));
  queue.close();
  const name = readdirSync(directory).find((entry) => entry.endsWith('.annalq'));
  if (name === undefined) throw new Error('no cycle file');
  return { directory, file: join(directory, name) };
}

/** File offsets of the frames of the (only) cycle file: records by sequence, and index pages. */
function framesOf(file: string): { records: number[]; pages: number[] } {
  const bytes = readFileSync(file);
  const records: number[] = [];
  const pages: number[] = [];
  for (let offset = HEADER_BYTES; ;) {
    const word = bytes.readInt32LE(offset);
    if (word === 0 || word === (0xc0000000 | 0)) break;
    const length = word & 0x3fffffff;
    if (word > 0) records.push(offset);
    else if (length === 8 + 4 * 8) pages.push(offset);
    offset += word > 0 ? (8 + length + 7) & ~7 : length;
  }
  return { records, pages };
}

function edit(file: string, change: (bytes: Buffer) => void): void {
  const bytes = readFileSync(file);
  change(bytes);
  writeFileSync(file, bytes);
}

function open(directory: string): Queue {
  const clock = new ManualClock();
  return Queue.open(directory, { ...SHAPE, clock: clock.read });
}

function expectIntact(queue: Queue): void {
  const records = readAll(queue);
  expect(records).toHaveLength(RECORDS);
  records.forEach((record, n) => {
    expect(queue.indices.sequenceOf(record.index)).toBe(n);
    expect(record.payload).toEqual(recordOf(n));
  });
}

describe('damaged metadata is checked, never obeyed', () => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 20, 28, 31])(
    'a flipped bit %i of the last first-level index entry: toEnd and the appender find the true end, nothing grows',
    (bit) => {
      const { directory, file } = writeQueue();
      const length = statSync(file).size;
      // Page 3 (records 96–99) is the last: where the end is looked for.
      const entry = FIRST_LEVEL_INDEX + 4 * 3;
      edit(file, (bytes) =>
        bytes.writeUInt32LE((bytes.readUInt32LE(entry) ^ (1 << bit)) >>> 0, entry),
      );
      using queue = open(directory);
      expectIntact(queue);
      const end = queue.reader().toEnd();
      expect(queue.indices.sequenceOf(end.index)).toBe(RECORDS);
      const index = queue.appender().appendSync(recordOf(RECORDS));
      expect(queue.indices.sequenceOf(index)).toBe(RECORDS);
      expect(end.next()?.index).toBe(index);
      expect(statSync(file).size).toBe(length);
    },
  );

  it('a first-level entry pointing into records where no page exists yet is not followed', () => {
    const { directory, file } = writeQueue();
    const { records } = framesOf(file);
    edit(file, (bytes) => bytes.writeUInt32LE(records[70]! / 8, FIRST_LEVEL_INDEX + 4 * 5));
    using queue = open(directory);
    expect(queue.indices.sequenceOf(queue.reader().toEnd().index)).toBe(RECORDS);
    expect(queue.indices.sequenceOf(queue.appender().appendSync(recordOf(RECORDS)))).toBe(RECORDS);
  });

  it.each(['crc32c', 'off'] as const)(
    'seek never returns another record under the index asked for when a page entry is wrong (checksums %s)',
    (checksums) => {
      const { directory, file } = writeQueue(checksums);
      const { records, pages } = framesOf(file);
      // Entry 2 of page 1 (sequence 40) made to name record 44.
      edit(file, (bytes) => bytes.writeUInt32LE(records[44]! / 8, pages[1]! + 8 + 4 * 2));
      using queue = open(directory);
      const reader = queue.reader();
      const cycle = queue.cycles()[0]!;
      expect(reader.seek(queue.indices.compose(cycle, 40))).toBe(true);
      const record = reader.next();
      expect(queue.indices.sequenceOf(record!.index)).toBe(40);
      expect(record?.copy()).toEqual(recordOf(40));
      // The end is found past the bad entry too.
      expect(queue.indices.sequenceOf(queue.appender().appendSync(recordOf(RECORDS)))).toBe(
        RECORDS,
      );
    },
  );

  it.each([
    ['0 (free)', 0x40000000],
    ['the end-of-cycle mark', 0x80000000],
  ])(
    'a length word flipped to %s is reported, and no appender writes over the records after it',
    (_, bit) => {
      for (const sequence of [50, 98]) {
        const { directory, file } = writeQueue();
        const offset = framesOf(file).records[sequence]!;
        edit(file, (bytes) => bytes.writeInt32LE(bytes.readInt32LE(offset) ^ (bit | 0), offset));
        {
          using queue = open(directory);
          expect(() => readAll(queue)).toThrow(
            expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: file, offset }),
          );
          if (sequence === 98) {
            // After the last index entry (96): where the end is looked for.
            expect(() => queue.reader().toEnd()).toThrow(
              expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', offset }),
            );
            expect(() => queue.appender()).toThrow(
              expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', offset }),
            );
          } else {
            // Before it: the end is found past the damage, and appending goes on there.
            const index = queue.appender().appendSync(recordOf(RECORDS));
            expect(queue.indices.sequenceOf(index)).toBe(RECORDS);
          }
        }
        // Nothing was written over: with the word repaired, every record is there.
        edit(file, (bytes) => bytes.writeInt32LE(0x40000000, offset));
        using again = Queue.open(directory, { readOnly: true });
        const records = readAll(again);
        expect(records.length).toBe(sequence === 98 ? RECORDS : RECORDS + 1);
        records
          .slice(0, RECORDS)
          .forEach((record, n) => expect(record.payload).toEqual(recordOf(n)));
      }
    },
  );

  it('a flipped bit in the first index page length word is reported, not read as an empty queue', () => {
    for (const bit of [3, 5, 12, 30]) {
      const { directory, file } = writeQueue();
      const page = framesOf(file).pages[0]!;
      expect(page).toBe(HEADER_BYTES);
      edit(file, (bytes) => bytes.writeInt32LE(bytes.readInt32LE(page) ^ (1 << bit), page));
      using queue = Queue.open(directory, { readOnly: true });
      expect(() => readAll(queue)).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: file, offset: page }),
      );
    }
  });

  it('a header ahead of the frames (pages a power loss took) is not damage: the end is where the frames end', () => {
    const { directory, file } = writeQueue();
    const { records } = framesOf(file);
    // Records 95–99 never reached the disk, while header line 1 (write position, count) did.
    edit(file, (bytes) => bytes.fill(0, records[95]!, HEADER_BYTES + 65536));
    using queue = open(directory);
    expect(readAll(queue)).toHaveLength(95);
    const tail = queue.reader().toEnd();
    expect(queue.indices.sequenceOf(tail.index)).toBe(95);
    expect(tail.next()).toBeUndefined();
    expect(queue.indices.sequenceOf(queue.appender().appendSync(recordOf(95)))).toBe(95);
    expect(tail.next()?.copy()).toEqual(recordOf(95));
  });

  it('a sealed flag flipped on in an open cycle: read as it is, and the appender clears it', () => {
    const { directory, file } = writeQueue();
    edit(file, (bytes) => bytes.writeInt32LE(1, SEALED_OFFSET));
    using queue = open(directory);
    expectIntact(queue);
    expect(queue.indices.sequenceOf(queue.appender().appendSync(recordOf(RECORDS)))).toBe(RECORDS);
    expect(readFileSync(file).readInt32LE(SEALED_OFFSET)).toBe(0);
  });

  it('with checksums off, a frame met under the wrong sequence is reported (its check word is the sequence)', () => {
    const { directory, file } = writeQueue('off');
    const { records } = framesOf(file);
    // Record 20's frame grows by 8 bytes: the reader lands inside record 21.
    edit(file, (bytes) => {
      bytes.writeInt32LE(bytes.readInt32LE(records[20]!) + 8, records[20]!);
    });
    using queue = Queue.open(directory, { readOnly: true });
    expect(() => readAll(queue)).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT' }));
  });
});

describe('seek and cycles at the edges (issue 19)', () => {
  it('seek(last index of a sealed cycle + 1) is false, and the reader stays where it was', () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    const last = appender.appendSync(payloadOf(0, 10));
    appender.appendSync(payloadOf(1, 10)); // sequence 1: the sealed cycle's last record
    clock.advance(1000);
    const next = appender.appendSync(payloadOf(2, 10)); // rolls: the first record of the next cycle
    const [first, second] = queue.cycles();
    expect(second).toBe(first! + 1);
    const reader = queue.reader();
    expect(reader.seek(last + 2)).toBe(false);
    expect(reader.next()?.index).toBe(last);
    expect(reader.seek(next)).toBe(true);
    expect(reader.next()?.copy()).toEqual(payloadOf(2, 10));
  });

  it("a read-only reader opened before the first cycle file takes the files' shape: it follows every roll", () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    // Opened with no options on an empty directory: the default (daily) shape until files appear.
    using reader = Queue.open(directory, { readOnly: true });
    expect(reader.cycles()).toEqual([]);
    using writer = Queue.open(directory, { ...SMALL, clock: clock.read });
    const appender = writer.appender();
    const indices: number[] = [];
    for (let n = 0; n < 3; n++) {
      indices.push(appender.appendSync(payloadOf(n, 20)));
      clock.advance(1000);
    }
    appender.close();
    expect(reader.cycles()).toEqual(writer.cycles());
    expect(new Set(reader.cycles()).size).toBe(3);
    expect(readAll(reader).map((record) => record.index)).toEqual(indices);
    expect(reader.indices.sequenceBits).toBe(writer.indices.sequenceBits);
  });
});
