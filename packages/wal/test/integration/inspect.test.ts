/**
 * `wal.topics()` and `wal.verify()`, on a wal opened to write and on one opened read-only: real
 * files, damaged by flipping and cutting their bytes.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Wal } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES, frameBytes } from '../../src/layout.js';

const encoder = new TextEncoder();
const SMALL = { segmentBytes: '1 MiB', maxPayloadBytes: 4096, sync: 'none', quiet: true } as const;
/** Payload bytes of each record below: 1,000 records of 2,000 bytes fill ~2 segments. */
const PAYLOAD = 2000;
const FRAME = frameBytes(PAYLOAD);
/** Records in a full 1 MiB segment of these records (room for the end frame kept). */
const PER_SEGMENT = Math.floor((1024 * 1024 - SEGMENT_HEADER_BYTES - frameBytes(0)) / FRAME);

function record(n: number): Uint8Array {
  return encoder.encode(`record ${n}`.padEnd(PAYLOAD, '.'));
}

function segmentPath(dir: string, topic: string, first: number): string {
  return join(dir, 'topics', topic, `${String(first).padStart(20, '0')}.wseg`);
}

/** Flips one bit of the file at `path`, at byte `offset`. */
function flip(path: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] as number) ^ 0x10;
  writeFileSync(path, bytes);
}

/** A wal with topic `t` of `count` records (several segments when count > PER_SEGMENT). */
async function makeWal(count: number): Promise<string> {
  const dir = temporaryDirectory();
  await using wal = Wal.open(dir, SMALL);
  for (let n = 0; n < count; n++) wal.appendSync('t', record(n));
  return dir;
}

describe.each([false, true])('wal.topics() (readOnly: %s)', (readOnly) => {
  it('lists plain topics and event partitions, sorted, with segments and named readers', async () => {
    const dir = temporaryDirectory();
    {
      await using wal = Wal.open(dir, SMALL);
      for (let n = 0; n < PER_SEGMENT + 10; n++) wal.appendSync('b', record(n));
      wal.appendSync('a/ü', encoder.encode('one'));
      wal.events('b', 7).appendSync({ type: 'x', data: { text: 'seven' } });
      wal.events('b', 0).appendSync({ type: 'x', data: { text: 'zero' } });
      wal.events('b', 0).appendSync({ type: 'x', data: { text: 'zero again' } });
      const audit = wal.reader('b', { name: 'audit' });
      for (let n = 0; n < 5; n++) audit.next();
      audit.close();
      wal.reader('b', { name: 'new' }).close();
      // A topic that exists as a directory but holds nothing yet.
      wal.reader('empty').close();
      wal.events('c', 1).readFrom(0, 1);
    }
    await using wal = Wal.open(dir, { ...SMALL, readOnly });
    const infos = wal.topics();
    expect(infos.map((info) => [info.topic, info.partition])).toEqual([
      ['a/ü', undefined],
      ['b', undefined],
      ['b', 0],
      ['b', 7],
    ]);
    const [a, b, b0, b7] = infos;
    expect(a).toMatchObject({ firstIndex: 0, lastIndex: 0, records: 1, readers: [] });
    expect(a?.segments).toEqual([
      {
        path: join(dir, 'topics', 'a%2F%C3%BC', '00000000000000000000.wseg'),
        bytes: 1024 * 1024,
        firstIndex: 0,
        lastIndex: 0,
      },
    ]);
    const last = PER_SEGMENT + 9;
    expect(b).toMatchObject({ firstIndex: 0, lastIndex: last, records: last + 1 });
    expect(b?.bytes).toBe(2 * 1024 * 1024);
    expect(b?.segments.map((s) => [s.firstIndex, s.lastIndex])).toEqual([
      [0, PER_SEGMENT - 1],
      [PER_SEGMENT, last],
    ]);
    expect(b?.readers).toEqual([
      { name: 'audit', index: 5, lag: last + 1 - 5 },
      { name: 'new', index: 0, lag: last + 1 },
    ]);
    expect(b0).toMatchObject({ firstIndex: 0, lastIndex: 1, records: 2 });
    expect(b7).toMatchObject({ firstIndex: 0, lastIndex: 0, records: 1 });
  });

  it('an empty wal has no topics', async () => {
    const dir = temporaryDirectory();
    Wal.open(dir, SMALL).closeSync();
    await using wal = Wal.open(dir, { ...SMALL, readOnly });
    expect(wal.topics()).toEqual([]);
  });
});

describe.each([false, true])('wal.verify() (readOnly: %s)', (readOnly) => {
  it('finds nothing wrong with a clean wal, and counts files, records and bytes', async () => {
    const dir = await makeWal(PER_SEGMENT + 20);
    {
      await using writer = Wal.open(dir, SMALL);
      writer.appendBatchSync('u', [record(0), record(1)]);
    }
    await using wal = Wal.open(dir, { ...SMALL, readOnly });
    expect(wal.verify()).toEqual({
      ok: true,
      files: 3,
      records: PER_SEGMENT + 22,
      bytes: 3 * 1024 * 1024,
      problems: [],
      problemCount: 0,
      tornTailBytes: 0,
    });
    expect(wal.verify({ topic: 'u' })).toMatchObject({ ok: true, files: 1, records: 2 });
    expect(wal.verify({ topic: 'none' })).toMatchObject({ ok: true, files: 0, records: 0 });
  }, 30_000);

  it('reports each flipped byte with its file, offset and index, and goes on past it', async () => {
    const dir = await makeWal(PER_SEGMENT + 20);
    const first = segmentPath(dir, 't', 0);
    const second = segmentPath(dir, 't', PER_SEGMENT);
    const at = (k: number): number => SEGMENT_HEADER_BYTES + k * FRAME;
    flip(first, at(3) + FRAME_HEADER_BYTES + 100); // record 3's payload
    flip(first, at(10) + 5); // record 10's checksum
    flip(second, at(4) + FRAME_HEADER_BYTES); // record PER_SEGMENT + 4
    await using wal = Wal.open(dir, { ...SMALL, readOnly });
    const report = wal.verify();
    expect(report).toMatchObject({ ok: false, problemCount: 3, files: 2 });
    expect(report.records).toBe(PER_SEGMENT + 20 - 3);
    expect(
      report.problems.map(({ path, offset, index, code }) => ({ path, offset, index, code })),
    ).toEqual([
      { path: first, offset: at(3), index: 3, code: 'ERR_ANNAL_CORRUPT' },
      { path: first, offset: at(10), index: 10, code: 'ERR_ANNAL_CORRUPT' },
      { path: second, offset: at(4), index: PER_SEGMENT + 4, code: 'ERR_ANNAL_CORRUPT' },
    ]);
    expect(report.problems[0]?.message).toContain(first);
    expect(report.problems[0]?.message).toContain(`byte ${at(3)}`);
    expect(report.problems[0]?.message).toContain('checksum');

    const limited = wal.verify({ maxProblems: 1 });
    expect(limited.problems).toHaveLength(1);
    expect(limited.problemCount).toBe(3);
  }, 30_000);

  it('reports a cut segment file and still checks the others', async () => {
    const dir = await makeWal(2 * PER_SEGMENT + 5);
    const middle = segmentPath(dir, 't', PER_SEGMENT);
    truncateSync(middle, 300_000);
    await using wal = Wal.open(dir, { ...SMALL, readOnly });
    const report = wal.verify();
    expect(report.ok).toBe(false);
    expect(report.files).toBe(3);
    expect(report.records).toBe(PER_SEGMENT + 5);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({
      path: middle,
      offset: 0,
      index: undefined,
      code: 'ERR_ANNAL_CORRUPT',
    });
    expect(report.problems[0]?.message).toContain('300000');
  }, 30_000);

  it('reports a segment before the newest whose end is missing', async () => {
    const dir = await makeWal(PER_SEGMENT + 5);
    const first = segmentPath(dir, 't', 0);
    // Zero the last frames and the end frame, as a power loss before a sync can leave them.
    const bytes = readFileSync(first);
    const from = SEGMENT_HEADER_BYTES + (PER_SEGMENT - 2) * FRAME;
    bytes.fill(0, from);
    writeFileSync(first, bytes);
    await using wal = Wal.open(dir, { ...SMALL, readOnly });
    const report = wal.verify();
    expect(report.problemCount).toBe(1);
    expect(report.problems[0]).toMatchObject({ path: first, index: PER_SEGMENT - 2 });
    expect(report.problems[0]?.message).toContain('no end frame');
  }, 30_000);

  it('counts a batch without its commit as a torn tail, and reports data far past the end', async () => {
    const dir = await makeWal(3);
    {
      await using writer = Wal.open(dir, SMALL);
      writer.appendBatchSync('t', [record(3), record(4)]);
    }
    const path = segmentPath(dir, 't', 0);
    const bytes = readFileSync(path);
    const commit = SEGMENT_HEADER_BYTES + 5 * FRAME;
    bytes.fill(0, commit, commit + frameBytes(4)); // the batch's commit frame, as a crash leaves it
    writeFileSync(path, bytes);
    {
      await using wal = Wal.open(dir, { ...SMALL, readOnly });
      const report = wal.verify();
      expect(report).toMatchObject({ ok: true, records: 3, problemCount: 0 });
      expect(report.tornTailBytes).toBeGreaterThan(2 * PAYLOAD);
      expect(report.tornTailBytes).toBeLessThanOrEqual(2 * FRAME);
    }
    const far = 1024 * 1024 - 8;
    flip(path, far);
    await using wal = Wal.open(dir, { ...SMALL, readOnly });
    const report = wal.verify();
    expect(report.problemCount).toBe(1);
    expect(report.problems[0]).toMatchObject({ path, offset: far, code: 'ERR_ANNAL_CORRUPT' });
  });

  it('calls onProgress with increasing values up to the total, about 100 times at most', async () => {
    const dir = await makeWal(2 * PER_SEGMENT + 5);
    await using wal = Wal.open(dir, { ...SMALL, readOnly });
    const calls: [number, number][] = [];
    const report = wal.verify({ onProgress: (done, total) => calls.push([done, total]) });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.length).toBeLessThanOrEqual(101);
    for (let k = 1; k < calls.length; k++) {
      expect(calls[k]?.[0]).toBeGreaterThan(calls[k - 1]?.[0] as number);
    }
    expect(calls.every(([, total]) => total === report.bytes)).toBe(true);
    expect(calls.at(-1)).toEqual([report.bytes, report.bytes]);
  }, 30_000);

  it('refuses bad options with coded errors naming them', async () => {
    const dir = await makeWal(1);
    await using wal = Wal.open(dir, { ...SMALL, readOnly });
    for (const [options, field] of [
      [{ maxProblems: -1 }, 'maxProblems'],
      [{ onProgress: 5 }, 'onProgress'],
      [{ topic: '' }, 'topic'],
    ] as const) {
      expect(() => wal.verify(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field }),
      );
    }
  });
});
