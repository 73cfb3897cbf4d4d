import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BACK_PRESSURED, MpscRing, SpscRing } from '@annal/logbuf';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../fixtures/spin-poller.mjs', import.meta.url));

// The consumer reads length words with a plain load first (layout.ts peekLengthWord): a loop of
// nothing but poll() must still see a record committed meanwhile, every time. Each record is
// committed only after the worker said it is polling for it.
describe('a worker spinning on poll() alone', () => {
  for (const kind of ['spsc', 'mpsc'] as const) {
    it(`sees every record committed while it spins (${kind})`, async () => {
      const buffer = kind === 'mpsc' ? MpscRing.allocate(1 << 12) : SpscRing.allocate(1 << 12);
      const producer = kind === 'mpsc' ? MpscRing.attach(buffer) : SpscRing.attach(buffer);
      const total = 5000;
      const turn = new Int32Array(new SharedArrayBuffer(4));
      Atomics.store(turn, 0, -1_000_000);
      const worker = new Worker(fixture, { workerData: { buffer, kind, total, turn } });
      const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
      for (let k = 0; k < total; k++) {
        while (Atomics.load(turn, 0) !== k); // the worker polls for record k from here
        const claim = producer.tryClaim(24);
        if (claim === BACK_PRESSURED) throw new Error('back-pressured');
        claim.buffer.fill(k & 0xff, claim.offset, claim.offset + 24);
        if (k % 2 === 0) claim.commit();
        else {
          claim.commitDeferred();
          producer.flush();
        }
      }
      expect(await exited).toBe(0);
      expect(Atomics.load(turn, 0)).toBe(-1);
    });
  }
});
