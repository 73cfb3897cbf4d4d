/**
 * Queues of several cycle files with known records, and the byte flips that damage them: what
 * the verify and repair tests break on purpose.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';

import { ManualClock, SMALL } from './queue-helpers.js';

/** Record `n`'s text: `record <n> `, padded to 60 bytes (unique, so it can be found). */
export function textOf(n: number): string {
  return `record ${n} `.padEnd(60, '.');
}

/**
 * Three cycle files of `perCycle` records each (`textOf(0)`, `textOf(1)`, …), rolled on a manual
 * clock; their paths, oldest first.
 */
export function threeCycles(
  perCycle: number,
  checksums: 'off' | 'crc32c',
): { directory: string; files: string[]; clock: ManualClock } {
  const directory = temporaryDirectory();
  const clock = new ManualClock();
  using queue = Queue.open(directory, { ...SMALL, clock: clock.read, checksums });
  const appender = queue.appender();
  let n = 0;
  for (let cycle = 0; cycle < 3; cycle++) {
    for (let k = 0; k < perCycle; k++) appender.appendString(textOf(n++));
    clock.advance(1000);
  }
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.annalq'))
    .sort()
    .map((name) => join(directory, name));
  return { directory, files, clock };
}

/** File offset of the frame of record `n` in `path` (its payload is unique). */
export function frameOffsetOf(path: string, n: number): number {
  const at = readFileSync(path).indexOf(Buffer.from(textOf(n)));
  if (at < 0) throw new Error(`record ${n} is not in ${path}`);
  return at - 8;
}

/** XORs the byte at `offset` of `path` with `mask`. */
export function flip(path: string, offset: number, mask = 0x10): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] as number) ^ mask;
  writeFileSync(path, bytes);
}
