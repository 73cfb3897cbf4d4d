import { closeSync, openSync, readSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { crc32c } from '@annal/native';
import { Wal } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import {
  CREATED_MS_OFFSET,
  HEADER_CRC_OFFSET,
  SEGMENT_HEADER_CHECKED_BYTES,
  SEGMENT_HEADER_USED_BYTES,
} from '../../src/layout.js';
import { nextOf } from '../read-helpers.js';

const encoder = new TextEncoder();
const BACKENDS = ['mmap', 'fd'] as const;

/** 1 MiB segments of ~1 KiB entries: about 1,000 entries a segment. */
const SMALL_BASE = {
  segmentBytes: '1 MiB',
  maxPayloadBytes: '64 KiB',
  maxBatchBytes: '256 KiB',
  sync: 'none',
} as const;

const entry = (n: number): Uint8Array => encoder.encode(`${n} `.padEnd(1000, '.'));

function segments(wal: Wal, topic: string): string[] {
  return readdirSync(join(wal.directory, 'topics', topic)).filter((name) => name.endsWith('.wseg'));
}

describe.each(BACKENDS)('retention (%s backend)', (backend) => {
  const SMALL = { ...SMALL_BASE, backend } as const;

  it('deletes a segment once every named reader has consumed it, and keeps the rest readable', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, { ...SMALL, retention: { consumed: 'delete' } });
    for (let n = 0; n < 5000; n++) wal.appendSync('t', entry(n));
    const before = segments(wal, 't').length;
    expect(before).toBeGreaterThan(4);
    // Nobody has read anything: nothing may go, even when asked.
    wal.reader('t', { name: 'slow' }).close();
    await wal.retain('t');
    expect(segments(wal, 't')).toHaveLength(before);

    // Two readers; only what both consumed goes.
    for (let n = 0; n < 4000; n++) expect(nextOf(wal, 't', 'fast')?.index).toBe(n);
    for (let n = 0; n < 2500; n++) expect(nextOf(wal, 't', 'slow')?.index).toBe(n);
    await wal.retain('t');
    const kept = segments(wal, 't');
    expect(kept.length).toBeLessThan(before);
    expect(Number(kept[0]?.slice(0, 20))).toBeLessThanOrEqual(2500);
    // Both readers go on where they were; a stateless read starts at the oldest entry kept.
    expect(nextOf(wal, 't', 'slow')?.index).toBe(2500);
    expect(nextOf(wal, 't', 'fast')?.index).toBe(4000);
    const oldest = wal.readFrom('t', 0, { maxRecords: 1 })[0]?.index ?? -1;
    expect(oldest).toBe(Number(kept[0]?.slice(0, 20)));
    // Appends go on, and a reopened log finds the same entries.
    expect(wal.appendSync('t', entry(5000))).toBe(5000);
    await wal.close();
    await using again = Wal.open(dir, { ...SMALL, retention: { consumed: 'delete' } });
    expect(nextOf(again, 't', 'slow')?.index).toBe(2501);
    expect(again.lastIndex('t')).toBe(5000);
  });

  it('deletes consumed segments by itself as a named reader moves past them, and never without a policy', async () => {
    for (const retention of [{ consumed: 'delete' }, undefined] as const) {
      const dir = temporaryDirectory();
      const wal = Wal.open(dir, { ...SMALL, ...(retention === undefined ? {} : { retention }) });
      for (let n = 0; n < 3500; n++) wal.appendSync('t', entry(n));
      const written = segments(wal, 't').length;
      for (let n = 0; n < 3500; n++) expect(nextOf(wal, 't', 'r')?.index).toBe(n);
      await wal.close(); // waits for a retention run in progress
      const left = readdirSync(join(wal.directory, 'topics', 't')).filter((name) =>
        name.endsWith('.wseg'),
      );
      expect(left).toHaveLength(retention === undefined ? written : 1);
    }
  });

  it('deletes a consumed segment a pending sync still covers, and that sync and later appends succeed', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, {
      ...SMALL,
      sync: 'none', // nothing syncs until sync() asks
      retention: { consumed: 'delete' },
    });
    // Fill segment A and roll into B: A's end frame is written and not yet synced.
    for (let n = 0; n < 1100; n++) wal.appendSync('t', entry(n));
    for (let n = 0; n < 1100; n++) expect(nextOf(wal, 't', 'r')?.index).toBe(n);
    await wal.retain('t');
    expect(segments(wal, 't')).toHaveLength(1);
    await wal.sync();
    expect(wal.appendSync('t', entry(1100))).toBe(1100);
    await wal.sync();
  });

  it('keeps at most maxBytes of segments, moving a reader behind them to the oldest entry kept', async () => {
    const dir = temporaryDirectory();
    await using wal = Wal.open(dir, { ...SMALL, retention: { maxBytes: '3 MiB' } });
    expect(nextOf(wal, 't', 'r')).toBeUndefined();
    for (let n = 0; n < 6000; n++) wal.appendSync('t', entry(n));
    await wal.retain();
    const kept = segments(wal, 't');
    expect(kept).toHaveLength(3);
    const first = Number(kept[0]?.slice(0, 20));
    expect(nextOf(wal, 't', 'r')?.index).toBe(first);
    expect(wal.readFrom('t', 5999, { maxRecords: 5 }).map((e) => e.index)).toEqual([5999]);
  });

  it('deletes segments whose entries are all older than maxAgeMs', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, SMALL);
      for (let n = 0; n < 3500; n++) wal.appendSync('t', entry(n));
    }
    // Make the first two segments a day old, as if written then (header field and checksum).
    const topicDir = join(dir, 'topics', 't');
    const names = readdirSync(topicDir)
      .filter((name) => name.endsWith('.wseg'))
      .sort();
    expect(names.length).toBeGreaterThan(3);
    for (const name of names.slice(0, 2)) backdate(join(topicDir, name), Date.now() - 86_400_000);
    await using wal = Wal.open(dir, { ...SMALL, retention: { maxAgeMs: '1h' } });
    await wal.retain('t');
    // The first segment's entries are all older than the second's creation: it goes. The second
    // holds entries up to the third's creation (now): it stays.
    expect(readdirSync(topicDir).filter((name) => name.endsWith('.wseg'))).toEqual(names.slice(1));
    expect(wal.readFrom('t', 0, { maxRecords: 1 })[0]?.index).toBe(Number(names[1]?.slice(0, 20)));
  });
});

/** Rewrites a segment's creation time and header checksum. */
function backdate(path: string, createdMs: number): void {
  const header = new Uint8Array(SEGMENT_HEADER_USED_BYTES);
  const fd = openSync(path, 'r+');
  try {
    readSync(fd, header, 0, header.length, 0);
    const view = new DataView(header.buffer);
    view.setFloat64(CREATED_MS_OFFSET, createdMs, true);
    const checksum = crc32c(header.subarray(0, SEGMENT_HEADER_CHECKED_BYTES));
    view.setUint32(HEADER_CRC_OFFSET, checksum, true);
    writeSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
}
