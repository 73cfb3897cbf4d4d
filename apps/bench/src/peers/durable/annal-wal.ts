/**
 * `@annal/wal` as a durable target: a log with fsync `'each'`, so `await wal.append(topic,
 * record)` resolves after the sync that covers the entry (for the mmap backend, msync(MS_SYNC)
 * of the range written since the last sync, in the libuv thread pool; for fd, pwritev + an
 * fdatasync in the pool), `wal.appendSync` returns after the same sync made on the JS thread,
 * and `await wal.appendBatch(topic, records)` after the one sync that covers the whole batch.
 * Appends made while a sync runs share the next one (group commit), which is what the
 * 64-caller rows measure. Verified by reading the whole topic back.
 *
 * @module
 */
import {
  closeWal,
  openWalInTemporaryDirectory,
  verifyWalTopic,
  WAL_TOPIC,
  type WalBackend,
} from '../annal-wal.js';
import type { DurableTarget } from './durable-target.js';

/**
 * How a one-caller row appends: `await wal.append` (its sync runs off the JS thread, shared by
 * every append queued meanwhile) or `wal.appendSync` (which under 'each' syncs on the calling
 * thread before it returns).
 */
export type DurableCall = 'append' | 'appendSync';

/** A durable target over a new `@annal/wal` log (fsync 'each', default segments and limits). */
export function createAnnalWalDurableTarget(
  backend: WalBackend,
  call: DurableCall = 'append',
): DurableTarget {
  const opened = openWalInTemporaryDirectory({ backend, sync: 'each' });
  const { wal } = opened;
  let closed = false;
  return {
    append:
      call === 'appendSync'
        ? (record: Buffer): void => {
            wal.appendSync(WAL_TOPIC, record);
          }
        : async (record: Buffer): Promise<void> => {
            await wal.append(WAL_TOPIC, record);
          },
    async appendBatch(records: readonly Buffer[]): Promise<void> {
      await wal.appendBatch(WAL_TOPIC, records);
    },
    verify: (count, template) => {
      verifyWalTopic(wal, count, template);
    },
    notes: `backend ${backend}, sync: 'each', segments of ${wal.options.segmentBytes / 1024 / 1024} MiB preallocated (posix_fallocate) and prefaulted`,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await closeWal(opened);
    },
  };
}
