import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';

import { ManualClock, SMALL, payloadOf, readAll } from '../queue-helpers.js';

/**
 * A step of a property run: records appended as a batch, one by one, or as deferred claims; a
 * flush; or a clock jump (which rolls).
 */
type Step =
  | { kind: 'batch' | 'single' | 'deferred'; lengths: number[] }
  | { kind: 'flush' }
  | { kind: 'advance'; ms: number };

const lengths = fc.array(
  fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 9000 })),
  {
    maxLength: 600,
  },
);

const step = fc.oneof(
  { weight: 4, arbitrary: lengths.map((l): Step => ({ kind: 'batch', lengths: l })) },
  { weight: 2, arbitrary: lengths.map((l): Step => ({ kind: 'single', lengths: l })) },
  { weight: 3, arbitrary: lengths.map((l): Step => ({ kind: 'deferred', lengths: l })) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'flush' }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 2500 }).map((ms): Step => ({ kind: 'advance', ms })),
  },
);

describe('appendBatchSync and deferred commits', () => {
  it('read back like appendSync: every record, in order, at the indexes returned, seekable, verified', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (steps, checksums) => {
          const clock = new ManualClock();
          using queue = Queue.open(temporaryDirectory(), {
            ...SMALL,
            indexCount: 16,
            indexSpacing: 4,
            clock: clock.read,
            checksums: checksums ? 'crc32c' : 'off',
          });
          const appender = queue.appender();
          const appended: number[] = [];
          const lastIndexes: number[] = [];
          for (const s of steps) {
            if (s.kind === 'advance') clock.advance(s.ms);
            else if (s.kind === 'flush') appender.flush();
            else if (s.kind === 'batch') {
              const first = appended.length;
              appended.push(...s.lengths);
              const last = appender.appendBatchSync(
                s.lengths.map((length, k) => payloadOf(first + k, length)),
              );
              if (s.lengths.length === 0) expect(last).toBe(-1);
              else lastIndexes.push(last);
            } else {
              for (const length of s.lengths) {
                const n = appended.length;
                appended.push(length);
                if (s.kind === 'single') {
                  lastIndexes.push(appender.appendSync(payloadOf(n, length)));
                  continue;
                }
                const claim = appender.claim(length);
                claim.buffer.set(payloadOf(n, length), claim.offset);
                lastIndexes.push(claim.commitDeferred());
              }
            }
          }
          appender.flush();
          const lengths = appended;
          const records = readAll(queue);
          expect(records).toHaveLength(lengths.length);
          records.forEach((record, n) => expect(record.payload).toEqual(payloadOf(n, lengths[n]!)));
          // Each batch returned its last record's index.
          const indexes = new Set(records.map((record) => record.index));
          for (const last of lastIndexes) expect(indexes.has(last)).toBe(true);
          expect(lastIndexes.at(-1) ?? -1).toBe(records.at(-1)?.index ?? -1);
          // Index pages point where the records are.
          const reader = queue.reader();
          for (let n = 0; n < records.length; n += 7) {
            expect(reader.seek(records[n]!.index)).toBe(true);
            expect(reader.next()?.copy()).toEqual(records[n]!.payload);
          }
          reader.close();
          expect(queue.verify()).toMatchObject({ ok: true, records: lengths.length });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('mixes with appendSync and claims, and a reopened appender goes on after the batch', () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    {
      using queue = Queue.open(directory, { ...SMALL, clock: clock.read, checksums: 'crc32c' });
      const appender = queue.appender();
      appender.appendSync(payloadOf(0, 10));
      expect(appender.appendBatchSync([payloadOf(1, 300), payloadOf(2, 0), payloadOf(3, 5)])).toBe(
        appender.appendSync(payloadOf(4, 1)) - 1,
      );
      const claim = appender.claim(2);
      claim.buffer.set(payloadOf(5, 2), claim.offset);
      claim.commit();
    }
    using queue = Queue.open(directory, { ...SMALL, clock: clock.read, checksums: 'crc32c' });
    const appender = queue.appender();
    appender.appendBatchSync([payloadOf(6, 3), payloadOf(7, 4000)]);
    expect(readAll(queue).map((record) => record.payload)).toEqual(
      [10, 300, 0, 5, 1, 2, 3, 4000].map((length, n) => payloadOf(n, length)),
    );
    expect(queue.verify().ok).toBe(true);
  });

  it('commitDeferred: readers see nothing until flush (or the next publish), then all in order', () => {
    const directory = temporaryDirectory();
    {
      using queue = Queue.open(directory, { ...SMALL, checksums: 'crc32c' });
      const appender = queue.appender();
      const reader = queue.reader();
      const indexes: number[] = [];
      for (let n = 0; n < 10; n++) {
        const claim = appender.claim(150);
        claim.buffer.set(payloadOf(n, 150), claim.offset);
        indexes.push(claim.commitDeferred());
      }
      expect(reader.next()).toBeUndefined();
      expect(appender.flush()).toBe(true);
      expect(appender.flush()).toBe(false);
      for (const index of indexes) expect(reader.next()?.index).toBe(index);
      // appendSync publishes what waits before its own record.
      const claim = appender.claim(3);
      claim.buffer.set(payloadOf(10, 3), claim.offset);
      claim.commitDeferred();
      appender.appendSync(payloadOf(11, 4));
      expect(reader.next()?.copy()).toEqual(payloadOf(10, 3));
      expect(reader.next()?.copy()).toEqual(payloadOf(11, 4));
      // More than 256 waiting: the first 256 are published without a flush.
      for (let n = 12; n < 12 + 300; n++) {
        const c = appender.claim(8);
        c.buffer.set(payloadOf(n, 8), c.offset);
        c.commitDeferred();
      }
      let seen = 0;
      while (reader.next() !== undefined) seen++;
      expect(seen).toBe(256);
      reader.close();
      // close() publishes the rest.
    }
    using queue = Queue.open(directory, SMALL);
    expect(readAll(queue)).toHaveLength(312);
    expect(queue.verify().ok).toBe(true);
    expect(() => queue.appender().claim(1).commitDeferred()).not.toThrow();
  });

  it('checks every payload first: a bad one appends nothing and names its place', () => {
    using queue = Queue.open(temporaryDirectory(), SMALL);
    const appender = queue.appender();
    expect(() => appender.appendBatchSync('abc' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'payloads' }),
    );
    expect(() => appender.appendBatchSync([Uint8Array.of(1), 'x' as never])).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'payloads[1]' }),
    );
    const tooLong = new Uint8Array(appender.maxPayloadBytes + 1);
    expect(() => appender.appendBatchSync([Uint8Array.of(1), tooLong])).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_TOO_LARGE', field: 'payloads[1]' }),
    );
    expect(readAll(queue)).toEqual([]);
    const claim = appender.claim(1);
    expect(() => appender.appendBatchSync([Uint8Array.of(1)])).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT' }),
    );
    claim.abort();
    appender.close();
    expect(() => appender.appendBatchSync([Uint8Array.of(1)])).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }),
    );
  });

  it('appendBatch resolves with the last index under every sync policy', async () => {
    for (const sync of ['none', 'manual', 'each', { everyMs: 5 }] as const) {
      using queue = Queue.open(temporaryDirectory(), { ...SMALL, sync });
      const appender = queue.appender();
      const last = await appender.appendBatch([payloadOf(0, 1), payloadOf(1, 200)]);
      expect(readAll(queue).at(-1)?.index).toBe(last);
      await expect(appender.appendBatch([1] as never)).rejects.toMatchObject({
        code: 'ERR_ANNAL_INVALID_ARGUMENT',
      });
    }
  });

  it('from shared appenders, one total order; a reader in a worker sees every record of a batch', async () => {
    const directory = temporaryDirectory();
    using first = Queue.open(directory, SMALL);
    using second = Queue.open(directory, SMALL);
    const a = first.appender({ shared: true });
    const b = second.appender({ shared: true });
    const follower = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(workerData.core).then(async ({ Queue }) => {
         const queue = Queue.open(workerData.directory, { readOnly: true });
         const reader = queue.reader();
         let count = 0;
         while (count < workerData.total) {
           if (reader.next() !== undefined) count++;
           else await reader.waitNext();
         }
         parentPort.postMessage(count);
         queue.close();
       });`,
      {
        eval: true,
        workerData: {
          directory,
          total: 400,
          core: import.meta.resolve('@annal/core'),
        },
      },
    );
    for (let n = 0; n < 100; n++) {
      a.appendBatchSync([payloadOf(n, 3), payloadOf(n, 150)]);
      b.appendBatchSync([payloadOf(n, 4), payloadOf(n, 151)]);
    }
    const [seen] = (await once(follower, 'message')) as [number];
    expect(seen).toBe(400);
    expect(readAll(first)).toHaveLength(400);
  });
});
