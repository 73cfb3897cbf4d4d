/**
 * A reader checks the checksums of a run of records ahead of it in one call
 * (read-ahead-check.ts): in the mapping (mmap backend), or in the window of the file it read
 * (fd backend). A record damaged inside such a run, or in a later window, must still be met
 * exactly where it is: every record before it handed out, then the coded error, never its bytes.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Wal } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const textOf = (n: number): string => `record ${n} `.padEnd(48, '.');

/** Every file under `directory`, recursively. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Flips a bit of record `n`'s payload in whichever segment file holds it. */
function damage(directory: string, n: number): void {
  const needle = Buffer.from(textOf(n));
  for (const path of filesUnder(directory)) {
    const bytes = readFileSync(path);
    const at = bytes.indexOf(needle);
    if (at < 0) continue;
    bytes[at + 3] = (bytes[at + 3] as number) ^ 0x04;
    writeFileSync(path, bytes);
    return;
  }
  throw new Error(`record ${n} is in no file`);
}

const BACKENDS = ['mmap', 'fd'] as const;

describe.each(BACKENDS)('a reader checking checksums ahead (%s backend)', (backend) => {
  // 3,000 records of 64-byte frames span several of the fd backend's 64 KiB windows: record
  // 37 is in the first run checked, 1,500 in a later window, 2,990 in the last.
  it.each([37, 1500, 2990])(
    'hands out every record before a damaged one (record %i), then reports it',
    async (damaged) => {
      const directory = temporaryDirectory();
      const wal = Wal.open(directory, { backend, sync: 'none', quiet: true });
      try {
        for (let n = 0; n < 3000; n++) wal.appendSync('t', encoder.encode(textOf(n)));
        // In the file (the fd backend stages appends in memory until then).
        await wal.sync();
        // Written through the file: a mapping shares its pages, as another process's write would.
        damage(directory, damaged);
        const reader = wal.reader('t');
        const texts: string[] = [];
        let error: unknown;
        try {
          while (reader.poll((record) => texts.push(decoder.decode(record.copy())), 1000) > 0);
        } catch (caught) {
          error = caught;
        }
        expect(texts).toEqual(Array.from({ length: damaged }, (_, n) => textOf(n)));
        expect(error).toMatchObject({ code: 'ERR_ANNAL_CORRUPT', index: damaged });
        reader.close();
      } finally {
        await wal.close();
      }
    },
  );

  it('reads records appended after a checked run, and batches, as written', async () => {
    const directory = temporaryDirectory();
    const wal = Wal.open(directory, { backend, sync: 'none', quiet: true });
    try {
      const reader = wal.reader('t');
      const texts: string[] = [];
      let written = 0;
      for (let round = 0; round < 6; round++) {
        for (let k = 0; k < 1 + round * 9; k++)
          wal.appendSync('t', encoder.encode(textOf(written++)));
        wal.appendBatchSync('t', [
          encoder.encode(textOf(written++)),
          encoder.encode(textOf(written++)),
        ]);
        while (reader.poll((record) => texts.push(decoder.decode(record.copy())), 7) > 0);
      }
      expect(texts).toEqual(Array.from({ length: written }, (_, n) => textOf(n)));
      reader.close();
    } finally {
      await wal.close();
    }
  });
});
