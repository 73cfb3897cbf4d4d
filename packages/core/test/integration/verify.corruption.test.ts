/**
 * queue.verify() over real files with flipped and cut bytes: every problem is listed with its
 * file, offset and record index, and the walk goes on past each one.
 */
import { readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue, type VerifyReport } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { flip, frameOffsetOf, threeCycles } from '../damaged-cycles.js';
import { SMALL } from '../queue-helpers.js';

/** Enough for two 64 KiB blocks per file. */
const RECORDS_PER_CYCLE = 1000;

function verify(directory: string, options?: Parameters<Queue['verify']>[0]): VerifyReport {
  using queue = Queue.open(directory, { readOnly: true });
  return queue.verify(options);
}

describe('queue.verify()', () => {
  it('of an intact queue: ok, with its files, records and bytes', () => {
    const { directory, files } = threeCycles(RECORDS_PER_CYCLE, 'crc32c');
    const report = verify(directory);
    expect(report).toEqual({
      ok: true,
      files: 3,
      records: 3 * RECORDS_PER_CYCLE,
      bytes: files.reduce((total, path) => total + readFileSync(path).length, 0),
      problems: [],
      problemCount: 0,
    });
  });

  it('names the file, offset and index of each flipped payload byte, and goes on past it', () => {
    const { directory, files } = threeCycles(RECORDS_PER_CYCLE, 'crc32c');
    const [first, , third] = files as [string, string, string];
    const hits = [
      { path: first, n: 17 },
      { path: first, n: 150 },
      { path: third, n: 2 * RECORDS_PER_CYCLE + 99 },
    ];
    const offsets = hits.map(({ path, n }) => frameOffsetOf(path, n));
    hits.forEach(({ path }, k) => flip(path, (offsets[k] as number) + 8 + 20));
    using queue = Queue.open(directory, { readOnly: true });
    const { cycles } = queue.describe();
    const indexOf = (n: number): number =>
      (cycles[Math.floor(n / RECORDS_PER_CYCLE)]?.firstIndex as number) + (n % RECORDS_PER_CYCLE);
    const report = queue.verify();
    expect(report.ok).toBe(false);
    expect(report.problemCount).toBe(3);
    expect(report.records).toBe(3 * RECORDS_PER_CYCLE - 3);
    expect(report.problems).toEqual(
      hits.map(({ path, n }, k) => ({
        path,
        offset: offsets[k],
        index: indexOf(n),
        code: 'ERR_ANNAL_CORRUPT',
        field: 'checksum',
        message: expect.stringContaining(`file offset ${offsets[k]}`) as string,
      })),
    );
  });

  it('past a flipped length word, resumes at the next indexed record (checksums off)', () => {
    const { directory, files } = threeCycles(RECORDS_PER_CYCLE, 'off');
    const second = files[1] as string;
    const offset = frameOffsetOf(second, RECORDS_PER_CYCLE + 40);
    flip(second, offset + 1, 0x40); // the length grows by 16 KiB: past its block
    const report = verify(directory);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ path: second, offset, code: 'ERR_ANNAL_CORRUPT' });
    // The records from the next indexed one (every 16th) on are verified again.
    expect(report.records).toBeGreaterThanOrEqual(3 * RECORDS_PER_CYCLE - 16);
    expect(report.records).toBeLessThan(3 * RECORDS_PER_CYCLE);
    expect(report.files).toBe(3);
  });

  it('reports a cut file (at its header, and short of its data) and verifies the others', () => {
    const { directory, files } = threeCycles(RECORDS_PER_CYCLE, 'crc32c');
    const [first, second] = files as [string, string, string];
    truncateSync(first, 5000); // inside block 0: shorter than header + one block
    const report = verify(directory);
    expect(report.files).toBe(3);
    expect(report.records).toBe(2 * RECORDS_PER_CYCLE);
    expect(report.problems).toEqual([
      expect.objectContaining({ path: first, offset: 0, code: 'ERR_ANNAL_CORRUPT' }),
    ]);
    expect(report.problems[0]?.message).toContain('file length 5000');
    {
      // describe() reports the damaged file instead of throwing, and counts the others.
      using queue = Queue.open(directory, { readOnly: true });
      const info = queue.describe();
      expect(info.cycles.map((cycle) => cycle.records)).toEqual([
        0,
        RECORDS_PER_CYCLE,
        RECORDS_PER_CYCLE,
      ]);
      expect(info.cycles[0]?.problem).toMatchObject({ path: first, code: 'ERR_ANNAL_CORRUPT' });
      expect(info.problems).toHaveLength(1);
      expect(info.firstIndex).toBe(info.cycles[1]?.firstIndex);
    }

    // A file whose header was sealed, cut at a block boundary, has lost its end.
    const { directory: other, files: more } = threeCycles(RECORDS_PER_CYCLE, 'crc32c');
    const sealed = more[1] as string;
    const blockEnd = 4096 + 64 * 1024;
    expect(readFileSync(sealed).length).toBeGreaterThan(blockEnd);
    truncateSync(sealed, blockEnd);
    const cut = verify(other);
    expect(cut.problems).toEqual([
      expect.objectContaining({ path: sealed, offset: blockEnd, field: 'length' }),
    ]);
    expect(second).not.toBe(sealed);
  });

  it('reports a damaged header checksum and a damaged index entry', () => {
    const { directory, files } = threeCycles(RECORDS_PER_CYCLE, 'crc32c');
    const [first, second] = files as [string, string, string];
    flip(first, 13); // blockBytes: the header checksum fails
    // Index page 0 of the second file: its entry 1 names record 16.
    const page = frameOffsetOf(second, RECORDS_PER_CYCLE) - 1032;
    flip(second, page + 8 + 4 * 1, 0x01);
    const report = verify(directory);
    expect(report.problems).toEqual([
      expect.objectContaining({ path: first, offset: 60, code: 'ERR_ANNAL_CORRUPT' }),
      expect.objectContaining({ path: second, offset: page + 12, field: 'index' }),
    ]);
    expect(report.records).toBe(2 * RECORDS_PER_CYCLE);
  });

  it('reports a damaged named-reader positions table and metadata file', () => {
    const { directory } = threeCycles(RECORDS_PER_CYCLE, 'off');
    {
      using queue = Queue.open(directory);
      queue.reader({ name: 'billing' }).close();
    }
    const table = join(directory, 'readers.annalr');
    const metadata = join(directory, 'metadata.annalm');
    flip(table, 0);
    flip(metadata, 0);
    using queue = Queue.open(directory, { readOnly: true });
    const info = queue.describe();
    expect(info.readers).toEqual([]);
    expect(info.problems).toEqual([expect.objectContaining({ path: table, offset: 0 })]);
    const report = queue.verify();
    expect(report.records).toBe(3 * RECORDS_PER_CYCLE);
    expect(report.problems.map((problem) => problem.path)).toEqual([metadata, table]);
  });

  it('lists at most maxProblems problems and counts them all', () => {
    const { directory, files } = threeCycles(RECORDS_PER_CYCLE, 'crc32c');
    const first = files[0] as string;
    for (let n = 0; n < 30; n++) flip(first, frameOffsetOf(first, n) + 8 + 30);
    const report = verify(directory, { maxProblems: 5 });
    expect(report.problems).toHaveLength(5);
    expect(report.problemCount).toBe(30);
    expect(verify(directory).problems).toHaveLength(30);
  });

  it('reports progress in increasing bytes, about 100 times, ending at the total', () => {
    const { directory } = threeCycles(RECORDS_PER_CYCLE, 'crc32c');
    const calls: [number, number][] = [];
    const report = verify(directory, { onProgress: (done, total) => calls.push([done, total]) });
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.length).toBeLessThanOrEqual(101);
    for (let k = 1; k < calls.length; k++) {
      expect(calls[k]?.[0]).toBeGreaterThan(calls[k - 1]?.[0] as number);
    }
    expect(calls.at(-1)).toEqual([report.bytes, report.bytes]);
  });

  it('refuses bad options with coded errors naming them', () => {
    using queue = Queue.open(temporaryDirectory(), SMALL);
    expect(() => queue.verify({ maxProblems: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'maxProblems' }),
    );
    expect(() => queue.verify({ onProgress: 1 as never })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'onProgress' }),
    );
    expect(() => queue.verify({ maxProblem: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'maxProblem' }),
    );
    expect(queue.verify({ maxProblems: Infinity }).ok).toBe(true);
    queue.close();
    expect(() => queue.verify()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }));
    expect(() => queue.describe()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }));
  });
});
