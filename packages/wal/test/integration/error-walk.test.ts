/**
 * Walks the file-system states a user can put a wal's directory in, and checks that every
 * error that comes out is an AnnalError with a code and the path (docs/errors.md promises no
 * Node error escapes).
 */
import { mkdirSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { AnnalError } from '@annal/native';
import { Wal } from '@annal/wal';
import { runNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';

const SMALL = { segmentBytes: '1 MiB', maxPayloadBytes: '64 KiB', sync: 'none' } as const;

/** A wal in a fresh directory with topic "t" (two segments) and named reader "r". */
function prepared(): string {
  const dir = temporaryDirectory();
  const wal = Wal.open(dir, SMALL);
  for (let n = 0; n < 40; n++) wal.appendSync('t', new Uint8Array(60_000));
  wal.reader('t', { name: 'r' }).close();
  wal.closeSync();
  return dir;
}

const topic = (dir: string): string => join(dir, 'topics', 't');
const segmentsOf = (dir: string): string[] =>
  readdirSync(topic(dir))
    .filter((name) => name.endsWith('.wseg'))
    .sort()
    .map((name) => join(topic(dir), name));

/** Each case damages a prepared directory, then uses the wal as a user would. */
const cases: readonly [string, (dir: string) => void, (wal: Wal) => unknown][] = [
  [
    'topics/t is a file',
    (dir) => {
      rmSync(topic(dir), { recursive: true });
      writeFileSync(topic(dir), 'x');
    },
    (wal) => wal.appendSync('t', new Uint8Array(1)),
  ],
  [
    'readers.wrd is a directory',
    (dir) => {
      rmSync(join(topic(dir), 'readers.wrd'));
      mkdirSync(join(topic(dir), 'readers.wrd'));
    },
    (wal) => wal.reader('t', { name: 'r' }).next(),
  ],
  [
    'readers.wrd is empty',
    (dir) => truncateSync(join(topic(dir), 'readers.wrd'), 0),
    (wal) => wal.readerNames('t'),
  ],
  [
    'the last segment is a directory',
    (dir) => {
      const last = segmentsOf(dir).at(-1) as string;
      rmSync(last);
      mkdirSync(last);
    },
    (wal) => wal.lastIndex('t'),
  ],
  [
    'the first segment is empty',
    (dir) => truncateSync(segmentsOf(dir)[0] as string, 0),
    (wal) => wal.readFrom('t', 0),
  ],
  [
    'the first segment is cut inside its header',
    (dir) => truncateSync(segmentsOf(dir)[0] as string, 100),
    (wal) => wal.reader('t').next(),
  ],
];

describe('no Node error escapes', () => {
  it.each(cases)('%s', (_, damage, use) => {
    const dir = prepared();
    damage(dir);
    let error: unknown;
    let wal: Wal | undefined;
    try {
      wal = Wal.open(dir, SMALL);
      use(wal);
    } catch (caught) {
      error = caught;
    } finally {
      wal?.closeSync();
    }
    expect(error, 'the damage went unnoticed').toBeDefined();
    expect(AnnalError.isInstance(error), String(error)).toBe(true);
    expect((error as AnnalError).path).toEqual(expect.stringContaining(dir));
  });

  it.each([
    ['a file', (dir: string) => writeFileSync(join(dir, 'wal'), 'x'), 'wal'],
    ['a path through a file', (dir: string) => writeFileSync(join(dir, 'file'), 'x'), 'file/wal'],
    ['topics is a file', (dir: string) => writeFileSync(join(dir, 'topics'), 'x'), ''],
    ['wal.lock is a directory', (dir: string) => mkdirSync(join(dir, 'wal.lock')), ''],
  ])('opening where %s is in the way names the path', (_, arrange, under) => {
    const dir = temporaryDirectory();
    arrange(dir);
    let error: unknown;
    try {
      Wal.open(join(dir, under)).closeSync();
    } catch (caught) {
      error = caught;
    }
    expect(AnnalError.isInstance(error), String(error)).toBe(true);
    expect((error as AnnalError).path).toEqual(expect.stringContaining(dir));
  });

  it('says a read-only file system is read-only, naming the path, not that it is missing', async () => {
    const root = temporaryDirectory();
    const result = await runNode(fixturePath('wal-read-only.mjs'), [root], {
      shellPrefix: `mount -t tmpfs -o ro tmpfs '${root}'`,
      unshare: true,
    });
    const line = result.stdout.trim().split('\n').at(-1) ?? '';
    expect(line, result.stderr).not.toBe('');
    const outcomes = JSON.parse(line) as {
      annal: boolean;
      code: string;
      path: string;
      message: string;
    }[];
    expect(outcomes).toHaveLength(2);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ annal: true, code: 'ERR_ANNAL_READ_ONLY' });
      expect(outcome.path.startsWith(root)).toBe(true);
      expect(outcome.message).toContain('read-only file system');
    }
  });
});

describe('a directory that cannot be made', () => {
  it('under /proc is a coded error naming it, not a hang (Node 20 recursive mkdir loops there)', () => {
    expect(() => Wal.open('/proc/annal-no-such/wal')).toThrow(
      expect.objectContaining({
        code: 'ERR_ANNAL_NOT_FOUND',
        path: expect.stringContaining('/proc/annal-no-such'),
      }),
    );
  });
});
