/**
 * `@annal/wal` as an append target, sustained: one log in a fresh directory whose one topic
 * grows over every round, `wal.appendSync(topic, record)` per record. Under the mmap backend an
 * entry is in the page cache (stored into the mapped segment, its CRC32C computed) when
 * `appendSync` returns; under the fd backend it is in the topic's stage, which is written with
 * one pwritev when it fills and at the end of the event-loop turn, so the turn `settle` yields
 * (below, timed) hands the round's last stage to the kernel. What differs between the rows of a
 * backend is the fsync schedule running beside the appends:
 *
 * - `'none'`: nothing is ever synced (not even at close).
 * - `{ everyMs: n }`: the log's scheduler syncs (off the JS thread) at most n ms after the first
 *   unsynced append. Its timer needs the event loop, which a round of synchronous appends never
 *   gives it, so `settle` yields one turn (`setImmediate`) after every round, in both rows alike:
 *   the timer fires between rounds and its msync then runs in the thread pool while the next
 *   rounds append.
 *
 * A topic rolls to a new segment (default 32 MiB) when the active one is full: `appendSync`
 * creates the next segment file there and then (temporary file, posix_fallocate, fsync, link,
 * directory fsync), maps it and starts its prefault off the JS thread; that happens inside the
 * timed rounds, as it does for a user. Verified after the rounds by reading the whole topic back.
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
import type { AppendTarget } from './append-target.js';

/** The fsync schedules of the `wal/append` rows (neither makes `appendSync` wait). */
export type WalAppendFsync = 'none' | { readonly everyMs: number };

/** Options of the annal rows of `wal/append`. */
export interface AnnalWalAppendOptions {
  readonly backend: WalBackend;
  readonly fsync: WalAppendFsync;
}

/** A sync schedule as the option is written: `sync: 'none'`, `sync: { everyMs: 200 }`. */
export function describeWalFsync(fsync: WalAppendFsync): string {
  return fsync === 'none' ? "sync: 'none'" : `sync: { everyMs: ${fsync.everyMs} }`;
}

/** One event-loop turn: lets the fsync schedule's timer fire between rounds. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** An append target over a new `@annal/wal` log (default segment size and batch limits). */
export function createAnnalWalTarget(options: AnnalWalAppendOptions): AppendTarget {
  const opened = openWalInTemporaryDirectory({ backend: options.backend, sync: options.fsync });
  const { wal } = opened;
  let closed = false;
  return {
    append(record: Buffer): boolean {
      wal.appendSync(WAL_TOPIC, record);
      return true;
    },
    drain: () => Promise.resolve(),
    // The turn lets the scheduler's timer run, and the fd backend's end-of-turn write.
    settle: yieldToEventLoop,
    verify: (count, template) => {
      verifyWalTopic(wal, count, template);
    },
    directory: opened.directory,
    notes: `backend ${options.backend}, ${describeWalFsync(options.fsync)}, segments of ${wal.options.segmentBytes / 1024 / 1024} MiB (each created, preallocated and synced when the one before is full, inside the rounds); one event-loop turn (setImmediate) after each round; disk counts the preallocated tail of the last segment`,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await closeWal(opened);
    },
  };
}
