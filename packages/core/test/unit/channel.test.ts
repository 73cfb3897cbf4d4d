import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Channel } from '@annal/core';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('Channel (fixed capacity, one writer)', () => {
  it('a reader sees records as written, then "open" while the writer lives, then "closed"', () => {
    const path = join(temporaryDirectory(), 'orders.channel');
    using writer = Channel.create(path, { capacity: '64 KiB' });
    using reader = Channel.open(path);
    expect(reader.next()).toBeUndefined();
    expect(reader.status()).toBe('open');
    expect(writer.write(new TextEncoder().encode('a'))).toBe(0);
    expect(writer.write(new Uint8Array(0))).toBe(1);
    const seen: string[] = [];
    for (const record of reader) seen.push(text(record.copy())); // the record object is reused
    expect(seen).toEqual(['a', '']);
    writer.close();
    expect(reader.next()).toBeUndefined();
    expect(reader.status()).toBe('closed');
    expect(() => writer.write(Uint8Array.of(1))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }),
    );
  });

  it('fills up for good: the write that does not fit is ERR_ANNAL_FULL and readers see "full"', () => {
    const path = join(temporaryDirectory(), 'small.channel');
    using writer = Channel.create(path, { capacity: '64 KiB', maxPayloadBytes: 1000 });
    let written = 0;
    expect(() => {
      for (;;) {
        writer.write(new Uint8Array(1000).fill(written & 0xff));
        written++;
      }
    }).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_FULL' }));
    expect(() => writer.write(Uint8Array.of(1))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }),
    );
    using reader = Channel.open(path);
    let read = 0;
    for (const record of reader) {
      expect(record.length).toBe(1000);
      expect(record.buffer[record.offset]).toBe(read & 0xff);
      read++;
    }
    expect(read).toBe(written);
    expect(reader.status()).toBe('full');
  });

  it('tells "abandoned" (a killed writer) from "closed" (a writer that closed), across processes', async () => {
    const directory = temporaryDirectory();
    for (const mode of ['close', 'hang'] as const) {
      const path = join(directory, `${mode}.channel`);
      const child = spawnNode(fixturePath('channel-writer.mjs'), [path, '50', mode]);
      await child.waitForLine((line) => line === 'wrote');
      if (mode === 'hang') {
        child.child.kill('SIGKILL');
      }
      await child.exited;
      using reader = Channel.open(path);
      const texts: string[] = [];
      for (const record of reader) texts.push(text(record.copy()));
      expect(texts).toEqual(Array.from({ length: 50 }, (_, n) => `record ${n}`));
      if (mode === 'close') {
        expect(reader.status()).toBe('closed');
      } else {
        // The killed writer left no close marker: alive just now, abandoned once the timeout passed.
        const lastSign = Date.now();
        expect(reader.status(lastSign + 10_000)).toBe('abandoned');
      }
    }
  });

  it('refuses to create a channel twice, an oversize record, bad options and a non-channel file', () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'once.channel');
    using writer = Channel.create(path, { capacity: 65536, maxPayloadBytes: 100 });
    expect(() => Channel.create(path, { capacity: 65536 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_ALREADY_EXISTS' }),
    );
    expect(() => writer.write(new Uint8Array(101))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_TOO_LARGE' }),
    );
    expect(() => Channel.create(join(directory, 'x'), { capacity: 1000 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'capacity' }),
    );
    const queueFile = join(directory, 'not-a-channel');
    Channel.create(queueFile, { capacity: 65536 }).close();
    // Damage the header: the reader must refuse it.
    const fd = openSync(queueFile, 'r+');
    writeSync(fd, Uint8Array.of(0xff), 0, 1, 9);
    closeSync(fd);
    expect(() => Channel.open(queueFile)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT' }),
    );
  });
});
