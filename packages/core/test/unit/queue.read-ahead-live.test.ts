import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

function payloadOf(n: number): Uint8Array {
  const length = (n * 37) % 300;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (n * 31 + i * 7) & 0xff;
  return bytes;
}

// A checksummed reader spinning on next() at the live end while another thread appends, singly
// and in batches, across blocks and cycles: every record once, in order, none skipped.
describe('a checksummed reader at the live end', () => {
  it('spinning on next() while a worker appends batches returns every record in order', async () => {
    const directory = temporaryDirectory();
    const options = {
      blockBytes: '64 KiB',
      rollCycle: 'TEST_SECONDLY',
      checksums: 'crc32c',
      clock: () => Date.UTC(2026, 10, 22),
    } as const;
    Queue.open(directory, options).close();
    const total = 60_000;
    const done = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(fixturePath('append-batches-worker.mjs'), {
      workerData: { directory, total, perCycle: 7_000, done },
    });
    const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
    await new Promise<void>((resolve) => worker.once('online', resolve));
    using queue = Queue.open(directory, options);
    const reader = queue.reader();
    let n = 0;
    let mismatches = 0;
    let emptyAfterDone = 0;
    while (n < total && emptyAfterDone < 2) {
      const finished = Atomics.load(done, 0) === 1;
      const record = reader.next();
      if (record === undefined) {
        if (finished) emptyAfterDone++;
        continue;
      }
      const expected = payloadOf(n);
      const got = record.copy();
      if (got.length !== expected.length || got.some((b, i) => b !== expected[i])) mismatches++;
      n++;
    }
    expect(await exited).toBe(0);
    expect(mismatches).toBe(0);
    expect(n).toBe(total);
    expect(reader.next()).toBeUndefined();
  });
});
