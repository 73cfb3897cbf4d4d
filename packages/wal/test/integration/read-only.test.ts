/**
 * `Wal.open(directory, { readOnly: true })` alone: what it refuses, what it reads, and that it
 * writes nothing anywhere — proved by comparing the directory before and after, on a directory
 * without write permission and on a read-only bind mount.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { AnnalError } from '@annal/native';
import { Wal } from '@annal/wal';
import { runNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';

const encoder = new TextEncoder();
const SMALL = { segmentBytes: '1 MiB', sync: 'none', quiet: true } as const;

/**
 * Every file and directory under `root`: mode and mtime of directories (a file created or
 * removed changes it), mode, size and a hash of the contents of files (not their mtime: the
 * kernel may stamp it when it writes back the pages the writer stored through its mapping).
 */
function snapshot(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (path: string): void => {
    const stats = statSync(path);
    const relative = path.slice(root.length) || '/';
    if (stats.isDirectory()) {
      entries[relative] = `dir ${stats.mode} ${stats.mtimeMs}`;
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else {
      const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
      entries[relative] = `file ${stats.mode} ${stats.size} ${hash}`;
    }
  };
  walk(root);
  return entries;
}

/** A wal with plain topic `t` (5 records, a named reader at 2) and event partition `e#1`. */
async function makeWal(): Promise<string> {
  const dir = temporaryDirectory();
  await using wal = Wal.open(dir, SMALL);
  for (let n = 0; n < 5; n++) wal.appendSync('t', encoder.encode(`t ${n}`));
  const reader = wal.reader('t', { name: 'audit' });
  reader.next();
  reader.next();
  reader.close();
  wal.events('e', 1).appendSync({ type: 'x', data: { text: 'hi' } });
  return dir;
}

function thrown(action: () => unknown): AnnalError {
  try {
    action();
  } catch (error) {
    expect(AnnalError.isInstance(error), String(error)).toBe(true);
    return error as AnnalError;
  }
  throw new Error('did not throw');
}

describe('Wal.open with readOnly: true', () => {
  it('refuses every write with ERR_ANNAL_READ_ONLY, reads, and changes nothing on disk', async () => {
    const dir = await makeWal();
    const before = snapshot(dir);
    await using wal = Wal.open(dir, { ...SMALL, readOnly: true });
    // Opened by a read first: an append must still be refused, not stored into the mapping.
    expect(wal.readFrom('t', 0)).toHaveLength(5);
    const payload = encoder.encode('no');
    const readOnly = expect.objectContaining({ code: 'ERR_ANNAL_READ_ONLY', path: dir });
    expect(() => wal.appendSync('t', payload)).toThrow(readOnly);
    expect(() => wal.appendSync('new-topic', payload)).toThrow(readOnly);
    await expect(wal.append('t', payload)).rejects.toThrow(readOnly);
    expect(() => wal.appendBatchSync('t', [payload])).toThrow(readOnly);
    await expect(wal.appendBatch('t', [payload])).rejects.toThrow(readOnly);
    expect(() => wal.events('e', 1).appendSync({ type: 'x', data: { text: 'no' } })).toThrow(
      readOnly,
    );
    await expect(wal.events('e', 1).append({ type: 'x', data: { text: 'no' } })).rejects.toThrow(
      readOnly,
    );
    await expect(wal.retain()).rejects.toThrow(readOnly);
    expect(() => wal.reader('t', { name: 'audit' })).toThrow(readOnly);
    expect(thrown(() => wal.reader('t', { name: 'other' })).message).toContain('readOnly');

    // Unnamed readers, readFrom, events, names and stored places work.
    const reader = wal.reader('t');
    expect(reader.next()?.index).toBe(0);
    reader.seek(3);
    expect(reader.next()?.index).toBe(3);
    reader.close();
    expect(wal.readFrom('t', 4).map((record) => record.index)).toEqual([4]);
    expect(wal.lastIndex('t')).toBe(4);
    expect(wal.readerNames('t')).toEqual(['audit']);
    expect(wal.events('e', 1).readFrom(0, 10)).toHaveLength(1);
    expect(wal.topics()[1]?.readers).toEqual([{ name: 'audit', index: 2, lag: 3 }]);
    await wal.sync();
    wal.syncSync();
    await wal.close();
    expect(snapshot(dir)).toEqual(before);
  });

  it('a second read-only open beside it, and the owner beside both, work', async () => {
    const dir = await makeWal();
    await using first = Wal.open(dir, { ...SMALL, readOnly: true });
    await using second = Wal.open(dir, { ...SMALL, readOnly: true });
    await using owner = Wal.open(dir, SMALL);
    owner.appendSync('t', encoder.encode('t 5'));
    expect(first.lastIndex('t')).toBe(5);
    expect(second.readFrom('t', 5)[0]?.index).toBe(5);
  });

  it('a missing directory is ERR_ANNAL_NOT_FOUND naming it, and nothing is created', () => {
    const parent = temporaryDirectory();
    const missing = join(parent, 'no', 'wal');
    const error = thrown(() => Wal.open(missing, { readOnly: true }));
    expect(error).toMatchObject({ code: 'ERR_ANNAL_NOT_FOUND', path: missing });
    expect(error.message).toContain(missing);
    expect(readdirSync(parent)).toEqual([]);
  });

  it.each([
    ['an empty directory', (dir: string) => dir],
    [
      'a directory of other files',
      (dir: string) => {
        writeFileSync(join(dir, 'notes.txt'), 'x');
        return dir;
      },
    ],
    [
      'a file',
      (dir: string) => {
        writeFileSync(join(dir, 'file'), 'x');
        return join(dir, 'file');
      },
    ],
  ])('%s is not a wal: ERR_ANNAL_INVALID_ARGUMENT naming it', (_, arrange) => {
    const path = arrange(temporaryDirectory());
    const before = snapshot(path);
    const error = thrown(() => Wal.open(path, { readOnly: true }));
    expect(error).toMatchObject({ code: 'ERR_ANNAL_INVALID_ARGUMENT', path, field: 'directory' });
    expect(error.message).toContain(path);
    expect(snapshot(path)).toEqual(before);
  });

  it('a torn tail is the end of what is readable, not an error, and is left as it is', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, SMALL);
      for (let n = 0; n < 3; n++) wal.appendSync('t', encoder.encode(`t ${n}`));
    }
    // What a writer killed mid-append leaves: payload bytes after the last frame, no length word.
    const segment = join(dir, 'topics', 't', '00000000000000000000.wseg');
    const bytes = readFileSync(segment);
    const end = 4096 + 3 * 16;
    bytes.fill(0x5a, end + 8, end + 40);
    writeFileSync(segment, bytes);
    const before = snapshot(dir);
    await using wal = Wal.open(dir, { ...SMALL, readOnly: true });
    expect(wal.readFrom('t', 0).map((record) => record.index)).toEqual([0, 1, 2]);
    expect(wal.lastIndex('t')).toBe(2);
    const report = wal.verify();
    expect(report).toMatchObject({ ok: true, problemCount: 0, records: 3 });
    expect(report.tornTailBytes).toBe(40);
    await wal.close();
    expect(snapshot(dir)).toEqual(before);
  });

  it('a damaged frame a read reaches is ERR_ANNAL_CORRUPT naming the file and offset', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, SMALL);
      for (let n = 0; n < 3; n++) wal.appendSync('t', encoder.encode(`t ${n}`));
    }
    const segment = join(dir, 'topics', 't', '00000000000000000000.wseg');
    const bytes = readFileSync(segment);
    bytes[4096 + 16 + 8] = (bytes[4096 + 16 + 8] as number) ^ 0x01; // record 1's payload
    writeFileSync(segment, bytes);
    await using wal = Wal.open(dir, { ...SMALL, readOnly: true });
    expect(wal.readFrom('t', 0)).toHaveLength(1);
    const error = thrown(() => wal.readFrom('t', 1));
    expect(error).toMatchObject({ code: 'ERR_ANNAL_CORRUPT', path: segment, offset: 4096 + 16 });
  });

  it('in a directory without write permission it reads and writes nothing (root may write: the snapshot proves it did not)', async () => {
    const dir = await makeWal();
    const directories = [
      dir,
      join(dir, 'topics'),
      join(dir, 'topics', 't'),
      join(dir, 'topics', 'e~1'),
    ];
    for (const path of directories) chmodSync(path, 0o555);
    try {
      const before = snapshot(dir);
      await using wal = Wal.open(dir, { ...SMALL, readOnly: true });
      expect(wal.readFrom('t', 0)).toHaveLength(5);
      expect(wal.topics().map((t) => [t.topic, t.partition, t.records])).toEqual([
        ['e', 1, 1],
        ['t', undefined, 5],
      ]);
      expect(wal.verify().ok).toBe(true);
      expect(() => wal.appendSync('t', encoder.encode('x'))).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_READ_ONLY' }),
      );
      await wal.close();
      expect(snapshot(dir)).toEqual(before);
      if (process.getuid?.() !== 0) {
        // Only root may still write there: anyone else cannot even open it to write.
        expect(() => Wal.open(dir, SMALL)).toThrow(
          expect.objectContaining({ code: 'ERR_ANNAL_PERMISSION' }),
        );
      }
    } finally {
      for (const path of directories) chmodSync(path, 0o755);
    }
  });

  it('on a read-only file system (a read-only bind mount) it reads, and appends are ERR_ANNAL_READ_ONLY', async () => {
    const source = temporaryDirectory();
    const wal = join(source, 'wal');
    mkdirSync(wal);
    {
      await using owner = Wal.open(wal, SMALL);
      for (let n = 0; n < 4; n++) owner.appendSync('t', encoder.encode(`t ${n}`));
    }
    const mountPoint = temporaryDirectory();
    const result = await runNode(fixturePath('wal-inspect-child.mjs'), [join(mountPoint, 'wal')], {
      shellPrefix: `mount --bind '${source}' '${mountPoint}' && mount -o remount,bind,ro '${mountPoint}'`,
      unshare: true,
    });
    const line = result.stdout.trim().split('\n').at(-1) ?? '';
    expect(line, result.stderr).not.toBe('');
    expect(JSON.parse(line)).toEqual({
      records: 4,
      topics: [['t', 4, 0]],
      ok: true,
      append: 'ERR_ANNAL_READ_ONLY',
    });
  });
});
