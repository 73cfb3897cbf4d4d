import { closeSync, openSync, readSync, readdirSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { Wal } from '@annal/wal';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import {
  FRAME_CHECKSUM_OFFSET,
  FRAME_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  SLOT_NAME,
  frameBytes,
  slotStart,
} from '../../src/layout.js';
import { fixturePath } from '../fixture-path.js';
import { nextOf, pollOf } from '../read-helpers.js';

const SOAK = process.env['ANNAL_SOAK'] === '1';
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const SMALL_BASE = {
  segmentBytes: '1 MiB',
  maxPayloadBytes: 1024,
  maxBatchBytes: 65536,
  maxBatchRecords: 100,
  sync: 'none',
} as const;

/** Every test runs against both backends: they write the same files and keep the same promises. */
const BACKENDS = ['mmap', 'fd'] as const;

/** The last number in lines `<word> <n>` a child printed. */
function lastNumber(stdout: string, word: string): number {
  const lines = stdout.split('\n').filter((line) => line.startsWith(`${word} `));
  return lines.length === 0 ? -1 : Number(lines.at(-1)?.split(' ')[1]);
}

describe.each(BACKENDS)('Wal after SIGKILL (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;
  it.each(['records', 'recordsSync'])(
    'keeps every append acknowledged under fsync "each" (%s), and appending goes on',
    async (mode) => {
      const dir = temporaryDirectory();
      let acknowledged = -1;
      for (let trial = 0; trial < (SOAK ? 50 : 4); trial++) {
        const child = spawnNode(fixturePath('wal-writer.mjs'), [dir, mode, '', backend]);
        const target = acknowledged + 20 + trial * 7;
        await child.waitForLine(
          (line) => line.startsWith('acked ') && Number(line.slice(6)) >= target,
        );
        child.child.kill('SIGKILL');
        const result = await child.exited;
        acknowledged = Math.max(acknowledged, lastNumber(result.stdout, 'acked'));
        await using wal = Wal.open(dir, SMALL);
        const records = wal.readFrom('t', 0, { maxRecords: 100_000, maxBytes: 1 << 30 });
        expect(records.length).toBeGreaterThan(acknowledged);
        records.forEach((record, n) => {
          expect(record.index).toBe(n);
          expect(decoder.decode(record.payload)).toBe(`record ${n}`);
        });
      }
    },
  );

  it('never shows part of a batch: reopening finds each batch whole or not at all', async () => {
    for (let trial = 0; trial < (SOAK ? 100 : 4); trial++) {
      const dir = temporaryDirectory();
      const child = spawnNode(fixturePath('wal-writer.mjs'), [dir, 'batches', '', backend]);
      await child.waitForLine((line) => line === `batch ${20 + trial * 13}`);
      child.child.kill('SIGKILL');
      const result = await child.exited;
      const printed = lastNumber(result.stdout, 'batch');
      await using wal = Wal.open(dir, SMALL);
      const entries = wal.readFrom('t', 0, { maxRecords: 1_000_000, maxBytes: 1 << 30 });
      let at = 0;
      let batch = 0;
      while (at < entries.length) {
        const size = 1 + (batch % 50);
        for (let i = 0; i < size; i++) {
          expect(decoder.decode(entries[at + i]?.payload)).toBe(`${batch} ${size} ${i}`);
        }
        at += size;
        batch++;
      }
      expect(batch).toBeGreaterThan(printed);
      // And the log takes the next batch where the last whole one ended.
      expect(wal.appendBatchSync('t', [encoder.encode('next')])).toEqual([entries.length]);
    }
  });

  it('at-least-once readers replay at most persistEvery entries and skip none', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, SMALL);
      for (let n = 0; n < 5000; n++) wal.appendSync('t', encoder.encode(String(n)));
    }
    const consumed = 2345;
    const child = spawnNode(fixturePath('wal-writer.mjs'), [
      dir,
      'reader',
      String(consumed),
      backend,
    ]);
    await child.waitForLine((line) => line === `consumed ${consumed}`);
    child.child.kill('SIGKILL');
    await child.exited;
    await using wal = Wal.open(dir, {
      ...SMALL,
      consistency: { atLeastOnce: { persistEvery: 10 } },
    });
    const next = nextOf(wal, 't', 'r')?.index ?? -1;
    expect(next).toBeLessThanOrEqual(consumed);
    expect(next).toBeGreaterThan(consumed - 10);
  });
});

describe('Wal after a stage write cut short (fd backend)', () => {
  it('zeroes what a cut write left past the end, so no later recovery reads it as entries', async () => {
    const dir = temporaryDirectory();
    const options = { ...SMALL_BASE, backend: 'fd', onCorrupt: 'stop' } as const;
    const record = (n: number): Uint8Array => encoder.encode(`record ${n}`.padEnd(56, '.'));
    {
      await using wal = Wal.open(dir, options);
      for (let n = 0; n < 210; n++) wal.appendSync('t', record(n));
    }
    // What SIGKILL in the middle of the stage write of entries 200…209 can leave: every byte but
    // the stage's first length word (written last).
    const segment = join(
      dir,
      'topics',
      't',
      readdirSync(join(dir, 'topics', 't')).find((name) => name.endsWith('.wseg')) as string,
    );
    const frameAt = (n: number): number => 4096 + n * 64;
    const fd = openSync(segment, 'r+');
    writeSync(fd, new Uint8Array(4), 0, 4, frameAt(200));
    closeSync(fd);
    {
      await using wal = Wal.open(dir, options);
      expect(wal.lastIndex('t')).toBe(199);
      // Shorter entries now: had the old frames stayed, one would line up after these.
      for (let n = 200; n < 203; n++) wal.appendSync('t', encoder.encode(`short ${n}`));
    }
    // Three short frames (24 B each) from frameAt(200), and only zeros where 201…209 were.
    const tail = new Uint8Array(10 * 64 - 72);
    const read = openSync(segment, 'r');
    readSync(read, tail, 0, tail.length, frameAt(200) + 72);
    closeSync(read);
    expect(tail.every((byte) => byte === 0)).toBe(true);
    await using wal = Wal.open(dir, options);
    expect(wal.lastIndex('t')).toBe(202);
  });
});

describe.each(BACKENDS)('Wal with damaged files (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;
  /** 200 entries of 92 bytes: entry k's frame at 4096 + 104 k of the only segment. */
  const PAYLOAD_BYTES = 92;
  /** Where record `n` of {@link filled}'s segment starts (every record is one frame). */
  const recordAt = (n: number): number => SEGMENT_HEADER_BYTES + frameBytes(PAYLOAD_BYTES) * n;

  async function filled(): Promise<{ dir: string; segment: string }> {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, SMALL);
    for (let n = 0; n < 200; n++) wal.appendSync('t', new Uint8Array(PAYLOAD_BYTES).fill(n));
    const topic = join(wal.directory, 'topics', 't');
    const name = readdirSync(topic).find((entry) => entry.endsWith('.wseg'));
    return { dir, segment: join(topic, name ?? '') };
  }

  function flipByte(path: string, position: number): void {
    const fd = openSync(path, 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, position);
    byte[0] = (byte[0] ?? 0) ^ 0x10;
    writeSync(fd, byte, 0, 1, position);
    closeSync(fd);
  }

  it('reports a flipped payload byte as ERR_ANNAL_CORRUPT naming topic, segment and offset', async () => {
    const { dir, segment } = await filled();
    flipByte(segment, recordAt(150) + FRAME_HEADER_BYTES + 3);
    expect(() => Wal.open(dir, SMALL).lastIndex('t')).toThrow(
      expect.objectContaining({
        code: 'ERR_ANNAL_CORRUPT',
        path: segment,
        offset: recordAt(150),
        index: 150,
        message: expect.stringMatching(/topic "t".*record 150/) as unknown,
      }),
    );
  });

  it('with onCorrupt "truncate", cuts the log at the first bad entry and appends after it', async () => {
    const { dir, segment } = await filled();
    flipByte(segment, recordAt(150) + FRAME_CHECKSUM_OFFSET);
    await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate', quiet: true });
    expect(wal.lastIndex('t')).toBe(149);
    expect(wal.readFrom('t', 0, { maxRecords: 1000 }).length).toBe(150);
    expect(wal.appendSync('t', new Uint8Array(1))).toBe(150);
  });

  it('reports a cut segment instead of reading it', async () => {
    const { dir, segment } = await filled();
    truncateSync(segment, recordAt(100));
    expect(() => Wal.open(dir, SMALL).lastIndex('t')).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: segment }),
    );
  });

  it("reports a damaged named reader's name as ERR_ANNAL_CORRUPT instead of starting it afresh", async () => {
    const { dir, segment } = await filled();
    {
      await using wal = Wal.open(dir, SMALL);
      pollOf(wal, 't', 'billing', 10);
    }
    // A byte of slot 0's name (docs/format.md).
    const readers = join(segment, '..', 'readers.wrd');
    flipByte(readers, slotStart(0) + SLOT_NAME);
    await using wal = Wal.open(dir, SMALL);
    expect(() => nextOf(wal, 't', 'billing')).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: readers, offset: slotStart(0) }),
    );
  });
});
