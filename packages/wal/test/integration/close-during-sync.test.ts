import { Wal } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { pollOf } from '../read-helpers.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const ROUNDS = 40;
const RECORDS_PER_ROUND = 50;

/**
 * closeSync() while syncs run in the libuv pool: the scheduled sync of `'each'`, a
 * `wal.sync()`, and syncs of a named reader's place. closeSync syncs on the calling thread and
 * unmaps; a sync still in the pool must then neither crash the process nor fail the promises
 * that wait for it (what they wait for is durable), and every record must be there at reopen.
 */
describe.each(['mmap', 'fd'] as const)('Wal.closeSync() during syncs in flight (%s)', (backend) => {
  it.each([
    ['each', 'each'],
    ['every 1 ms', { everyMs: 1 }],
    ['manual', 'manual'],
  ] as const)(
    'under sync %s resolves every pending append and sync, and loses nothing',
    async (_, sync) => {
      const dir = temporaryDirectory();
      let expected = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const wal = Wal.open(dir, { backend, sync, segmentBytes: '1 MiB' });
        const pending: Promise<unknown>[] = [];
        for (let n = 0; n < RECORDS_PER_ROUND; n++) {
          const payload = encoder.encode(`record ${expected++}`);
          if (n % 2 === 0) pending.push(wal.append('t', payload));
          else wal.appendSync('t', payload);
          if (n % 10 === 0) {
            const reader = wal.reader('t', { name: 'r' });
            reader.next();
            reader.close();
          }
          if (n % 7 === 0) pending.push(wal.sync());
        }
        // Let the pool pick some of the syncs up, then close with them in flight.
        await new Promise<void>((resolve) => setImmediate(resolve));
        pending.push(wal.sync());
        wal.closeSync();
        const outcomes = await Promise.allSettled(pending);
        expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      }
      await using wal = Wal.open(dir, { backend, sync: 'none' });
      const records = pollOf(wal, 't', 'check', ROUNDS * RECORDS_PER_ROUND + 1);
      expect(records).toHaveLength(ROUNDS * RECORDS_PER_ROUND);
      records.forEach((record, n) => {
        expect(record.index).toBe(n);
        expect(decoder.decode(record.payload)).toBe(`record ${n}`);
      });
    },
  );
});
