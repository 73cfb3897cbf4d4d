import { execFileSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Channel, type ChannelReader } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';

import { CHANNEL_HEADER_BYTES } from '../../src/layout.js';

const CAPACITY = 65536;
const HEADER_BYTES = CHANNEL_HEADER_BYTES;

const coded = (code: string, extra: Record<string, unknown> = {}): unknown =>
  expect.objectContaining({ code, ...extra });

/** A closed channel of `count` records, payload n = [n, n, n] (n = 0: empty). */
function closedChannel(count: number, options: { checksums?: 'off' | 'crc32c' } = {}): string {
  const path = join(temporaryDirectory(), 'test.channel');
  using writer = Channel.create(path, { capacity: CAPACITY, ...options });
  for (let n = 0; n < count; n++) writer.write(new Uint8Array(n === 0 ? 0 : 3).fill(n));
  return path;
}

function readAll(reader: ChannelReader): number[][] {
  const records: number[][] = [];
  for (const record of reader) records.push([...record.payload]);
  return records;
}

function patch(path: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

describe('Channel.open refuses what is not a channel file', () => {
  it('refuses a FIFO before opening it (opening one for reading would block for ever)', () => {
    const path = join(temporaryDirectory(), 'pipe.channel');
    execFileSync('mkfifo', [path]);
    expect(() => Channel.open(path)).toThrow(
      coded('ERR_ANNAL_INVALID_ARGUMENT', { path, field: 'path' }),
    );
    expect(() => Channel.open(path)).toThrow(/not a regular file \(a FIFO\)/);
  });

  it('refuses a directory, a missing file and a path that is not a string', () => {
    const directory = join(temporaryDirectory(), 'a-directory');
    mkdirSync(directory);
    expect(() => Channel.open(directory)).toThrow(coded('ERR_ANNAL_INVALID_ARGUMENT'));
    expect(() => Channel.open(join(directory, 'missing'))).toThrow(coded('ERR_ANNAL_NOT_FOUND'));
    expect(() => Channel.open(42 as never)).toThrow(coded('ERR_ANNAL_INVALID_ARGUMENT'));
  });

  it.each([0, 1, 60, 127, 128, 1059, 65_656, 65_663])(
    'a channel file cut to %i bytes is ERR_ANNAL_CORRUPT naming the file',
    (size) => {
      const path = closedChannel(5);
      truncateSync(path, size);
      expect(() => Channel.open(path)).toThrow(coded('ERR_ANNAL_CORRUPT', { path }));
    },
  );

  it('a channel file grown past its capacity is ERR_ANNAL_CORRUPT', () => {
    const path = closedChannel(5);
    truncateSync(path, HEADER_BYTES + CAPACITY + 8);
    expect(() => Channel.open(path)).toThrow(coded('ERR_ANNAL_CORRUPT', { path, field: 'size' }));
    expect(() => Channel.open(path)).toThrow(/size disagrees with the capacity in its header/);
  });
});

describe('ChannelWriter#write refuses what is not bytes', () => {
  const notBytes: readonly (readonly [string, unknown])[] = [
    ['a string', 'abc'],
    ['an ArrayBuffer', new ArrayBuffer(4)],
    ['a plain object', { length: 2 }],
    ['a number', 42],
    ['a DataView', new DataView(new ArrayBuffer(4))],
    ['null', null],
    ['undefined', undefined],
    ['an Int16Array', new Int16Array(2)],
    ['an array', [1, 2]],
  ];

  it.each(notBytes)('refuses %s, and the numbering does not move', (_name, value) => {
    const path = join(temporaryDirectory(), 'types.channel');
    using writer = Channel.create(path, { capacity: CAPACITY });
    expect(writer.write(Uint8Array.of(1))).toBe(0);
    expect(() => writer.write(value as Uint8Array)).toThrow(
      coded('ERR_ANNAL_INVALID_ARGUMENT', { field: 'payload', path }),
    );
    expect(writer.write(Buffer.from([2]))).toBe(1);
    writer.close();
    using reader = Channel.open(path);
    expect(readAll(reader)).toEqual([[1], [2]]);
    expect(reader.status()).toBe('closed');
  });

  it('refuses a misspelled option', () => {
    const path = join(temporaryDirectory(), 'options.channel');
    expect(() => Channel.create(path, { capacity: CAPACITY, checksum: 'off' } as never)).toThrow(
      coded('ERR_ANNAL_INVALID_OPTION', { field: 'checksum' }),
    );
  });
});

describe('closed writers and readers', () => {
  it('every method of a closed writer is ERR_ANNAL_CLOSED or a no-op, never a raw error', async () => {
    const path = join(temporaryDirectory(), 'closed.channel');
    const writer = Channel.create(path, { capacity: CAPACITY });
    writer.write(Uint8Array.of(1));
    writer.close();
    expect(() => writer.write(Uint8Array.of(2))).toThrow(coded('ERR_ANNAL_CLOSED', { path }));
    expect(() => writer.syncSync()).toThrow(coded('ERR_ANNAL_CLOSED', { path }));
    await expect(writer.sync()).rejects.toThrow(coded('ERR_ANNAL_CLOSED', { path }));
    expect(() => writer.heartbeat()).not.toThrow(); // the timer's entry point: nothing to do
    expect(() => writer.close()).not.toThrow();
    expect(() => writer[Symbol.dispose]()).not.toThrow();
    expect(writer.available).toBe(CAPACITY - 16 - 8);
  });

  it('every method of a closed reader is ERR_ANNAL_CLOSED, not a detached-buffer TypeError', async () => {
    const path = closedChannel(3);
    const reader = Channel.open(path);
    expect(reader.next()).toBeDefined();
    reader.close();
    const closed = coded('ERR_ANNAL_CLOSED', { path });
    expect(() => reader.next()).toThrow(closed);
    expect(() => reader.status()).toThrow(closed);
    expect(() => [...reader]).toThrow(closed);
    await expect(reader.follow().next()).rejects.toEqual(closed);
    expect(() => reader.close()).not.toThrow();
    expect(() => reader[Symbol.dispose]()).not.toThrow();
  });
});

describe('record checksums (on by default, a header flag)', () => {
  /** File offset of the first payload byte of record n, for records of closedChannel (0, then 3 bytes each). */
  const payloadOffset = (n: number): number => HEADER_BYTES + 8 + (n - 1) * 16 + 8;

  it('a flipped payload bit is ERR_ANNAL_CORRUPT with the frame offset, never data', () => {
    const path = closedChannel(4);
    const bytes = readFileSync(path);
    patch(path, payloadOffset(2), Uint8Array.of((bytes[payloadOffset(2)] as number) ^ 4));
    using reader = Channel.open(path);
    expect(reader.next()?.length).toBe(0);
    expect(reader.next()?.length).toBe(3);
    expect(() => reader.next()).toThrow(
      coded('ERR_ANNAL_CORRUPT', { path, offset: payloadOffset(2) - 8 }),
    );
  });

  it('a record copied over another of the same length fails: the checksum is seeded with the sequence', () => {
    const path = closedChannel(4);
    const bytes = readFileSync(path);
    // Frame of record 1 (header and payload [1, 1, 1]) over record 2, payload and all.
    const frame1 = bytes.subarray(payloadOffset(1) - 8, payloadOffset(1) + 8);
    patch(path, payloadOffset(2) - 8, Uint8Array.from(frame1));
    using reader = Channel.open(path);
    expect(() => readAll(reader)).toThrow(coded('ERR_ANNAL_CORRUPT', { path }));
  });

  it("with checksums: 'off' a flipped payload bit is returned as it is (documented)", () => {
    const path = closedChannel(4, { checksums: 'off' });
    patch(path, payloadOffset(2), Uint8Array.of(2 ^ 4));
    using reader = Channel.open(path); // no option: the flag is in the header
    expect(readAll(reader)).toEqual([[], [1, 1, 1], [6, 2, 2], [3, 3, 3]]);
  });

  it('an empty record whose length word is cleared after close is ERR_ANNAL_CORRUPT, not a shorter channel', () => {
    const path = closedChannel(4);
    patch(path, HEADER_BYTES, new Uint8Array(4)); // record 0 is empty: its word was C | 0
    using reader = Channel.open(path);
    expect(() => reader.next()).toThrow(coded('ERR_ANNAL_CORRUPT', { path, offset: HEADER_BYTES }));
  });

  it('an empty record whose length word turns into the end mark is ERR_ANNAL_CORRUPT, not "closed"', () => {
    const path = closedChannel(4);
    patch(path, HEADER_BYTES + 3, Uint8Array.of(0xc0)); // 0x40000000 -> 0xC0000000
    using reader = Channel.open(path);
    expect(() => reader.next()).toThrow(coded('ERR_ANNAL_CORRUPT', { path, offset: HEADER_BYTES }));
  });

  it('keeps a copy of a channel readable after the writer closed (no writer options needed)', () => {
    const path = closedChannel(4);
    const copy = `${path}.copy`;
    copyFileSync(path, copy);
    writeFileSync(`${copy}.unrelated`, 'x');
    using reader = Channel.open(copy);
    expect(readAll(reader)).toEqual([[], [1, 1, 1], [2, 2, 2], [3, 3, 3]]);
    expect(reader.status()).toBe('closed');
  });
});
