import {
  closeSync,
  existsSync,
  mkdirSync,
  readFileSync,
  openSync,
  readSync,
  readdirSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

import { Wal, type WalRecord, type WalOptions } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { afterEach, describe, expect, it } from 'vitest';

import { SEGMENT_HEADER_BYTES } from '../../src/layout.js';
import { nextOf, pollOf } from '../read-helpers.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BACKENDS = ['mmap', 'fd'] as const;

/** 1 MiB segments of 1,000-byte entries: 1,036 entries a segment, frame k at 4096 + 1008 k. */
const SMALL_BASE = {
  segmentBytes: '1 MiB',
  maxPayloadBytes: '64 KiB',
  maxBatchBytes: '256 KiB',
  sync: 'none',
} as const;
const PER_SEGMENT = 1036;
const frameAt = (k: number): number => 4096 + 1008 * k;

const entry = (n: number): Uint8Array => encoder.encode(`entry ${n} `.padEnd(1000, '.'));
const topicDir = (dir: string): string => join(dir, 'topics', 't');
const segments = (dir: string): string[] =>
  readdirSync(topicDir(dir))
    .filter((name) => name.endsWith('.wseg'))
    .sort();
const cutFiles = (dir: string): string[] =>
  existsSync(join(topicDir(dir), 'cut')) ? readdirSync(join(topicDir(dir), 'cut')).sort() : [];

function readAll(wal: Wal, from = 0): WalRecord[] {
  const all: WalRecord[] = [];
  for (;;) {
    const page = wal.readFrom('t', from + all.length, { maxRecords: 4096, maxBytes: 1 << 30 });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

function patch(path: string, position: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, position);
  closeSync(fd);
}

async function written(options: WalOptions, count: number): Promise<string> {
  const dir = temporaryDirectory();
  await using wal = Wal.open(dir, options);
  for (let n = 0; n < count; n++) wal.appendSync('t', entry(n));
  return dir;
}

/** Warnings the process emitted during a test (ANNAL_WAL_RECOVERY). */
const warnings: Error[] = [];
const listener = (warning: Error): void => {
  warnings.push(warning);
};
process.on('warning', listener);
afterEach(() => {
  warnings.length = 0;
});

describe.each(BACKENDS)('opening a topic after a crash or damage (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;

  it('keeps a middle segment whose header is zeroed, reports it when read, and every other entry stays reachable', async () => {
    const dir = await written(SMALL, 3500);
    const files = segments(dir);
    expect(files).toHaveLength(4);
    patch(join(topicDir(dir), files[1] as string), 0, new Uint8Array(4096));
    await using wal = Wal.open(dir, SMALL);
    expect(wal.lastIndex('t')).toBe(3499);
    expect(segments(dir)).toEqual(files);
    // A batch stops before the damage; the next read reports it.
    expect(wal.readFrom('t', 0, { maxRecords: 5000, maxBytes: 1 << 30 })).toHaveLength(PER_SEGMENT);
    const named = pollOf(wal, 't', 'r', 5000);
    expect(named).toHaveLength(PER_SEGMENT);
    expect(() => nextOf(wal, 't', 'r')).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT' }),
    );
    expect(() => wal.readFrom('t', PER_SEGMENT, { maxRecords: 1 })).toThrow(
      expect.objectContaining({
        code: 'ERR_ANNAL_CORRUPT',
        path: join(topicDir(dir), files[1] as string),
      }),
    );
    const after = readAll(wal, 2 * PER_SEGMENT);
    expect(after.map((read) => read.index)).toEqual(
      Array.from({ length: 3500 - 2 * PER_SEGMENT }, (_, k) => 2 * PER_SEGMENT + k),
    );
    expect(wal.appendSync('t', entry(3500))).toBe(3500);
    expect(warnings).toEqual([]);
  });

  it('removes a last segment whose header never reached the disk when it holds nothing', async () => {
    const dir = await written(SMALL, 100);
    const orphan = join(topicDir(dir), `${'100'.padStart(20, '0')}.wseg`);
    writeFileSync(orphan, new Uint8Array(1024 * 1024));
    await using wal = Wal.open(dir, SMALL);
    expect(wal.lastIndex('t')).toBe(99);
    expect(segments(dir)).toEqual([`${'0'.padStart(20, '0')}.wseg`]);
    expect(warnings.map((warning) => (warning as { code?: string }).code)).toEqual([
      'ANNAL_WAL_RECOVERY',
    ]);
    expect(wal.appendSync('t', entry(100))).toBe(100);
  });

  it("reports such a segment when something was written in it, and under 'truncate' moves it to cut/, never deleting it", async () => {
    const dir = await written(SMALL, 1100);
    const [first, second] = segments(dir) as [string, string];
    // A power loss that kept the new segment's frames but not its header.
    patch(join(topicDir(dir), second), 0, new Uint8Array(44));
    // Under 'stop' it is reported: a header zeroed by damage would look the same.
    const stopped = Wal.open(dir, SMALL);
    try {
      expect(() => stopped.lastIndex('t')).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: join(topicDir(dir), second) }),
      );
    } finally {
      await stopped.close();
    }
    await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
    expect(wal.lastIndex('t')).toBe(PER_SEGMENT - 1);
    expect(segments(dir)).toEqual([first]);
    expect(cutFiles(dir)).toEqual([
      expect.stringMatching(new RegExp(`^\\d{8}T\\d{9}Z-${second}$`)),
    ]);
    expect(String(warnings[0]?.message)).toMatch(/moved to .*cut/);
    // Appends go on after the last entry of the sealed segment, in a new one.
    expect(wal.appendSync('t', entry(PER_SEGMENT))).toBe(PER_SEGMENT);
    expect(readAll(wal)).toHaveLength(PER_SEGMENT + 1);
  });

  describe('a segment after an old one whose tail never reached the disk (power loss at a roll)', () => {
    /** 1,100 entries; then the old segment loses entries 1,030… and its end frame. */
    async function withHole(): Promise<{ dir: string; first: string; second: string }> {
      const dir = await written(SMALL, 1100);
      const [first, second] = segments(dir) as [string, string];
      patch(join(topicDir(dir), first), frameAt(1030), new Uint8Array(1024 * 1024 - frameAt(1030)));
      return { dir, first, second };
    }

    it("under onCorrupt 'stop', is reported naming the old segment and where its hole is", async () => {
      const { dir, first } = await withHole();
      const wal = Wal.open(dir, SMALL);
      try {
        expect(() => wal.lastIndex('t')).toThrow(
          expect.objectContaining({
            code: 'ERR_ANNAL_CORRUPT',
            path: join(topicDir(dir), first),
            offset: frameAt(1030),
            message: expect.stringMatching(
              /never reached the disk.*onCorrupt: 'truncate'/,
            ) as unknown,
          }),
        );
      } finally {
        await wal.close();
      }
      // Nothing was touched.
      expect(segments(dir)).toHaveLength(2);
      expect(cutFiles(dir)).toEqual([]);
    });

    it("under 'truncate', goes on from the last whole entry before the hole, keeping copies of what it cut", async () => {
      const { dir, first, second } = await withHole();
      await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
      expect(wal.lastIndex('t')).toBe(1029);
      expect(segments(dir)).toEqual([first]);
      expect(
        cutFiles(dir)
          .map((name) => name.slice(name.indexOf('-') + 1))
          .sort(),
      ).toEqual([first, second].sort());
      expect(warnings).toHaveLength(1);
      expect(wal.appendSync('t', entry(1030))).toBe(1030);
      const all = readAll(wal);
      expect(all).toHaveLength(1031);
      all.forEach((read, n) => expect(decoder.decode(read.payload)).toBe(decoder.decode(entry(n))));
    });
  });

  it("reports data past the end that no crash can leave (a hole before it), and under 'truncate' zeroes it after a copy", async () => {
    const dir = await written(SMALL, 600);
    const [file] = segments(dir) as [string];
    const path = join(topicDir(dir), file);
    // Pages written back out of order before a power loss: a hole, then older frames.
    patch(path, frameAt(100), new Uint8Array(frameAt(200) - frameAt(100)));
    const stopped = Wal.open(dir, SMALL);
    try {
      expect(() => stopped.lastIndex('t')).toThrow(
        expect.objectContaining({
          code: 'ERR_ANNAL_CORRUPT',
          path,
          index: 100,
          message: expect.stringMatching(
            /past the end of the log at byte \d+ \(index 100\)/,
          ) as unknown,
        }),
      );
    } finally {
      await stopped.close();
    }
    await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
    expect(wal.lastIndex('t')).toBe(99);
    expect(cutFiles(dir)).toHaveLength(1);
    for (let n = 100; n < 400; n++) expect(wal.appendSync('t', entry(n))).toBe(n);
    const all = readAll(wal);
    expect(all).toHaveLength(400);
    all.forEach((read, n) => expect(decoder.decode(read.payload)).toBe(decoder.decode(entry(n))));
  });

  it('a named reader stored past the end after a cut goes on from the end, reading the new entries', async () => {
    const dir = await written(SMALL, 300);
    {
      await using wal = Wal.open(dir, SMALL);
      expect(pollOf(wal, 't', 'r', 250)).toHaveLength(250);
    }
    const [file] = segments(dir) as [string];
    patch(join(topicDir(dir), file), frameAt(200) + 20, Uint8Array.of(0x55));
    await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
    expect(wal.lastIndex('t')).toBe(199);
    expect(
      warnings.some((warning) =>
        warning.message.includes('named reader "r" had read to index 250'),
      ),
    ).toBe(true);
    for (let n = 200; n < 260; n++) wal.appendSync('t', entry(n));
    expect(nextOf(wal, 't', 'r')?.index).toBe(200);
  });

  it("under 'truncate', gives a last segment cut short its length back and keeps every whole entry before the cut", async () => {
    const dir = await written(SMALL, 200);
    const [file] = segments(dir) as [string];
    const path = join(topicDir(dir), file);
    truncateSync(path, frameAt(150) + 500);
    await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
    expect(wal.lastIndex('t')).toBe(149);
    expect(statSync(path).size).toBe(1024 * 1024);
    expect(cutFiles(dir)).toHaveLength(1);
    expect(statSync(join(topicDir(dir), 'cut', cutFiles(dir)[0] as string)).size).toBe(
      frameAt(150) + 500,
    );
    expect(wal.appendSync('t', entry(150))).toBe(150);
    expect(readAll(wal)).toHaveLength(151);
  });

  it("under 'truncate', keeps a copy of a segment before cutting a bad entry out of it", async () => {
    const dir = await written(SMALL, 200);
    const [file] = segments(dir) as [string];
    const path = join(topicDir(dir), file);
    const byte = new Uint8Array(1);
    const fd = openSync(path, 'r');
    readSync(fd, byte, 0, 1, frameAt(120) + 20);
    closeSync(fd);
    patch(path, frameAt(120) + 20, Uint8Array.of((byte[0] as number) ^ 1));
    await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
    expect(wal.lastIndex('t')).toBe(119);
    expect(cutFiles(dir)).toHaveLength(1);
    // The copy still holds the cut entries (and the bad byte) as they were.
    const copy = join(topicDir(dir), 'cut', cutFiles(dir)[0] as string);
    const kept = new Uint8Array(16);
    const read = openSync(copy, 'r');
    readSync(read, kept, 0, 16, frameAt(150) + 8);
    closeSync(read);
    expect(decoder.decode(kept)).toBe('entry 150 ......');
  });

  it('says what it cut synchronously, before the call that opened the topic returns; quiet says nothing', async () => {
    const dir = await written(SMALL, 10);
    writeFileSync(join(topicDir(dir), `${'10'.padStart(20, '0')}.wseg`), new Uint8Array(4096));
    {
      await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
      expect(warnings).toHaveLength(0);
      expect(wal.lastIndex('t')).toBe(9);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ name: 'Warning', code: 'ANNAL_WAL_RECOVERY' });
    }
    writeFileSync(join(topicDir(dir), `${'10'.padStart(20, '0')}.wseg`), new Uint8Array(4096));
    await using wal = Wal.open(dir, { ...SMALL, quiet: true });
    expect(wal.lastIndex('t')).toBe(9);
    expect(warnings).toHaveLength(1);
  });
});

describe.each(BACKENDS)('whole files that are not what they claim (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;
  const second = `${String(PER_SEGMENT).padStart(20, '0')}.wseg`;
  const garbage = (bytes: number): Uint8Array => {
    const out = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) out[i] = (i * 2654435761) >>> 24;
    return out;
  };

  it.each([
    ['random bytes', () => garbage(1024 * 1024)],
    [
      'a copy of the first segment',
      (dir: string) => readFileSync(join(topicDir(dir), segments(dir)[0] as string)),
    ],
    [
      'a header and nothing else',
      (dir: string) =>
        readFileSync(join(topicDir(dir), segments(dir)[0] as string)).subarray(
          0,
          SEGMENT_HEADER_BYTES,
        ),
    ],
  ])(
    "a last segment that is %s: reported under 'stop'; under 'truncate' moved to cut/ and the log goes on before it",
    async (_, contents) => {
      const dir = await written(SMALL, PER_SEGMENT + 10);
      const path = join(topicDir(dir), second);
      writeFileSync(path, contents(dir));
      const stopped = Wal.open(dir, SMALL);
      try {
        expect(() => stopped.lastIndex('t')).toThrow(
          expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path }),
        );
      } finally {
        await stopped.close();
      }
      await using wal = Wal.open(dir, { ...SMALL, onCorrupt: 'truncate' });
      expect(wal.lastIndex('t')).toBe(PER_SEGMENT - 1);
      expect(cutFiles(dir).some((name) => name.endsWith(second))).toBe(true);
      expect(readAll(wal)).toHaveLength(PER_SEGMENT);
      expect(wal.appendSync('t', entry(PER_SEGMENT))).toBe(PER_SEGMENT);
    },
  );

  it('an empty last segment file holds nothing: removed with a warning', async () => {
    const dir = await written(SMALL, PER_SEGMENT + 10);
    writeFileSync(join(topicDir(dir), second), new Uint8Array(0));
    await using wal = Wal.open(dir, SMALL);
    expect(wal.lastIndex('t')).toBe(PER_SEGMENT - 1);
    expect(warnings).toHaveLength(1);
  });

  it('a middle segment replaced by a copy of another is reported when read, never read as its entries', async () => {
    const dir = await written(SMALL, 2 * PER_SEGMENT + 10);
    const [first, middle] = segments(dir) as [string, string];
    writeFileSync(join(topicDir(dir), middle), readFileSync(join(topicDir(dir), first)));
    await using wal = Wal.open(dir, SMALL);
    expect(wal.lastIndex('t')).toBe(2 * PER_SEGMENT + 9);
    expect(readAll(wal, 2 * PER_SEGMENT)).toHaveLength(10);
    expect(() => wal.readFrom('t', PER_SEGMENT, { maxRecords: 1 })).toThrow(
      expect.objectContaining({
        code: 'ERR_ANNAL_CORRUPT',
        message: expect.stringMatching(/first index 0, the file name 1036/) as unknown,
      }),
    );
  });

  it('stray files and directories in a topic are ignored', async () => {
    const dir = await written(SMALL, 20);
    writeFileSync(join(topicDir(dir), 'notes.txt'), 'hello');
    writeFileSync(join(topicDir(dir), '12.wseg'), garbage(100));
    writeFileSync(join(topicDir(dir), `${'x'.repeat(20)}.wseg`), garbage(100));
    mkdirSync(join(topicDir(dir), 'cut'), { recursive: true });
    await using wal = Wal.open(dir, SMALL);
    expect(wal.lastIndex('t')).toBe(19);
    expect(readAll(wal)).toHaveLength(20);
    expect(wal.appendSync('t', entry(20))).toBe(20);
  });

  it.each([
    ['empty', () => new Uint8Array(0)],
    ['random', () => garbage(65536)],
    ['cut', (old: Uint8Array) => old.subarray(0, 1000)],
  ])(
    'a readers table that is %s: named readers report it, appends and reads by index go on',
    async (_, contents) => {
      const dir = await written(SMALL, 20);
      {
        await using wal = Wal.open(dir, SMALL);
        pollOf(wal, 't', 'r', 5);
      }
      const path = join(topicDir(dir), 'readers.wrd');
      writeFileSync(path, contents(readFileSync(path)));
      await using wal = Wal.open(dir, SMALL);
      expect(() => nextOf(wal, 't', 'r')).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path }),
      );
      expect(wal.appendSync('t', entry(20))).toBe(20);
      expect(readAll(wal)).toHaveLength(21);
    },
  );
});

describe('options', () => {
  it('refuses maxPayloadBytes 0', () => {
    expect(() => Wal.open(temporaryDirectory(), { maxPayloadBytes: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION' }),
    );
  });
});
