import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { APPEND_LOCK_OFFSET, computeHeaderBytes } from '../../src/layout.js';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';

const SHAPE = { ...SMALL, indexCount: 8, indexSpacing: 4 } as const;
const HEADER_BYTES = computeHeaderBytes(SHAPE.indexCount);
const APPEND_LOCK = APPEND_LOCK_OFFSET;
const RECORDS = 100;
const recordOf = (n: number): Uint8Array => payloadOf(n, 40 + (n % 13));

function writeQueue(checksums: 'off' | 'crc32c'): { directory: string; file: string } {
  const directory = temporaryDirectory();
  const queue = Queue.open(directory, { ...SHAPE, clock: new ManualClock().read, checksums });
  const appender = queue.appender();
  for (let n = 0; n < RECORDS; n++) appender.appendSync(recordOf(n));
  queue.close();
  const name = readdirSync(directory).find((entry) => entry.endsWith('.annalq'))!;
  return { directory, file: join(directory, name) };
}

function recordOffsets(bytes: Buffer): number[] {
  const records: number[] = [];
  for (let offset = HEADER_BYTES; ;) {
    const word = bytes.readInt32LE(offset);
    if (word === 0 || word === (0xc0000000 | 0)) break;
    const length = word & 0x3fffffff;
    if (word > 0) records.push(offset);
    offset += word > 0 ? (8 + length + 7) & ~7 : length;
  }
  return records;
}

function edit(file: string, change: (bytes: Buffer) => void): void {
  const bytes = readFileSync(file);
  change(bytes);
  writeFileSync(file, bytes);
}

describe('what the appender trusts when it recovers the end', () => {
  it("checksums off, onCorrupt 'skip': the appender must not step over a record whose tag fails (its length word is unchecked)", () => {
    const { directory, file } = writeQueue('off');
    // Record 99 (payload 48 bytes): flip length bit 3 -> 56. Its tag now fails.
    edit(file, (bytes) => {
      const at = recordOffsets(bytes)[99]!;
      bytes.writeInt32LE(bytes.readInt32LE(at) ^ 8, at);
    });
    const queue = Queue.open(directory, {
      ...SHAPE,
      clock: new ManualClock().read,
      onCorrupt: 'skip',
    });
    let appended: number | undefined;
    let error: unknown;
    try {
      appended = queue.appender().appendSync(payloadOf(1000, 20));
    } catch (caught) {
      error = caught;
    }
    // Either the appender refuses (coded), or what it acknowledged must be readable.
    if (error !== undefined) {
      expect((error as { code?: string }).code).toBe('ERR_ANNAL_CORRUPT');
    } else {
      const reader = queue.reader();
      const seen: number[] = [];
      let readError: unknown;
      try {
        for (let r = reader.next(); r !== undefined; r = reader.next()) seen.push(r.index);
      } catch (caught) {
        readError = caught;
      }
      expect({ acknowledged: appended, readError: String(readError), last: seen.at(-1) }).toEqual({
        acknowledged: appended,
        readError: 'undefined',
        last: appended,
      });
    }
    queue.close();
  });

  it('a stale append lock word (a shared appender died holding it) disables the free-word check: the appender writes over records after a zeroed length word', () => {
    const { directory, file } = writeQueue('crc32c');
    edit(file, (bytes) => {
      const at = recordOffsets(bytes)[97]!;
      bytes.writeInt32LE(0, at); // damage: record 97's length word zeroed
      bytes.writeInt32LE(0x00010003, APPEND_LOCK); // left by a dead shared appender
    });
    const queue = Queue.open(directory, { ...SHAPE, clock: new ManualClock().read });
    // Without the lock word this throws ERR_ANNAL_CORRUPT (header says 100 records).
    expect(() => queue.appender()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT' }));
    queue.close();
  });

  it('control: without the stale lock word the same damage is reported', () => {
    const { directory, file } = writeQueue('crc32c');
    edit(file, (bytes) => {
      bytes.writeInt32LE(0, recordOffsets(bytes)[97]!);
    });
    const queue = Queue.open(directory, { ...SHAPE, clock: new ManualClock().read });
    expect(() => queue.appender()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT' }));
    queue.close();
  });
});
