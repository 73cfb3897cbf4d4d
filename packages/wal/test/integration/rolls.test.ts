import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Wal } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BACKENDS = ['mmap', 'fd'] as const;

/** 1 MiB segments of ~1 KiB entries: about 1,000 entries a segment. */
const SMALL_BASE = { segmentBytes: '1 MiB', maxPayloadBytes: '64 KiB', maxBatchBytes: '256 KiB' };

const entry = (n: number): Uint8Array => encoder.encode(`${n} `.padEnd(1000, '.'));
const files = (dir: string): string[] => readdirSync(join(dir, 'topics', 't')).sort();

describe.each(BACKENDS)('segment rolls (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;

  it('installs the spare made while the segment filled, and every entry stays readable', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, { ...SMALL, sync: 'each' });
      for (let n = 0; n < 600; n++) wal.appendSync('t', entry(n));
      // Past half the segment a spare is being made: retain() also waits for it.
      await wal.retain('t');
      expect(files(dir).filter((name) => name.startsWith('.spare-'))).toHaveLength(1);
      for (let n = 600; n < 1500; n++) wal.appendSync('t', entry(n));
      // The roll took the spare (the next one is not ready yet: no turn of the loop has passed).
      expect(files(dir).filter((name) => name.startsWith('.spare-'))).toHaveLength(0);
      expect(files(dir).filter((name) => name.endsWith('.wseg'))).toHaveLength(2);
      // A sync fsyncs the installed segment and the directory before it resolves.
      await wal.append('t', entry(1500));
    }
    expect(files(dir).filter((name) => name.startsWith('.'))).toEqual([]);
    await using wal = Wal.open(dir, { ...SMALL, sync: 'none' });
    const entries = wal.readFrom('t', 0, { maxRecords: 5000, maxBytes: 1 << 30 });
    expect(entries).toHaveLength(1501);
    entries.forEach((read, n) =>
      expect(decoder.decode(read.payload)).toBe(decoder.decode(entry(n))),
    );
  });

  it('drops a last segment whose header never reached the disk (a roll cut by power loss)', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, { ...SMALL, sync: 'none' });
      for (let n = 0; n < 100; n++) wal.appendSync('t', entry(n));
    }
    // What a power loss can leave: the link of an installed spare, but not its header.
    const orphan = join(dir, 'topics', 't', `${'100'.padStart(20, '0')}.wseg`);
    writeFileSync(orphan, new Uint8Array(1024 * 1024));
    writeFileSync(join(dir, 'topics', 't', '.spare-0123456789ab.tmp'), 'left by a crash');
    await using wal = Wal.open(dir, { ...SMALL, sync: 'none', quiet: true });
    expect(wal.lastIndex('t')).toBe(99);
    expect(files(dir)).toEqual([`${'0'.padStart(20, '0')}.wseg`]);
    expect(wal.appendSync('t', entry(100))).toBe(100);
    expect(wal.readFrom('t', 99, { maxRecords: 5 }).map((read) => read.index)).toEqual([99, 100]);
  });
});
