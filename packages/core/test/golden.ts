import { readdirSync } from 'node:fs';
import { Queue } from '@annal/core';

/** The clock of the golden queue: 2026-11-22T00:00:00Z, fixed. */
export const GOLDEN_NOW = Date.UTC(2026, 10, 22);

/** The records of the golden queue: lengths 0–99 cycling, and bytes derived from the number. */
export function goldenRecord(n: number): Uint8Array {
  const length = (n * 53) % 100;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (n + i * 13) & 0xff;
  return bytes;
}

/** How many records the golden queue holds: enough for ten index pages and two blocks. */
export const GOLDEN_RECORDS = 1200;

/**
 * Writes the golden queue into `directory` (checksums on, 64 KiB blocks, TEST_SECONDLY with an
 * index of 32 entries every 4 records, so pages and blocks both repeat in a small file), exactly
 * as the committed fixture was made. Returns the cycle file's name.
 */
export function writeGoldenQueue(directory: string): string {
  const queue = Queue.open(directory, {
    blockBytes: '64 KiB',
    rollCycle: 'TEST_SECONDLY',
    checksums: 'crc32c',
    indexCount: 32,
    indexSpacing: 4,
    clock: () => GOLDEN_NOW,
  });
  const appender = queue.appender();
  for (let n = 0; n < GOLDEN_RECORDS; n++) appender.appendSync(goldenRecord(n));
  queue.close();
  const name = readdirSync(directory).find((entry) => entry.endsWith('.annalq'));
  if (name === undefined) throw new Error('the golden queue has no cycle file');
  return name;
}
