import { closeSync, openSync, readdirSync, readSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import {
  HEADER_PAGE_BYTES,
  computeFrameLength,
  computeIndexPageFrameLength,
} from '../../src/layout.js';
import { ManualClock, SMALL, payloadOf, readAll } from '../queue-helpers.js';

/** Header bytes of the TEST_SECONDLY shape (indexCount 256). */
/** SMALL's header is one page. */
const HEADER_BYTES = HEADER_PAGE_BYTES;
/** SMALL's index pages hold 256 entries; its records here are 40-byte payloads. */
const INDEX_PAGE_BYTES = computeIndexPageFrameLength(256);
const RECORD_FRAME_BYTES = computeFrameLength(40);

function writeQueue(
  checksums: 'off' | 'crc32c',
  records = 20,
): { directory: string; file: string } {
  const directory = temporaryDirectory();
  const clock = new ManualClock();
  const queue = Queue.open(directory, { ...SMALL, clock: clock.read, checksums });
  const appender = queue.appender();
  for (let n = 0; n < records; n++) appender.appendSync(payloadOf(n, 40));
  queue.close();
  const name = readdirSync(directory).find((entry) => entry.endsWith('.annalq'));
  if (name === undefined) throw new Error('no cycle file');
  return { directory, file: join(directory, name) };
}

function patch(file: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

function readByte(file: string, offset: number): number {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1);
    readSync(fd, buffer, 0, 1, offset);
    return buffer[0]!;
  } finally {
    closeSync(fd);
  }
}

/** Data position of record n: index page (8 + 4 × 256 bytes) first, then 48-byte frames. */
function recordOffset(n: number): number {
  return HEADER_BYTES + INDEX_PAGE_BYTES + n * RECORD_FRAME_BYTES;
}

describe('corrupt and truncated queue files', () => {
  it('reports a flip of any byte of the configuration line as ERR_ANNAL_CORRUPT naming the file', () => {
    const { directory, file } = writeQueue('off');
    for (let offset = 0; offset < 64; offset++) {
      const original = readByte(file, offset);
      patch(file, offset, Uint8Array.of(original ^ 0x10));
      expect(() => readAll(Queue.open(directory, { readOnly: true }))).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: file }),
      );
      patch(file, offset, Uint8Array.of(original));
    }
    using queue = Queue.open(directory, { readOnly: true });
    expect(readAll(queue)).toHaveLength(20);
  });

  it('reports a file cut short, inside the header or inside the first block, when it is read', () => {
    for (const length of [100, HEADER_BYTES + 1000]) {
      const { directory, file } = writeQueue('off');
      truncateSync(file, length);
      // The queue opens (other cycles stay reachable); reading the damaged one reports it.
      using queue = Queue.open(directory, { readOnly: true });
      expect(() => queue.reader().next()).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: file }),
      );
    }
  });

  it.each(['off', 'crc32c'] as const)(
    'never returns a record whose length word is garbage: ERR_ANNAL_CORRUPT with the file offset (checksums %s)',
    (checksums) => {
      const { directory, file } = writeQueue(checksums);
      const offset = recordOffset(5);
      patch(file, offset, Uint8Array.of(0xff, 0xff, 0xff, 0x7f)); // committed, length 2^30 - 1
      using queue = Queue.open(directory, { readOnly: true });
      const reader = queue.reader();
      for (let n = 0; n < 5; n++) expect(reader.next()?.copy()).toEqual(payloadOf(n, 40));
      expect(() => reader.next()).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: file, offset }),
      );
      // The reader stays before the bad record: it reports again rather than skipping silently.
      expect(() => reader.next()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT' }));
    },
  );

  it('with checksums, a flipped payload byte is ERR_ANNAL_CORRUPT naming the record offset', () => {
    const { directory, file } = writeQueue('crc32c');
    const offset = recordOffset(7);
    patch(file, offset + 8 + 3, Uint8Array.of(readByte(file, offset + 8 + 3) ^ 1));
    using queue = Queue.open(directory, { readOnly: true });
    const reader = queue.reader();
    for (let n = 0; n < 7; n++) reader.next();
    expect(() => reader.next()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', field: 'checksum', offset }),
    );
  });

  it('an appender refuses to continue after a corrupt frame instead of writing past it', () => {
    const { directory, file } = writeQueue('off');
    patch(file, recordOffset(19), Uint8Array.of(0x08, 0x00, 0x00, 0x80)); // a claim flag pattern
    using queue = Queue.open(directory, { ...SMALL, clock: new ManualClock().read });
    expect(() => queue.appender()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT' }));
  });

  it("onCorrupt 'skip': readers step over a record whose checksum fails, count it, and keep indices right", () => {
    const { directory, file } = writeQueue('crc32c');
    const offset = recordOffset(7);
    patch(file, offset + 8, Uint8Array.of(readByte(file, offset + 8) ^ 0x40));
    using queue = Queue.open(directory, { readOnly: true, onCorrupt: 'skip' });
    const reader = queue.reader();
    const sequences: number[] = [];
    for (let record = reader.next(); record !== undefined; record = reader.next()) {
      expect(record.copy()).toEqual(payloadOf(record.sequence, 40));
      sequences.push(record.sequence);
    }
    expect(sequences).toEqual([...Array(20).keys()].filter((n) => n !== 7));
    expect(reader.skippedRecords).toBe(1);
  });

  it("onCorrupt 'truncate': an appender drops a corrupt frame and all after it, then appends there", () => {
    const { directory, file } = writeQueue('off');
    // After the last index entry (record 16): where recovery scans for the end.
    patch(file, recordOffset(18), Uint8Array.of(0xff, 0xff, 0xff, 0x7f));
    const clock = new ManualClock();
    using queue = Queue.open(directory, { ...SMALL, clock: clock.read, onCorrupt: 'truncate' });
    const appender = queue.appender();
    const index = appender.appendSync(payloadOf(99, 40));
    expect(queue.indices.sequenceOf(index)).toBe(18);
    const records = readAll(queue);
    expect(records).toHaveLength(19);
    expect(records.at(-1)?.payload).toEqual(payloadOf(99, 40));
    records.slice(0, 18).forEach((record, n) => expect(record.payload).toEqual(payloadOf(n, 40)));
  });
});
