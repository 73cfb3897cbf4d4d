/**
 * Queue.repair over real damaged files: the queue is cut at its first damage, every file changed
 * or removed is in the backup directory first, verify() is clean after, and appending goes on.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';
import { flip, frameOffsetOf, textOf, threeCycles } from '../damaged-cycles.js';
import { SMALL } from '../queue-helpers.js';

const PER_CYCLE = 300;

function texts(directory: string): string[] {
  using queue = Queue.open(directory, { readOnly: true });
  const reader = queue.reader();
  const out: string[] = [];
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    out.push(record.text());
  }
  return out;
}

describe('Queue.repair', () => {
  it('cuts at the first damaged record, backing up what it changes and removes', () => {
    const { directory, files, clock } = threeCycles(PER_CYCLE, 'crc32c');
    const [, second, third] = files as [string, string, string];
    const damaged = frameOffsetOf(second, PER_CYCLE + 40);
    const originals = files.map((path) => readFileSync(path));
    flip(second, damaged + 8 + 5);
    const backupDirectory = join(temporaryDirectory(), 'backup');

    const report = Queue.repair(directory, { backupDirectory });
    expect(report.found).toHaveLength(1);
    expect(report.cut).toMatchObject({ path: second, offset: damaged });
    expect(report.changed).toEqual([second]);
    expect(report.removed).toEqual([third]);
    expect(report.backups).toEqual([
      join(backupDirectory, basename(second)),
      join(backupDirectory, basename(third)),
    ]);
    expect(readFileSync(report.backups[1] as string)).toEqual(originals[2]);
    const backedUp = readFileSync(report.backups[0] as string);
    expect(backedUp[damaged + 8 + 5]).toBe(
      ((originals[1] as Buffer)[damaged + 8 + 5] as number) ^ 0x10,
    );
    expect(report.after).toMatchObject({ ok: true, files: 2, records: PER_CYCLE + 40 });

    const kept = Array.from({ length: PER_CYCLE + 40 }, (_, n) => textOf(n));
    expect(texts(directory)).toEqual(kept);
    {
      // The queue takes appends again, after the cut.
      using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
      queue.appender().appendString('after the repair');
      expect(queue.verify().ok).toBe(true);
      expect(queue.describe().records).toBe(PER_CYCLE + 41);
    }
    expect(texts(directory)).toEqual([...kept, 'after the repair']);
    // Repairing a sound queue changes nothing.
    const again = Queue.repair(directory, { backupDirectory });
    expect(again).toMatchObject({ found: [], cut: undefined, changed: [], removed: [] });
  });

  it('clears a damaged index entry without losing a record, and removes a damaged metadata file', () => {
    const { directory, files } = threeCycles(PER_CYCLE, 'crc32c');
    const first = files[0] as string;
    const page = frameOffsetOf(first, 0) - 1032;
    flip(first, page + 8 + 4 * 2, 0x01);
    const metadata = join(directory, 'metadata.annalm');
    flip(metadata, 0);
    const report = Queue.repair(directory, { backupDirectory: temporaryDirectory() });
    expect(report.found.map((problem) => problem.path)).toEqual([first, metadata]);
    expect(report.cut).toBeUndefined();
    expect(report.changed).toEqual([first]);
    expect(report.removed).toEqual([metadata]);
    expect(report.after.ok).toBe(true);
    expect(texts(directory)).toHaveLength(3 * PER_CYCLE);
  });

  it('removes the newest file when its header is damaged', () => {
    const { directory, files } = threeCycles(PER_CYCLE, 'crc32c');
    const third = files[2] as string;
    flip(third, 12);
    const report = Queue.repair(directory, { backupDirectory: temporaryDirectory() });
    expect(report.cut).toEqual({ path: third, offset: 0, index: undefined });
    expect(report.removed).toEqual([third]);
    expect(report.after.ok).toBe(true);
    expect(texts(directory)).toHaveLength(2 * PER_CYCLE);
  });

  it('refuses while an appender holds the queue, in this process or another', async () => {
    const { directory } = threeCycles(PER_CYCLE, 'crc32c');
    const backupDirectory = temporaryDirectory();
    {
      using queue = Queue.open(directory, SMALL);
      queue.appender();
      expect(() => Queue.repair(directory, { backupDirectory })).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }),
      );
    }
    const child = spawn(process.execPath, [fixturePath('append-commanded.mjs'), directory], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve) => lines.once('line', () => resolve()));
    await ready;
    expect(() => Queue.repair(directory, { backupDirectory })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }),
    );
    child.stdin.end('exit\n');
    await new Promise((resolve) => child.once('close', resolve));
    expect(Queue.repair(directory, { backupDirectory }).after.ok).toBe(true);
  });

  it('never overwrites a backup, and refuses bad arguments with coded errors', () => {
    const { directory, files } = threeCycles(PER_CYCLE, 'crc32c');
    const third = files[2] as string;
    flip(third, frameOffsetOf(third, 2 * PER_CYCLE + 1) + 20);
    const backupDirectory = temporaryDirectory();
    writeFileSync(join(backupDirectory, basename(third)), 'older backup');
    expect(() => Queue.repair(directory, { backupDirectory })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_ALREADY_EXISTS', field: 'backupDirectory' }),
    );
    expect(readFileSync(join(backupDirectory, basename(third)), 'utf8')).toBe('older backup');
    {
      using queue = Queue.open(directory, { readOnly: true });
      expect(queue.verify().problemCount).toBe(1); // still damaged: nothing was changed
    }
    expect(() => Queue.repair(directory, { backupDirectory: directory })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'backupDirectory' }),
    );
    expect(() => Queue.repair(directory, {} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'backupDirectory' }),
    );
    expect(() => Queue.repair('', { backupDirectory })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'directory' }),
    );
    expect(() =>
      Queue.repair(join(directory, 'missing'), { backupDirectory: temporaryDirectory() }),
    ).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_NOT_FOUND' }));
  });

  it('changes nothing when a backup cannot be made: a later cycle file already in the backup directory', () => {
    const { directory, files } = threeCycles(PER_CYCLE, 'crc32c');
    const middle = files[1] as string;
    flip(middle, frameOffsetOf(middle, PER_CYCLE + 10) + 12);
    const before = files.map((path) => readFileSync(path));
    const backupDirectory = temporaryDirectory();
    writeFileSync(join(backupDirectory, basename(files[2] as string)), 'in the way');
    expect(() => Queue.repair(directory, { backupDirectory })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_ALREADY_EXISTS' }),
    );
    // Nothing cut, nothing removed: the damage is still there for verify to report.
    expect(files.map((path) => readFileSync(path))).toEqual(before);
    using queue = Queue.open(directory, { readOnly: true });
    expect(queue.verify().ok).toBe(false);
  });

  it('leaves no backup directory when it is refused (an appender holds the queue) or finds nothing to do', () => {
    const { directory } = threeCycles(PER_CYCLE, 'crc32c');
    const refused = join(temporaryDirectory(), 'refused');
    {
      using queue = Queue.open(directory, SMALL);
      queue.appender();
      expect(() => Queue.repair(directory, { backupDirectory: refused })).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }),
      );
    }
    expect(existsSync(refused)).toBe(false);
    const clean = join(temporaryDirectory(), 'clean');
    expect(Queue.repair(directory, { backupDirectory: clean }).backups).toEqual([]);
    expect(existsSync(clean)).toBe(false);
  });
});
