import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BLOCK_BYTES, Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';

describe('queue.describe()', () => {
  it('of a fresh queue: the shape its first file will get, and nothing in it', () => {
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, { ...SMALL, checksums: 'crc32c' });
    expect(queue.describe()).toEqual({
      directory,
      rollCycle: 'TEST_SECONDLY',
      cycleLengthMs: 1000,
      epochMs: 0,
      blockBytes: 64 * 1024,
      indexCount: 256,
      indexSpacing: 16,
      sequenceBits: 20,
      checksums: 'crc32c',
      maxPayloadBytes: 16 * 1024 - 8,
      firstIndex: undefined,
      lastIndex: undefined,
      records: 0,
      bytes: 0,
      cycles: [],
      readers: [],
      problems: [],
    });
    expect(queue.verify()).toMatchObject({ ok: true, files: 0, records: 0, bytes: 0 });
    expect(readdirSync(directory)).toEqual([]); // neither created a file
  });

  it('of a queue over several cycles: each file with its path, size, start and records', () => {
    const clock = new ManualClock();
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    const indices: number[] = [];
    // 600 records cross several index entries and blocks; then a gap of cycles with no file.
    for (let n = 0; n < 600; n++) indices.push(appender.appendSync(payloadOf(n, 300)));
    clock.advance(1000);
    indices.push(appender.appendSync(payloadOf(600, 10)));
    clock.advance(4000);
    for (let n = 601; n < 606; n++) indices.push(appender.appendSync(payloadOf(n, 10)));

    const info = queue.describe();
    const cycles = queue.cycles();
    expect(info.cycles.map((cycle) => cycle.cycle)).toEqual(cycles);
    expect(info.cycles.map((cycle) => cycle.records)).toEqual([600, 1, 5]);
    expect(info.cycles.map((cycle) => cycle.startsAt)).toEqual([
      clock.now - 5000,
      clock.now - 4000,
      clock.now,
    ]);
    expect(info.cycles.map((cycle) => cycle.path)).toEqual([
      join(directory, '20261122T000000Z.annalq'),
      join(directory, '20261122T000001Z.annalq'),
      join(directory, '20261122T000005Z.annalq'),
    ]);
    for (const cycle of info.cycles) {
      expect(cycle.bytes).toBe(statSync(cycle.path).size);
      expect(cycle.problem).toBeUndefined();
    }
    expect(info.cycles.map((cycle) => [cycle.firstIndex, cycle.lastIndex])).toEqual([
      [indices[0], indices[599]],
      [indices[600], indices[600]],
      [indices[601], indices[605]],
    ]);
    expect(info.firstIndex).toBe(indices[0]);
    expect(info.lastIndex).toBe(indices.at(-1));
    expect(info.records).toBe(606);
    expect(info.bytes).toBe(info.cycles.reduce((total, cycle) => total + cycle.bytes, 0));
    expect(info.problems).toEqual([]);
  });

  it('lists named readers with their stored positions and lag', () => {
    const clock = new ManualClock();
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    const indices: number[] = [];
    for (let n = 0; n < 20; n++) indices.push(appender.appendSync(payloadOf(n, 8)));
    clock.advance(1000);
    for (let n = 20; n < 30; n++) indices.push(appender.appendSync(payloadOf(n, 8)));

    const fresh = queue.reader({ name: 'fresh' });
    fresh.close(); // read nothing: it starts at the first record
    const billing = queue.reader({ name: 'billing' });
    for (let k = 0; k < 25; k++) billing.next();
    billing.close(); // stores the index after the 25th record
    const open = queue.reader({ name: 'open' });
    for (let k = 0; k < 5; k++) open.next(); // stores the record it returned last

    const { readers } = queue.describe();
    expect(readers).toEqual([
      { name: 'fresh', index: indices[0], lag: 30 },
      { name: 'billing', index: indices[25], lag: 5 },
      { name: 'open', index: indices[4], lag: 26 },
    ]);
    open.close();
    using readOnly = Queue.open(directory, { readOnly: true });
    expect(readOnly.describe().readers.map((reader) => reader.lag)).toEqual([30, 5, 25]);
  });
});

describe('queue.options', () => {
  it('reports the shape of the queue on disk, not the options given to open it', () => {
    const directory = temporaryDirectory();
    Queue.open(directory, { ...SMALL, checksums: 'crc32c', indexSpacing: 4 })
      .appender()
      .appendSync(payloadOf(0, 8));
    using queue = Queue.open(directory, { sync: 'manual' });
    expect(queue.options).toMatchObject({
      rollCycle: 'TEST_SECONDLY',
      blockBytes: 64 * 1024,
      checksums: 'crc32c',
      indexCount: 256,
      indexSpacing: 4,
      maxPayloadBytes: 16 * 1024 - 8,
      sync: 'manual',
      readOnly: false,
    });
    // Printing the queue shows them too.
    expect(inspect(queue)).toContain('blockBytes: 65536');
    expect(inspect(queue)).toContain(`directory: '${directory}'`);
    using fresh = Queue.open(temporaryDirectory());
    expect(fresh.options).toMatchObject({
      rollCycle: 'FAST_DAILY',
      blockBytes: DEFAULT_BLOCK_BYTES,
    });
  });
});
