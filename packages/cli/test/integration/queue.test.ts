import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { annal, jsonLines, startAnnal } from '../annal.js';

/** A queue of `count` text records `record <k>` (and one binary record when `binary`). */
function makeQueue(
  count: number,
  binary = false,
  checksums: 'off' | 'crc32c' = 'crc32c',
): { directory: string; indexes: number[] } {
  const directory = join(temporaryDirectory(), 'orders');
  using queue = Queue.open(directory, { blockBytes: '256 KiB', checksums });
  const appender = queue.appender();
  const indexes: number[] = [];
  for (let k = 0; k < count; k++) indexes.push(appender.appendString(`record ${k}`));
  if (binary) indexes.push(appender.appendSync(new Uint8Array([0, 1, 2, 255])));
  return { directory, indexes };
}

describe('annal on a queue', () => {
  it('ls shows the shape, the cycle files, counts and named readers; --json parses', async () => {
    const { directory, indexes } = makeQueue(5);
    {
      using queue = Queue.open(directory);
      const reader = queue.reader({ name: 'billing' });
      reader.next();
      reader.next();
    }
    const text = await annal(['ls', directory]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`queue ${directory}`);
    expect(text.stdout).toContain('5 records');
    expect(text.stdout).toContain('blocks of 256 KiB');
    expect(text.stdout).toContain('billing');

    const json = await annal(['--json', 'ls', directory]);
    expect(json.code).toBe(0);
    const [info] = jsonLines(json.stdout) as [Record<string, unknown>];
    expect(info).toMatchObject({
      kind: 'queue',
      directory,
      records: 5,
      firstIndex: indexes[0],
      lastIndex: indexes[4],
      blockBytes: 256 * 1024,
    });
    expect(info['readers']).toEqual([expect.objectContaining({ name: 'billing' })]);
  });

  it('dump prints every record in order, as text, json or hex, within --from/--to/--limit', async () => {
    const { directory, indexes } = makeQueue(4, true);
    const text = await annal(['dump', directory]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(`${indexes[0]}  8 B  "record 0"`);
    expect(lines[4]).toBe(`${indexes[4]}  4 B  0x000102ff`);

    const json = await annal([
      'dump',
      directory,
      '--format',
      'json',
      '--from',
      String(indexes[1]),
      '--limit',
      '2',
    ]);
    expect(jsonLines(json.stdout)).toEqual([
      { index: indexes[1], length: 8, payload: { text: 'record 1' } },
      { index: indexes[2], length: 8, payload: { text: 'record 2' } },
    ]);
    const binary = await annal(['--json', 'dump', directory, '--from', String(indexes[4])]);
    expect(jsonLines(binary.stdout)).toEqual([
      { index: indexes[4], length: 4, payload: { base64: 'AAEC/w==' } },
    ]);
    const ranged = await annal([
      'dump',
      directory,
      '--from',
      String(indexes[1]),
      '--to',
      String(indexes[2]),
    ]);
    expect(ranged.stdout.trimEnd().split('\n')).toHaveLength(2);

    const hex = await annal(['dump', directory, '--format', 'hex', '--limit', '1']);
    expect(hex.stdout).toBe(
      `${indexes[0]}  8 B\n  00000000  72 65 63 6f 72 64 20 30                           |record 0|\n`,
    );
  });

  it('dump --from an index the queue does not have is exit code 3 naming it', async () => {
    const { directory, indexes } = makeQueue(2);
    const run = await annal(['dump', directory, '--from', String((indexes[1] as number) + 5)]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`has no record ${(indexes[1] as number) + 5}`);
    expect(run.stdout).toBe('');
  });

  it('tail shows the last records; -n 0 none', async () => {
    const { directory, indexes } = makeQueue(20);
    const run = await annal(['tail', directory, '-n', '3']);
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual(
      [17, 18, 19].map((k) => `${indexes[k]}  ${k < 10 ? 8 : 9} B  "record ${k}"`),
    );
    expect((await annal(['tail', directory, '-n', '0'])).stdout).toBe('');
  });

  it('tail -f shows what another process appends, until Ctrl-C (exit 130)', async () => {
    const { directory } = makeQueue(2);
    const tail = startAnnal(['tail', '-f', '-n', '1', directory]);
    await tail.waitForLine((line) => line.endsWith('"record 1"'));
    {
      using queue = Queue.open(directory);
      const appender = queue.appender();
      appender.appendString('appended while following');
      await tail.waitForLine((line) => line.endsWith('"appended while following"'));
      appender.appendString('and another');
      await tail.waitForLine((line) => line.endsWith('"and another"'));
    }
    tail.child.kill('SIGINT');
    const ended = await tail.exited;
    expect(ended.code).toBe(130);
    expect(ended.stdout.match(/record 0/g)).toBeNull(); // only the last one before following
  });

  it('verify: clean is exit 0; a flipped byte in a record is exit 1 naming the file and offset', async () => {
    const { directory } = makeQueue(50);
    const clean = await annal(['verify', directory]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^ok {2}/);
    const [report] = jsonLines((await annal(['--json', 'verify', directory])).stdout) as [
      Record<string, unknown>,
    ];
    expect(report).toMatchObject({ ok: true, records: 50, problemCount: 0 });

    const file = join(
      directory,
      (await import('node:fs'))
        .readdirSync(directory)
        .find((name) => name.endsWith('.annalq')) as string,
    );
    const bytes = readFileSync(file);
    const at = bytes.indexOf('record 25');
    bytes.writeUInt8(bytes.readUInt8(at + 3) ^ 0x20, at + 3);
    writeFileSync(file, bytes);
    const damaged = await annal(['verify', directory]);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toContain('damaged');
    expect(damaged.stdout).toContain(file);
    expect(damaged.stdout).toMatch(/record \d+/);
    const [bad] = jsonLines((await annal(['--json', 'verify', directory])).stdout) as [
      { ok: boolean; problems: { path: string; offset: number }[] },
    ];
    expect(bad.ok).toBe(false);
    expect(bad.problems[0]?.path).toBe(file);
  });

  it('ls shows the damage describe() sees, and a single record as one', async () => {
    const { directory } = makeQueue(1);
    expect((await annal(['ls', directory])).stdout).toContain('  1 record, indexes');
    const name = readdirSync(directory).find((n) => n.endsWith('.annalq')) as string;
    const file = join(directory, name);
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(0) ^ 0xff, 0); // the cycle file's magic
    writeFileSync(file, bytes);
    const run = await annal(['ls', directory]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`damaged: `);
    expect(run.stdout).toContain(file);
  });

  it('verify reports a cut cycle file', async () => {
    const { directory } = makeQueue(10);
    const name = (await import('node:fs'))
      .readdirSync(directory)
      .find((n) => n.endsWith('.annalq')) as string;
    const file = join(directory, name);
    truncateSync(file, Math.floor(statSync(file).size / 3));
    const run = await annal(['verify', directory]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(name);
  });

  it('export writes NDJSON or length-prefixed binary frames, and will not overwrite without --force', async () => {
    const { directory } = makeQueue(3);
    const out = join(temporaryDirectory(), 'orders.ndjson');
    const run = await annal(['export', directory, '--to', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`exported 3 records to ${out} (ndjson)\n`);
    expect(
      jsonLines(readFileSync(out, 'utf8')).map(
        (r) => (r as { payload: { text: string } }).payload.text,
      ),
    ).toEqual(['record 0', 'record 1', 'record 2']);
    const again = await annal(['export', directory, '--to', out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('--force');

    // Never into the store, and a failed export leaves the target as it was.
    const inside = await annal([
      'export',
      directory,
      '--to',
      join(directory, 'x.annalq'),
      '--force',
    ]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toContain('inside the store');
    writeFileSync(out, 'kept');
    const failed = await annal(['export', directory, '--to', out, '--force', '--from', '999']);
    expect(failed.code).toBe(3);
    expect(readFileSync(out, 'utf8')).toBe('kept');
    expect(readdirSync(dirname(out))).toEqual(['orders.ndjson']);

    const binary = join(temporaryDirectory(), 'orders.bin');
    expect((await annal(['export', directory, '--to', binary, '--format', 'binary'])).code).toBe(0);
    const bytes = readFileSync(binary);
    expect(bytes.readUInt32LE(0)).toBe(8);
    expect(bytes.subarray(4, 12).toString()).toBe('record 0');
    expect(bytes.length).toBe(3 * (4 + 8));
  });

  it('reads while an appender holds the queue, without disturbing it', async () => {
    const { directory } = makeQueue(1);
    using queue = Queue.open(directory);
    const appender = queue.appender();
    appender.appendString('held');
    const run = await annal(['dump', directory]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"held"');
    appender.appendString('still appending');
    expect((await annal(['tail', directory, '-n', '1'])).stdout).toContain('"still appending"');
  });

  it('stats gives records, bytes and a rate per cycle file', async () => {
    const { directory } = makeQueue(7);
    const [report] = jsonLines((await annal(['--json', 'stats', directory])).stdout) as [
      {
        unit: string;
        periods: { records: number; bytes: number; perSecond: number; start: number }[];
      },
    ];
    expect(report.unit).toBe('cycle');
    expect(report.periods).toHaveLength(1);
    expect(report.periods[0]).toMatchObject({ records: 7 });
    expect(report.periods[0]?.perSecond).toBeGreaterThan(0);
    const text = await annal(['stats', directory]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('total 7 records');
  });
});
