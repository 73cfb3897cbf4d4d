import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { FENCELESS_PUBLISH_OFFSET } from '../../src/layout.js';
import { GOLDEN_RECORDS, goldenRecord, writeGoldenQueue } from '../golden.js';

const GOLDEN_DIRECTORY = fileURLToPath(new URL('../fixtures/golden-v2', import.meta.url));
const GOLDEN_FILE = '20261122T000000Z.annalq';

describe('on-disk format version 2 (golden fixture)', () => {
  it('writes byte for byte the committed fixture: the format cannot change silently', () => {
    const directory = temporaryDirectory();
    const name = writeGoldenQueue(directory);
    expect(name).toBe(GOLDEN_FILE);
    const written = readFileSync(join(directory, name));
    // The one machine-dependent word: 1 where the appender could publish without fences, else
    // 0; the fixture holds 0.
    expect([0, 1]).toContain(written.readInt32LE(FENCELESS_PUBLISH_OFFSET));
    written.writeInt32LE(0, FENCELESS_PUBLISH_OFFSET);
    if (process.env['ANNAL_WRITE_GOLDEN'] === '1')
      writeFileSync(join(GOLDEN_DIRECTORY, name), written);
    const golden = readFileSync(join(GOLDEN_DIRECTORY, GOLDEN_FILE));
    expect(written.length).toBe(golden.length);
    // Compare in 4 KiB pages so a failure names where the format moved.
    for (let offset = 0; offset < golden.length; offset += 4096) {
      const page = written.subarray(offset, offset + 4096);
      if (!page.equals(golden.subarray(offset, offset + 4096))) {
        expect.fail(`the written file differs from the golden fixture in the page at ${offset}`);
      }
    }
  });

  it('reads the committed fixture: every record, seek by index, checksums verified', () => {
    const directory = temporaryDirectory();
    copyFileSync(join(GOLDEN_DIRECTORY, GOLDEN_FILE), join(directory, GOLDEN_FILE));
    using queue = Queue.open(directory, { readOnly: true });
    expect(queue.indices.sequenceBits).toBe(12);
    const reader = queue.reader();
    let n = 0;
    for (let record = reader.next(); record !== undefined; record = reader.next()) {
      expect(record.copy()).toEqual(goldenRecord(n));
      expect(record.sequence).toBe(n);
      n++;
    }
    expect(n).toBe(GOLDEN_RECORDS);
    const cycle = queue.cycles()[0]!;
    expect(reader.seek(queue.indices.compose(cycle, 1111))).toBe(true);
    expect(reader.next()?.copy()).toEqual(goldenRecord(1111));
  });
});
