import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BACK_PRESSURED, MpscRing, Sender, SpscRing } from '@annal/logbuf';
import { fixturePath } from '../fixture-path.js';
import {
  PAYLOAD_HEADER_BYTES,
  PayloadVerifier,
  bodyLength,
  writePayload,
} from '../fixtures/payload.mjs';

const SOAK = process.env['ANNAL_SOAK'] === '1';

interface Verdict {
  type: 'done';
  records: number;
  next: number[];
  problems: string[];
  unblocked: number;
}

function message<T>(worker: Worker, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (value: { type: string }): void => {
      if (value.type !== type) return;
      worker.off('message', onMessage);
      resolve(value as T);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

function startConsumer(
  buffer: SharedArrayBuffer,
  kind: string,
  producerCount: number,
  batch: boolean,
  useAsync = false,
): Worker {
  return new Worker(fixturePath('consumer.mjs'), {
    workerData: { buffer, kind, producerCount, batch, useAsync },
  });
}

describe('SpscRing across worker_threads', () => {
  it.each([
    ['recv per record', false, false],
    ['recvSync then poll', true, false],
    ['deferred commits, published by commit, back-pressure and close', true, true],
    ['recv then poll, in a worker with nothing else to keep it alive', true, false, true],
  ])(
    'main-thread producer → worker consumer (%s): no loss, duplication or reordering',
    async (_name, batch, deferred, useAsync = false) => {
      const count = SOAK ? 20_000_000 : 300_000;
      const buffer = SpscRing.allocate(1 << 16);
      const consumer = startConsumer(buffer, 'spsc', 1, batch, useAsync);
      const verdict = message<Verdict>(consumer, 'done');
      await message(consumer, 'ready');
      const sender = new Sender(SpscRing.attach(buffer));
      const maxBody = Math.min(sender.ring.maxPayloadBytes - PAYLOAD_HEADER_BYTES, 2000);
      let backPressured = 0;
      const scratch = new Uint8Array(sender.ring.maxPayloadBytes);
      for (let sequence = 0; sequence < count;) {
        // Alternate the zero-copy claim (payload written in place) and trySend (copied in); with
        // deferred commits, claim every record and publish only every 37th one explicitly.
        if (deferred || sequence % 2 === 0) {
          const length = PAYLOAD_HEADER_BYTES + bodyLength(0, sequence, maxBody);
          const claim = sender.tryClaim(length);
          if (claim === BACK_PRESSURED) {
            // Yield now and then: a consumer that died must fail the test, not hang it.
            if (++backPressured % 100_000 === 0) await new Promise(setImmediate);
            continue;
          }
          if (typeof claim === 'number') throw new Error(`unexpected ${claim}`);
          writePayload(claim.buffer, claim.offset, 0, sequence, maxBody);
          if (deferred && sequence % 37 !== 0) claim.commitDeferred();
          else claim.commit();
        } else {
          const length = writePayload(scratch, 0, 0, sequence, maxBody);
          if (sender.trySend(scratch.subarray(0, length)) === BACK_PRESSURED) {
            if (++backPressured % 100_000 === 0) await new Promise(setImmediate);
            continue;
          }
        }
        sequence++;
      }
      sender.close();
      const result = await verdict;
      await consumer.terminate();
      expect(result.problems).toEqual([]);
      expect(result.records).toBe(count);
      expect(result.next).toEqual([count]);
      expect(backPressured).toBeGreaterThanOrEqual(0);
    },
  );
});

describe('MpscRing across worker_threads', () => {
  it('2 producer workers → main-thread consumer: per-producer order, no loss or duplication', async () => {
    const count = SOAK ? 10_000_000 : 200_000;
    const buffer = MpscRing.allocate(1 << 16);
    const start = new SharedArrayBuffer(4);
    const producers = [0, 1].map(
      (producer) =>
        new Worker(fixturePath('producer.mjs'), {
          workerData: { buffer, kind: 'mpsc', producer, count, start },
        }),
    );
    const done = producers.map((worker) => message(worker, 'done'));
    const consumer = MpscRing.attach(buffer, { unblockTimeoutMs: 10_000 });
    const verifier = new PayloadVerifier(2);
    const check = (record: { buffer: Uint8Array; offset: number; length: number }): void =>
      verifier.check(record.buffer, record.offset, record.length);
    Atomics.store(new Int32Array(start), 0, 1);
    Atomics.notify(new Int32Array(start), 0);
    let finished = false;
    void Promise.all(done).then(() => (finished = true));
    while (!finished || consumer.recordsAvailable() > 0 || consumer.bytesAvailable() > 0) {
      if (consumer.poll(check, 4096) === 0) await new Promise(setImmediate);
    }
    await Promise.all(producers.map((worker) => worker.terminate()));
    expect(verifier.problems).toEqual([]);
    expect(verifier.next).toEqual([count, count]);
    expect(consumer.unblockedCount()).toBe(0);
    expect(consumer.lateCommitCount()).toBe(0);
  });

  it('2 producer workers → worker consumer blocking in recv', async () => {
    const count = SOAK ? 10_000_000 : 120_000;
    const buffer = MpscRing.allocate(1 << 14);
    const start = new SharedArrayBuffer(4);
    const consumer = startConsumer(buffer, 'mpsc', 2, true);
    const verdict = message<Verdict>(consumer, 'done');
    await message(consumer, 'ready');
    const producers = [0, 1].map(
      (producer) =>
        new Worker(fixturePath('producer.mjs'), {
          workerData: { buffer, kind: 'mpsc', producer, count, start },
        }),
    );
    const done = producers.map((worker) => message(worker, 'done'));
    Atomics.store(new Int32Array(start), 0, 1);
    Atomics.notify(new Int32Array(start), 0);
    await Promise.all(done);
    new Sender(MpscRing.attach(buffer)).close();
    const result = await verdict;
    await Promise.all([...producers, consumer].map((worker) => worker.terminate()));
    expect(result.problems).toEqual([]);
    expect(result.next).toEqual([count, count]);
  });

  it('unblocks the claim of a producer worker terminated mid-claim, and counts it', async () => {
    const buffer = MpscRing.allocate(1 << 12);
    const stuck = new Worker(fixturePath('stuck-producer.mjs'), {
      workerData: { buffer, producer: 0, before: 5 },
    });
    await message(stuck, 'claimed');
    await stuck.terminate();
    // Another producer keeps sending behind the dead claim.
    const producer = MpscRing.attach(buffer);
    const scratch = new Uint8Array(producer.maxPayloadBytes);
    for (let sequence = 0; sequence < 5; sequence++) {
      const length = writePayload(scratch, 0, 1, sequence, 64);
      expect(producer.trySend(scratch.subarray(0, length))).toBe(length);
    }
    const consumer = MpscRing.attach(buffer, { unblockTimeoutMs: 20 });
    const verifier = new PayloadVerifier(2);
    // Poll (never sleep to synchronise) until everything behind the dead claim arrived.
    while (verifier.records < 10) {
      consumer.poll((record) => verifier.check(record.buffer, record.offset, record.length));
      await new Promise(setImmediate);
    }
    expect(verifier.problems).toEqual([]);
    expect(verifier.next).toEqual([5, 5]);
    expect(consumer.unblockedCount()).toBe(1);
    expect(consumer.consumerPosition()).toBe(consumer.producerPosition());
  });
});
