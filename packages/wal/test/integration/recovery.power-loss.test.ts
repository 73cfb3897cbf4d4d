import { closeSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { Wal, type WalRecord } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SMALL_BASE = {
  segmentBytes: '1 MiB',
  maxPayloadBytes: '64 KiB',
  maxBatchBytes: '256 KiB',
  sync: 'none',
  quiet: true,
} as const;
const PER_SEGMENT = 1036;
const frameAt = (k: number): number => 4096 + 1008 * k;
const entry = (n: number, tag = 'entry'): Uint8Array =>
  encoder.encode(`${tag} ${n} `.padEnd(1000, '.'));
const topicDir = (dir: string): string => join(dir, 'topics', 't');
const segments = (dir: string): string[] =>
  readdirSync(topicDir(dir))
    .filter((n) => n.endsWith('.wseg'))
    .sort();
function patch(path: string, position: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, position);
  closeSync(fd);
}
function readAll(wal: Wal, from = 0): WalRecord[] {
  const all: WalRecord[] = [];
  for (;;) {
    const page = wal.readFrom('t', from + all.length, { maxRecords: 4096, maxBytes: 1 << 30 });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

describe.each(['mmap', 'fd'] as const)(
  'what a power loss or damage leaves, and opening again (%s)',
  (backend) => {
    const SMALL = { ...SMALL_BASE, backend } as const;

    // Power loss: pages of an unsynced tail reach the disk in any order. Page 64 (frames 256..260,
    // frame 256 starts exactly on it) never did; later pages did. Nothing after 255 was acked.
    it('stale frames past a power-loss hole are never resurrected as entries after the new ones', async () => {
      const dir = temporaryDirectory();
      {
        await using wal = Wal.open(dir, SMALL);
        for (let n = 0; n < 1000; n++) wal.appendSync('t', entry(n, 'old'));
      }
      const [file] = segments(dir) as [string];
      expect(frameAt(256) % 4096).toBe(0);
      patch(join(topicDir(dir), file), frameAt(256), new Uint8Array(4096));
      // Appends that reach the old frames past the hole (the first open reports them; truncate
      // clears them, keeping a copy).
      const bridge = backend === 'fd' ? 600 : 5;
      {
        await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate', quiet: true });
        expect(wal.lastIndex('t')).toBe(255);
        for (let n = 256; n < 256 + bridge; n++) wal.appendSync('t', entry(n, 'new'));
        expect(wal.lastIndex('t')).toBe(255 + bridge);
      }
      await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate', quiet: true });
      const all = readAll(wal);
      // Exactly the 256 old entries and the new ones, nothing from before the power loss.
      expect(
        all
          .map((e) => decoder.decode(e.payload.subarray(0, 3)))
          .filter((t, n) => n >= 256 && t !== 'new'),
      ).toEqual([]);
      expect(wal.lastIndex('t')).toBe(255 + bridge);
    });

    // A named reader stored offset 600; 'truncate' cuts the log at 300; the producer appends
    // 300 new entries (offsets 300..599 again). The reader must get them.
    it('a named reader whose stored offset lies past a truncate cut reads the new entries', async () => {
      const dir = temporaryDirectory();
      {
        await using wal = Wal.open(dir, SMALL);
        for (let n = 0; n < 700; n++) wal.appendSync('t', entry(n, 'old'));
        expect(pollOf(wal, 't', 'r', 600)).toHaveLength(600);
      }
      const [file] = segments(dir) as [string];
      patch(join(topicDir(dir), file), frameAt(300) + 20, Uint8Array.of(0x55));
      await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
      expect(wal.lastIndex('t')).toBe(299);
      for (let n = 300; n < 700; n++) wal.appendSync('t', entry(n, 'new'));
      const read = pollOf(wal, 't', 'r', 10);
      // Expected: the reader goes on at the cut (300), the first new entry.
      expect(read[0]?.index).toBe(300);
    });

    // Power loss at a roll: a page in the middle of the old segment's tail never reached the
    // disk, its end frame's page did (pages go in any order). Nothing after the hole was acked.
    it("a hole in the previous segment's tail before its end frame is caught at open", async () => {
      const dir = temporaryDirectory();
      {
        await using wal = Wal.open(dir, SMALL);
        for (let n = 0; n < 1100; n++) wal.appendSync('t', entry(n));
      }
      const [first] = segments(dir) as [string];
      patch(join(topicDir(dir), first), frameAt(1024), new Uint8Array(4096));
      const open = (): Wal => Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
      await using wal = open();
      wal.lastIndex('t');
      // Expected: truncate cut the log at the hole (1023), so a named reader reads to the end.
      expect(() => pollOf(wal, 't', 'r', 5000)).not.toThrow();
      expect(() => pollOf(wal, 't', 'r', 5000)).not.toThrow();
    });

    // Two rolls between syncs (fsync none / everyMs, small segments): segments 2 and 3 were
    // created durably (createFileAtomically fsyncs), segment 1's tail and segment 2's frames
    // were lost.
    it('two rolls lost to one power loss: truncate leaves no hole behind', async () => {
      const dir = temporaryDirectory();
      {
        await using wal = Wal.open(dir, SMALL);
        for (let n = 0; n < 2 * PER_SEGMENT + 10; n++) wal.appendSync('t', entry(n));
      }
      const [a, b] = segments(dir) as [string, string, string];
      patch(join(topicDir(dir), a), frameAt(1000), new Uint8Array(1024 * 1024 - frameAt(1000)));
      patch(join(topicDir(dir), b), 4096, new Uint8Array(1024 * 1024 - 4096));
      await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
      const latest = wal.lastIndex('t') as number;
      expect(() => readAll(wal)).not.toThrow();
      expect(latest).toBe(999);
    });
  },
);

describe('retention after a cut', () => {
  it('consumed retention after a truncate cut never deletes new entries no reader has read', async () => {
    const dir = temporaryDirectory();
    const O = { ...SMALL_BASE, backend: 'mmap', retention: { consumed: 'delete' } } as const;
    const tiny = (n: number): Uint8Array => encoder.encode(`o${n}`.padEnd(10, '.'));
    {
      await using wal = Wal.open(dir, O);
      for (let n = 0; n < 60_000; n++) wal.appendSync('t', tiny(n));
      let got = 0;
      while (got < 55_000) got += pollOf(wal, 't', 'r', Math.min(5000, 55_000 - got)).length;
    }
    const files = segments(dir);
    const last = files.at(-1) as string;
    const lastFirst = Number(last.slice(0, 20));
    // A flipped byte in the last segment, 500 entries into it.
    patch(join(topicDir(dir), last), 4096 + 24 * 500 + 9, Uint8Array.of(0x7f));
    await using wal = Wal.open(dir, { ...O, onCorrupt: 'truncate' });
    const cutAt = (wal.lastIndex('t') as number) + 1;
    expect(cutAt).toBe(lastFirst + 500);
    for (let n = cutAt; n < 56_000; n++) wal.appendSync('t', entry(n, 'new'));
    await new Promise((r) => setTimeout(r, 200));
    // Nobody has read any new entry: the first of them must still be there.
    expect(wal.readFrom('t', cutAt, { maxRecords: 1 })[0]?.index).toBe(cutAt);
  });
});

import { readFileSync as readFile } from 'node:fs';
import { vi } from 'vitest';

describe.each(['mmap', 'fd'] as const)('copies kept in cut/ (%s)', (backend) => {
  it('a cut with a bad frame in the last segment and a hole before it keeps a copy of the cut entries', async () => {
    const SMALL = { ...SMALL_BASE, backend } as const;
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, SMALL);
      for (let n = 0; n < 1100; n++) wal.appendSync('t', entry(n));
    }
    const [first, second] = segments(dir) as [string, string];
    // Power loss at the roll: the old tail never reached the disk, and in the new segment a
    // frame's length word did while its payload did not.
    patch(join(topicDir(dir), first), frameAt(1030), new Uint8Array(1024 * 1024 - frameAt(1030)));
    patch(join(topicDir(dir), second), frameAt(20) + 40, new Uint8Array(8));
    // Recovery running within one millisecond (the cut/ names have ms resolution).
    if (process.env['RC_FAKE'] !== '0')
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T08:15:03.123Z') });
    try {
      await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
      expect(wal.lastIndex('t')).toBe(1029);
    } finally {
      vi.useRealTimers();
    }
    const cut = readdirSync(join(topicDir(dir), 'cut'));
    const copies = cut.map((name) => readFile(join(topicDir(dir), 'cut', name)));
    // Entry 1036 + 40 (frame 40 of the second segment) must be kept somewhere in cut/.
    const kept = copies.some(
      (bytes) => decoder.decode(bytes.subarray(frameAt(40) + 8, frameAt(40) + 18)) === 'entry 1076',
    );
    expect({ cut, kept }).toMatchObject({ kept: true });
  });
});

import { spawnNode } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';
import { nextOf, pollOf } from '../read-helpers.js';

describe('a process crash under the fd backend', () => {
  it('a named reader that consumed a staged entry lost to SIGKILL still gets the entry that takes its offset', async () => {
    const dir = temporaryDirectory();
    const child = spawnNode(fixturePath('stage-and-read-child.mjs'), [dir]);
    await child.waitForLine((line) => line.startsWith('read '));
    child.child.kill('SIGKILL');
    await child.exited;
    await using wal = Wal.open(dir, {
      backend: 'fd',
      sync: 'none',
      segmentBytes: '1 MiB',
      maxPayloadBytes: '64 KiB',
      maxBatchBytes: '256 KiB',
    });
    const lost = (wal.lastIndex('t') as number) + 1;
    expect(lost).toBe(10); // the staged entry of the killed turn is gone (documented)
    for (let n = 10; n < 15; n++) wal.appendSync('t', encoder.encode(`new ${n}`));
    const got = nextOf(wal, 't', 'r');
    expect(got?.index).toBe(10);
  });
});

describe('the readers table after a crash', () => {
  it('a crash while a new named reader takes its slot (copies marked, name written, length not yet) leaves a free slot, not damage', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, SMALL_BASE);
      for (let n = 0; n < 20; n++) wal.appendSync('t', entry(n));
      pollOf(wal, 't', 'r', 5);
    }
    // What taking slot 1 (byte 256) leaves when SIGKILL lands after its name was written and
    // before its length was: both copies marked as being written (bytes 8 and 24 of the slot),
    // the name at 40. The mapping keeps every store of a killed process.
    const marked = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
    patch(join(topicDir(dir), 'readers.wrd'), 256 + 8, marked);
    patch(join(topicDir(dir), 'readers.wrd'), 256 + 24, marked);
    patch(join(topicDir(dir), 'readers.wrd'), 256 + 40, encoder.encode('s'));
    await using wal = Wal.open(dir, SMALL_BASE);
    expect(nextOf(wal, 't', 'r')?.index).toBe(5);
    expect(nextOf(wal, 't', 's')?.index).toBe(0);
  });
});
