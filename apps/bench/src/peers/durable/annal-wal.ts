/**
 * `@annal/wal` as a durable target: a log with fsync `'each'`, so `await wal.append(topic,
 * record)` resolves after the sync that covers the entry (for the mmap backend, msync(MS_SYNC)
 * of the segment's mapping, and of the readers table if there is one, in the libuv thread pool),
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

/** A durable target over a new `@annal/wal` log (fsync 'each', default segments and limits). */
export function createAnnalWalDurableTarget(backend: WalBackend): DurableTarget {
  const opened = openWalInTemporaryDirectory({ backend, fsync: 'each' });
  const { wal } = opened;
  let closed = false;
  return {
    async append(record: Buffer): Promise<void> {
      await wal.append(WAL_TOPIC, record);
    },
    async appendBatch(records: readonly Buffer[]): Promise<void> {
      await wal.appendBatch(WAL_TOPIC, records);
    },
    verify: (count, template) => {
      verifyWalTopic(wal, count, template);
    },
    notes: `backend ${backend}, fsync: 'each', segments of ${wal.options.segmentBytes / 1024 / 1024} MiB preallocated (posix_fallocate) and prefaulted`,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await closeWal(opened);
    },
  };
}
