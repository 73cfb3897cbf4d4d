import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { Wal } from '@annal/wal';
import { describe, expect, it } from 'vitest';

import { annal, jsonLines } from '../annal.js';

const SHAPE = { blockBytes: '256 KiB', checksums: 'crc32c' } as const;

/** Appends `record 0` … `record 39` to `queue`. */
function fill(queue: Queue): void {
  const appender = queue.appender();
  for (let k = 0; k < 40; k++) appender.appendString(`record ${k}`);
}

/** Flips a bit in the payload of record 25 of the queue in `directory`. */
function damage(directory: string): { file: string; bytes: Buffer } {
  const name = readdirSync(directory).find((entry) => entry.endsWith('.annalq')) as string;
  const file = join(directory, name);
  const bytes = readFileSync(file);
  const at = bytes.indexOf('record 25') + 1;
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0x02, at);
  writeFileSync(file, bytes);
  return { file, bytes };
}

/** A checksummed queue of 40 records with the payload of record 25 flipped. */
function damagedQueue(): { directory: string; file: string } {
  const directory = join(temporaryDirectory(), 'orders');
  {
    using queue = Queue.open(directory, SHAPE);
    fill(queue);
  }
  return { directory, file: damage(directory).file };
}

describe('annal repair', () => {
  it('with --yes cuts at the first damage, keeps a backup, and verify is clean after', async () => {
    const { directory, file } = damagedQueue();
    const backup = join(temporaryDirectory(), 'backup');
    const run = await annal(['repair', directory, '--yes', '--backup', backup]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`cut at ${file}`);
    expect(run.stdout).toContain('verify: ok');
    expect(existsSync(join(backup, file.slice(directory.length + 1)))).toBe(true);
    expect((await annal(['verify', directory])).code).toBe(0);
    const dumped = (await annal(['dump', directory])).stdout.trimEnd().split('\n');
    expect(dumped).toHaveLength(25);
    expect(dumped.at(-1)).toContain('"record 24"');
  });

  it('--json reports the cut, the files and the backups', async () => {
    const { directory } = damagedQueue();
    const backup = join(temporaryDirectory(), 'backup');
    const run = await annal(['--json', 'repair', directory, '--yes', '--backup', backup]);
    expect(run.code).toBe(0);
    const [report] = jsonLines(run.stdout) as [Record<string, unknown>];
    expect(report).toMatchObject({
      repaired: true,
      backupDirectory: backup,
      after: expect.objectContaining({ ok: true }) as unknown,
    });
    expect(report['backups']).toHaveLength(1);
  });

  it('a clean queue: nothing to repair, exit 0', async () => {
    const directory = join(temporaryDirectory(), 'clean');
    {
      using queue = Queue.open(directory);
      queue.appender().appendString('fine');
    }
    const run = await annal(['repair', directory, '--yes']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${directory} is clean: nothing to repair\n`);
  });

  it('without --yes and without a terminal to ask on, it refuses (exit 2) and changes nothing', async () => {
    const { directory, file } = damagedQueue();
    const before = readFileSync(file);
    const run = await annal(['repair', directory]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give --yes');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('while an appender holds the queue: exit 5, nothing changed', async () => {
    const directory = join(temporaryDirectory(), 'held');
    using queue = Queue.open(directory, SHAPE);
    fill(queue); // its appender stays open
    const { file, bytes } = damage(directory);
    const run = await annal([
      'repair',
      directory,
      '--yes',
      '--backup',
      join(temporaryDirectory(), 'b'),
    ]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(directory);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('a wal is not repaired by annal (exit 2, saying why)', async () => {
    const directory = join(temporaryDirectory(), 'wal');
    {
      await using wal = Wal.open(directory);
      wal.appendSync('t', new Uint8Array([1]));
    }
    const run = await annal(['repair', directory, '--yes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is a wal');
  });
});
