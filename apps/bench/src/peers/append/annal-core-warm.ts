/**
 * `@annal/core` as an append target within a warm block: the `annal-warm` rows. Every round
 * appends into block 0 of a queue whose pages the appender's own prefaulter has already faulted
 * in, writable, and no round allocates, maps or waits for a block, so what is timed is the
 * per-record cost alone. The queue options are the sustained rows' (FAST_DAILY, 64 MiB blocks).
 *
 * How, all of it untimed, in `prepareRound`:
 * - When the coming round might not fit in what is left of block 0, the current queue is
 *   verified (every record, byte for byte), closed and deleted, and a fresh queue is opened in a
 *   new directory.
 * - Opening its appender allocates blocks 0 and 1 (posix_fallocate), maps them, and starts
 *   prefaulting both off the JS thread (MADV_POPULATE_WRITE in the libuv pool). `@annal/core`
 *   gives no way to await that prefault (`CycleFile.prefault` drops the promise of
 *   `MappedFile.prefault`), so the target polls `/proc/self/smaps` until both block mappings
 *   are resident in full: then no prefault is running, and no page of block 0 faults when the
 *   appender writes it. (Should the prefault stop short, the wait ends when residency stops
 *   growing, and the notes count the pages left out; see {@link awaitPrefault}.)
 * - `appender.claim(0).abort()` then writes what only a queue's first append writes: the
 *   first index page (in block 0) and the first-level index entry and advisory end in the header,
 *   whose page would otherwise take a write fault inside the first timed round. It leaves an
 *   8-byte skip frame and no record.
 * - Before every later round, the previous one is checked to have stayed in block 0: had the
 *   appender moved to block 1, it would have allocated block 2 and the file would be longer.
 *   The row fails if it did.
 *
 * @module
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  CYCLE_FILE_EXTENSION,
  DEFAULT_BLOCK_BYTES,
  Queue,
  ROLL_CYCLES,
  type Appender,
} from '@annal/core';
import { pageSize } from '@annal/native';

import { fileMappings } from '../../fixtures/resident-mappings.js';
import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import type { AppendTarget } from './append-target.js';
import { verifyQueueRecords, type AnnalAppendOptions } from './annal-core.js';

/** The block size of the sustained rows, whose block 0 every warm round stays in. */
const BLOCK_BYTES = DEFAULT_BLOCK_BYTES;

/** Blocks an appender has allocated, mapped and prefaulted once it is open: 0 and the next. */
const BLOCKS_AT_OPEN = 2;

/** How long a fresh queue's two blocks may take to be mapped before the row fails. */
const PREFAULT_TIMEOUT_MS = 30_000;

/**
 * How long residency may stay short of full without growing before the prefault is taken as
 * finished. (Rarely, one page stays out after the prefault is done; see {@link awaitPrefault}.)
 */
const PREFAULT_STALL_MS = 2000;

/** Between two reads of /proc/self/smaps while waiting for the prefault. */
const PREFAULT_POLL_MS = 2;

/** Bytes of one index-page frame of a FAST_DAILY queue (docs/format.md): header + entries. */
const INDEX_PAGE_FRAME_BYTES = 8 + 4 * ROLL_CYCLES.FAST_DAILY.indexCount;

/** Bytes of a record's frame (docs/format.md): 8-byte header, payload, zeros to a multiple of 8. */
function frameBytes(payloadBytes: number): number {
  return Math.ceil((8 + payloadBytes) / 8) * 8;
}

/** The open queue the rounds append to, and what is known about its one cycle file. */
interface WarmQueue {
  readonly queue: Queue;
  readonly appender: Appender;
  /** Real path of the cycle file (as /proc/self/smaps names it). */
  readonly cyclePath: string;
  /** File length once the appender is open: header + {@link BLOCKS_AT_OPEN} blocks. */
  readonly openLength: number;
  /** Sequence number of the queue's first record. */
  readonly firstSequence: number;
  /** Upper bound of the bytes of block 0 used so far (primer, then whole rounds). */
  usedBytes: number;
}

/** The one cycle file in `directory` (its real path). */
function onlyCycleFile(directory: string): string {
  const names = readdirSync(directory).filter((name) => name.endsWith(CYCLE_FILE_EXTENSION));
  if (names.length !== 1 || names[0] === undefined) {
    throw new Error(
      `expected one cycle file in ${directory}, found ${names.length}: ${names.join(', ')} (a warm round must not roll to the next cycle)`,
    );
  }
  return realpathSync(join(directory, names[0]));
}

/**
 * Resolves once this process's mappings of `cyclePath` past its header cover the first
 * {@link BLOCKS_AT_OPEN} blocks and are resident in full, with 0; or, when residency stops
 * growing short of that for {@link PREFAULT_STALL_MS}, with the bytes left out. (Seen once in
 * ~100 queues on this VM: the prefault ended one page short, and that page stayed out for the
 * 30 s timeout. `@annal/core` drops the prefault's error, if there was one; the appender then
 * faults that page itself, inside a round, and the row's fault count shows it.)
 *
 * @throws when the blocks are not mapped within {@link PREFAULT_TIMEOUT_MS}
 */
async function awaitPrefault(cyclePath: string, headerBytes: number): Promise<number> {
  const wanted = BLOCKS_AT_OPEN * BLOCK_BYTES;
  const deadline = performance.now() + PREFAULT_TIMEOUT_MS;
  let lastResident = -1;
  let lastGrowth = performance.now();
  for (;;) {
    let mapped = 0;
    let resident = 0;
    for (const mapping of fileMappings(cyclePath)) {
      if (mapping.offsetBytes < headerBytes) continue;
      mapped += mapping.sizeBytes;
      resident += mapping.residentBytes;
    }
    const now = performance.now();
    if (resident !== lastResident) {
      lastResident = resident;
      lastGrowth = now;
    }
    if (mapped >= wanted) {
      if (resident >= mapped) return 0;
      if (now - lastGrowth > PREFAULT_STALL_MS) return mapped - resident;
    } else if (now > deadline) {
      throw new Error(
        `${cyclePath}: ${mapped} block bytes mapped after ${PREFAULT_TIMEOUT_MS} ms, expected ${wanted}`,
      );
    }
    await sleep(PREFAULT_POLL_MS);
  }
}

/**
 * An append target that keeps every round inside block 0 of a fresh, fully prefaulted
 * `@annal/core` queue (FAST_DAILY, 64 MiB blocks, no sync); see the module comment.
 */
export function createAnnalCoreWarmTarget(
  options: AnnalAppendOptions,
  payloadBytes: number,
): AppendTarget {
  const parent = createTemporaryDirectory();
  const primerBytes = 8 + INDEX_PAGE_FRAME_BYTES;
  let current: WarmQueue | undefined;
  // The current queue's appender, called as directly as the sustained rows call theirs.
  let appender: Appender | undefined;
  let queuesOpened = 0;
  let roundsPerQueue = 0;
  let verifiedRecords = 0;
  /** Bytes the prefault left out, summed over queues, and the queues it left any out in. */
  let unfaultedBytes = 0;
  let shortQueues = 0;

  /** Throws unless the rounds so far left the cycle file as the appender opened it. */
  const checkStillInBlockZero = (warm: WarmQueue): void => {
    const length = statSync(warm.cyclePath).size;
    if (length !== warm.openLength) {
      throw new Error(
        `${warm.cyclePath} grew from ${warm.openLength} to ${length} bytes: a warm round left block 0`,
      );
    }
    onlyCycleFile(warm.queue.directory);
  };

  const retire = (warm: WarmQueue, nextSequence: number, template: Buffer): void => {
    checkStillInBlockZero(warm);
    const count = nextSequence - warm.firstSequence;
    verifyQueueRecords(warm.queue, warm.firstSequence, count, template);
    verifiedRecords += count;
    warm.queue.close();
    removeTemporaryDirectory(warm.queue.directory);
  };

  const open = async (firstSequence: number): Promise<WarmQueue> => {
    const queue = Queue.open(join(parent, `queue-${queuesOpened}`), {
      checksums: options.checksums,
      blockBytes: BLOCK_BYTES,
    });
    queuesOpened++;
    try {
      const queueAppender = queue.appender();
      const cyclePath = onlyCycleFile(queue.directory);
      const openLength = statSync(cyclePath).size;
      const headerBytes = openLength - BLOCKS_AT_OPEN * BLOCK_BYTES;
      if (headerBytes <= 0 || headerBytes >= BLOCK_BYTES) {
        throw new Error(
          `${cyclePath} is ${openLength} bytes once its appender is open, not a header and ${BLOCKS_AT_OPEN} blocks of ${BLOCK_BYTES}`,
        );
      }
      const leftOut = await awaitPrefault(cyclePath, headerBytes);
      unfaultedBytes += leftOut;
      if (leftOut > 0) shortQueues++;
      queueAppender.claim(0).abort();
      return {
        queue,
        appender: queueAppender,
        cyclePath,
        openLength,
        firstSequence,
        usedBytes: primerBytes,
      };
    } catch (error) {
      queue.close();
      throw error;
    }
  };

  return {
    append(record: Buffer): boolean {
      (appender as Appender).appendSync(record);
      return true;
    },
    drain: () => Promise.resolve(),
    // Each append is in the page cache when it returns: nothing to settle.
    settle: () => undefined,
    async prepareRound(records: number, firstSequence: number, template: Buffer): Promise<void> {
      // At most one new index page per round: a page covers 2^20 records, a round ≤ 2^16.
      const roundBytes = records * frameBytes(payloadBytes) + INDEX_PAGE_FRAME_BYTES;
      roundsPerQueue = Math.floor((BLOCK_BYTES - primerBytes) / roundBytes);
      if (roundsPerQueue < 1) throw new Error(`a round of ${roundBytes} bytes exceeds a block`);
      if (current !== undefined && current.usedBytes + roundBytes <= BLOCK_BYTES) {
        checkStillInBlockZero(current);
      } else {
        const leaving = current;
        current = undefined;
        appender = undefined;
        if (leaving !== undefined) retire(leaving, firstSequence, template);
        current = await open(firstSequence);
        appender = current.appender;
      }
      current.usedBytes += roundBytes;
    },
    verify(count: number, template: Buffer): void {
      if (current === undefined) throw new Error('no round was run');
      const last = current;
      current = undefined;
      appender = undefined;
      retire(last, count, template);
      if (verifiedRecords !== count) {
        throw new Error(`verified ${verifiedRecords} records in all, expected ${count}`);
      }
    },
    directory: undefined,
    get notes(): string {
      const residency =
        shortQueues === 0
          ? 'every queue had both blocks resident in full before its first round'
          : `the prefault left ${unfaultedBytes / pageSize()} page(s) out in ${shortQueues} queue(s), which the appender faulted in itself`;
      return `checksums ${options.checksums}; ${queuesOpened} fresh queues of ${roundsPerQueue} rounds each, all in block 0; before a queue's first round (untimed): blocks 0 and 1 allocated and prefaulted by the appender, waited for until resident in full (/proc/self/smaps), then claim(0).abort() to write the first index page and header entry; ${residency}; after its last round each queue was checked to still hold one cycle file of 2 blocks, verified record by record and deleted`;
    },
    close(): void {
      current?.queue.close();
      current = undefined;
      removeTemporaryDirectory(parent);
    },
  };
}
