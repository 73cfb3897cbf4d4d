/**
 * With the mmap backend a reader checks the checksums of a run of records ahead of it in one
 * call (read-ahead-check.ts). A record damaged inside such a run must still be met exactly
 * where it is: every record before it handed out, then the coded error, never its bytes.
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

describe('a reader checking checksums ahead (mmap backend)', () => {
  it('hands out every record before a damaged one in the middle of a run, then reports it', async () => {
    const directory = temporaryDirectory();
    const wal = Wal.open(directory, { sync: 'none', quiet: true });
    try {
      for (let n = 0; n < 200; n++) wal.appendSync('t', encoder.encode(textOf(n)));
      // Written through the file: the mapping shares its pages, as another process's write would.
      damage(directory, 37);
      const reader = wal.reader('t');
      const texts: string[] = [];
      let error: unknown;
      try {
        while (reader.poll((record) => texts.push(decoder.decode(record.copy())), 1000) > 0);
      } catch (caught) {
        error = caught;
      }
      expect(texts).toEqual(Array.from({ length: 37 }, (_, n) => textOf(n)));
      expect(error).toMatchObject({ code: 'ERR_ANNAL_CORRUPT', index: 37 });
      reader.close();
    } finally {
      await wal.close();
    }
  });

  it('reads records appended after a checked run, and batches, as written', async () => {
    const directory = temporaryDirectory();
    const wal = Wal.open(directory, { sync: 'none', quiet: true });
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
