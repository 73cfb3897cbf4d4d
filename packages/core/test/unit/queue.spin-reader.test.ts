import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

// The reader's fast path reads length words with a plain load (frame-layout.ts peekLengthWord):
// a loop of nothing but next() at the live end must still see a record appended meanwhile (no
// load hoisted out of the user's loop once the JIT has optimised it). Each record is appended
// only after the worker said it is waiting for it, so the worker spins at the end every time.
describe('a worker spinning on next() alone', () => {
  for (const checksums of ['off', 'crc32c'] as const) {
    it(`sees every record appended while it spins (checksums ${checksums})`, async () => {
      const directory = temporaryDirectory();
      const clock = () => Date.UTC(2026, 10, 22);
      using queue = Queue.open(directory, {
        blockBytes: '64 KiB',
        rollCycle: 'TEST_SECONDLY',
        checksums,
        clock,
      });
      const appender = queue.appender();
      const total = 3000;
      const turn = new Int32Array(new SharedArrayBuffer(4));
      Atomics.store(turn, 0, -1_000_000);
      const worker = new Worker(fixturePath('spin-reader-worker.mjs'), {
        workerData: { directory, total, checksums, turn },
      });
      const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
      for (let k = 0; k < total; k++) {
        while (Atomics.load(turn, 0) !== k); // the worker spins for record k from here
        appender.appendSync(new Uint8Array(24).fill(k & 0xff));
      }
      expect(await exited).toBe(0);
      expect(Atomics.load(turn, 0)).toBe(-1); // no mismatches
    });
  }
});
