/**
 * Whole files that are not what they claim, placed in a queue directory (issue 19): the damaged
 * file is reported (its name, and what is wrong) when a reader reaches it, or passed over under
 * `onCorrupt: 'skip'`, and every intact record stays reachable — read-only, without the
 * writer's options.
 */
import { readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue, type QueueRecord, type Reader } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';

/** Three cycle files (seconds 0, 1 and 5 of the test clock), 30 records each; their names. */
function threeCycles(checksums: 'off' | 'crc32c' = 'crc32c'): {
  directory: string;
  files: string[];
} {
  const directory = temporaryDirectory();
  const clock = new ManualClock();
  using queue = Queue.open(directory, { ...SMALL, clock: clock.read, checksums });
  const appender = queue.appender();
  let n = 0;
  for (const step of [0, 1000, 4000]) {
    clock.advance(step);
    for (let k = 0; k < 30; k++) appender.appendSync(payloadOf(n++, 40));
  }
  return { directory, files: cycleFiles(directory) };
}

function cycleFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.annalq'))
    .sort();
}

function garbage(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (Math.imul(i, 2654435761) >>> 24) & 0xff;
  return out;
}

/** Reads until the end or an error; the records read (their payloads) and the error. */
function readThrough(reader: Reader): { payloads: Uint8Array[]; error: unknown } {
  const payloads: Uint8Array[] = [];
  try {
    for (let record: QueueRecord | undefined = reader.next(); record; record = reader.next()) {
      payloads.push(record.copy());
    }
    return { payloads, error: undefined };
  } catch (error) {
    return { payloads, error };
  }
}

const expected = (from: number, to: number): Uint8Array[] =>
  Array.from({ length: to - from }, (_, k) => payloadOf(from + k, 40));

describe.each([
  ['empty', () => new Uint8Array(0)],
  ['random bytes', () => garbage(200_000)],
  ['cut inside its header', (old: Uint8Array) => old.subarray(0, 3000)],
])('a newest cycle file that is %s', (_, contents) => {
  it('leaves the queue openable (read-only too), every intact record readable, and is reported when reached', () => {
    const { directory, files } = threeCycles();
    const newest = join(directory, files[2] as string);
    writeFileSync(newest, contents(readFileSync(newest)));
    using queue = Queue.open(directory, { readOnly: true });
    const { payloads, error } = readThrough(queue.reader());
    expect(payloads).toEqual(expected(0, 60));
    expect(error).toMatchObject({ code: 'ERR_ANNAL_CORRUPT', path: newest });
    using skipping = Queue.open(directory, { readOnly: true, onCorrupt: 'skip' });
    const reader = skipping.reader();
    expect(readThrough(reader)).toEqual({ payloads: expected(0, 60), error: undefined });
    expect(reader.skippedFiles).toBe(1);
  });
});

describe('damaged and stray cycle files', () => {
  it('a last file cut inside its data is reported, never read past its end', () => {
    const { directory, files } = threeCycles();
    const newest = join(directory, files[2] as string);
    truncateSync(newest, 4096 + 1000);
    using queue = Queue.open(directory, { readOnly: true });
    const { payloads, error } = readThrough(queue.reader());
    expect(payloads).toEqual(expected(0, 60));
    expect(error).toMatchObject({ code: 'ERR_ANNAL_CORRUPT', path: newest });
  });

  it('stray *.annalq files are ignored by readers, and reported to an appender that would write there', () => {
    const { directory } = threeCycles();
    writeFileSync(join(directory, 'notes.annalq'), 'not a cycle file');
    const stray = join(directory, '20991231T000000Z.annalq');
    writeFileSync(stray, garbage(5000));
    using queue = Queue.open(directory, { readOnly: true });
    // The newest intact cycle is not sealed: its end is the live end, and a reader waits there.
    expect(readThrough(queue.reader())).toEqual({ payloads: expected(0, 90), error: undefined });
    // An appender would go on in the newest cycle, which is the damaged one: it is told so.
    using writer = Queue.open(directory);
    expect(() => writer.appender()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: stray }),
    );
  });

  it('a damaged file before the first cycle: the reader opens, seek and toEnd reach the intact cycles, next() reports it', () => {
    const { directory } = threeCycles();
    const early = join(directory, '20200101T000000Z.annalq');
    writeFileSync(early, garbage(10_000));
    using queue = Queue.open(directory, { readOnly: true });
    const indices: number[] = [];
    {
      using intact = Queue.open(directory, { readOnly: true, onCorrupt: 'skip' });
      const reader = intact.reader();
      for (let record = reader.next(); record; record = reader.next()) indices.push(record.index);
      expect(indices).toHaveLength(90);
      expect(reader.skippedFiles).toBe(1);
    }
    const reader = queue.reader();
    expect(() => reader.next()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: early }),
    );
    expect(reader.seek(indices[45] as number)).toBe(true);
    expect(reader.next()?.copy()).toEqual(payloadOf(45, 40));
    reader.toEnd();
    expect(reader.next()).toBeUndefined();
  });

  it("a copy of one cycle's file under the next cycle's name is reported, never read under that cycle's indices (and never loops)", () => {
    const { directory, files } = threeCycles();
    writeFileSync(
      join(directory, files[1] as string),
      readFileSync(join(directory, files[0] as string)),
    );
    using queue = Queue.open(directory, { readOnly: true });
    const { payloads, error } = readThrough(queue.reader());
    expect(payloads).toEqual(expected(0, 30));
    expect(error).toMatchObject({
      code: 'ERR_ANNAL_CORRUPT',
      path: join(directory, files[1] as string),
      field: 'cycle',
    });
    using skipping = Queue.open(directory, { readOnly: true, onCorrupt: 'skip' });
    const skipped = readThrough(skipping.reader());
    expect(skipped).toEqual({
      payloads: [...expected(0, 30), ...expected(60, 90)],
      error: undefined,
    });
  });

  it('a garbage metadata file does not stop reading across a gap between cycles, nor named readers', () => {
    const { directory } = threeCycles();
    const metadata = join(directory, 'metadata.annalm');
    writeFileSync(metadata, garbage(4096));
    using queue = Queue.open(directory, { readOnly: true });
    expect(readThrough(queue.reader())).toEqual({ payloads: expected(0, 90), error: undefined });
    using writable = Queue.open(directory);
    expect(readThrough(writable.reader({ name: 'billing' }))).toEqual({
      payloads: expected(0, 90),
      error: undefined,
    });
  });

  it('a garbage positions table is ERR_ANNAL_CORRUPT for named readers only', () => {
    const { directory } = threeCycles();
    const positions = join(directory, 'readers.annalr');
    writeFileSync(positions, garbage(81920));
    using queue = Queue.open(directory);
    expect(() => queue.reader({ name: 'billing' })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: positions, field: 'magic' }),
    );
    expect(readThrough(queue.reader())).toEqual({ payloads: expected(0, 90), error: undefined });
  });

  it('an empty positions table is ERR_ANNAL_CORRUPT naming it', () => {
    const { directory } = threeCycles();
    const positions = join(directory, 'readers.annalr');
    writeFileSync(positions, new Uint8Array(0));
    using queue = Queue.open(directory);
    expect(() => queue.reader({ name: 'billing' })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path: positions, field: 'length' }),
    );
    expect(readThrough(queue.reader())).toEqual({ payloads: expected(0, 90), error: undefined });
  });
});
