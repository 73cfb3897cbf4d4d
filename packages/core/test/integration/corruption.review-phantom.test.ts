import { closeSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Channel, Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL } from '../queue-helpers.js';

function flipBit30(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, new Uint8Array(new Int32Array([0x40000000]).buffer), 0, 4, offset); // the free word was 0
  closeSync(fd);
}

it('queue, checksums on: one flipped bit in the free word of an empty cycle is not a record', () => {
  const directory = temporaryDirectory();
  const shape = { ...SMALL, indexCount: 8, indexSpacing: 4, checksums: 'crc32c' as const };
  {
    using queue = Queue.open(directory, { ...shape, clock: new ManualClock().read });
    queue.appender(); // creates the cycle file, appends nothing
  }
  const name = readdirSync(directory).find((entry) => entry.endsWith('.annalq'))!;
  flipBit30(join(directory, name), 4096); // data position 0
  using queue = Queue.open(directory, { ...shape, clock: new ManualClock().read });
  let record: unknown;
  let code: string | undefined;
  try {
    record = queue.reader().next()?.copy();
  } catch (error) {
    code = (error as { code?: string }).code;
  }
  expect({ record, code }).not.toEqual({ record: new Uint8Array(0), code: undefined });
});

it('channel, checksums on: one flipped bit in the first free word is not a record', () => {
  const path = join(temporaryDirectory(), 'c.annalc');
  const writer = Channel.create(path, { capacity: '64 KiB' });
  flipBit30(path, 128);
  const reader = Channel.open(path);
  let record: unknown;
  try {
    record = reader.next()?.copy();
  } catch (error) {
    record = (error as { code?: string }).code;
  }
  expect(record).toBe('ERR_ANNAL_CORRUPT');
  reader.close();
  writer.close();
});
