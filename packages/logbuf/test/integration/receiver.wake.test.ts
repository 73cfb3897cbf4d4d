/**
 * A receiver that keeps going to sleep and being woken, against a sender in another thread
 * whose sends land before, while and after the receiver flags that it sleeps. Where commits
 * publish with a plain store (x86-64), a sender's check of the flag can pass its own publish:
 * the receiver must still get every record, in order, and end at the sender's close.
 */
import { Worker } from 'node:worker_threads';

import { CLOSED, Receiver, SpscRing, TIMED_OUT } from '@annal/logbuf';
import { describe, expect, it } from 'vitest';

import { RECEIVER_SLEEPING_OFFSET } from '../../src/layout.js';
import { fixturePath } from '../fixture-path.js';

const SOAK = process.env['ANNAL_SOAK'] === '1';

describe.each(['recvSync', 'recv'] as const)('Receiver#%s woken over and over', (how) => {
  it('gets every record in order and then CLOSED', async () => {
    const count = SOAK ? 200_000 : 3_000;
    const buffer = SpscRing.allocate(1 << 12);
    // A short spin: the receiver flags and sleeps between most records.
    const receiver = new Receiver(SpscRing.attach(buffer), { spinCount: 8 });
    const producer = new Worker(fixturePath('waking-producer.mjs'), {
      workerData: { buffer, count, sleepingIndex: RECEIVER_SLEEPING_OFFSET / 4, seed: 2026 },
    });
    const done = new Promise<{ flaggedSends: number }>((resolve, reject) => {
      producer.once('message', resolve);
      producer.once('error', reject);
    });
    const seen: number[] = [];
    let outcome: unknown;
    for (;;) {
      const record = how === 'recvSync' ? receiver.recvSync() : await receiver.recv();
      if (record === CLOSED || record === TIMED_OUT) {
        outcome = record;
        break;
      }
      seen.push(new DataView(record.buffer.buffer).getUint32(record.offset, true));
      record.release();
    }
    const { flaggedSends } = await done;
    await producer.terminate();
    expect(outcome).toBe(CLOSED);
    expect(seen.length).toBe(count);
    expect(seen.every((sequence, k) => sequence === k)).toBe(true);
    // The sends did meet a receiver that had flagged (else this tested nothing of the kind).
    expect(flaggedSends).toBeGreaterThan(0);
  });
});
