/**
 * Deleting a topic's oldest segments once retention lets them go, in the order that keeps a
 * crash at any point harmless: named readers' indexes made durable first, readers moved off the
 * segments, then the files unlinked oldest first (never a gap) and the directory synced.
 *
 * Separate from topic.ts: it runs off the caller's path (retention.ts runs it), and touches the
 * topic only through what {@link DeletionContext} lists.
 *
 * @module
 */
import { open, unlink } from 'node:fs/promises';

import type { Cursor } from './cursor.js';
import type { ResolvedWalOptions } from './options.js';
import type { ReaderTable } from './reader-table.js';
import { deletableSegments } from './retention.js';
import type { SegmentChain } from './segment-chain.js';
import type { SparseIndex } from './sparse-index.js';
import type { TopicSync } from './topic-sync.js';

/** What deleting segments needs from the topic. */
export interface DeletionContext {
  readonly directory: string;
  readonly options: ResolvedWalOptions;
  readonly chain: SegmentChain;
  /** The named readers' table, if open (read when used: finding the consumed index may open it). */
  readers(): ReaderTable | undefined;
  readonly sync: TopicSync;
  readonly index: SparseIndex;
  /** The cursors of the open readers. */
  readonly cursors: ReadonlySet<Cursor>;
  /** The lowest index stored for a named reader; undefined when the topic has none. */
  consumedIndex(): number | undefined;
  /** Positions `cursor` at `index`, clamped to the records kept. */
  seek(cursor: Cursor, index: number): void;
}

/** Deletes the oldest segments the retention policy lets go now. */
export async function deleteOldestSegments(topic: DeletionContext): Promise<void> {
  const chain = topic.chain;
  const facts = {
    firstIndexes: chain.firstIndexes,
    consumedIndex: () => topic.consumedIndex(),
    createdMs: (k: number) => chain.createdMs(k),
  };
  const count = deletableSegments(topic.options, facts);
  if (count === 0) return;
  // Indexes stored in memory are what made these segments consumable: make them durable
  // before the segments go, so a power loss cannot send a reader back into a deleted one.
  const readers = topic.readers();
  if (readers !== undefined) await readers.sync();
  // A sync in the pool may still be syncing a segment about to go: closing it under that sync
  // would fail the sync, and with it the log.
  await topic.sync.idle();
  if (chain.firstIndexes.length - 1 < count) return;
  const gone = chain.removeOldest(count);
  for (const { first, segment } of gone) {
    topic.sync.forget(segment, chain.pathOf(first));
    topic.index.forget(first);
  }
  // Readers inside a deleted segment (only a size or age policy deletes unread records) go on
  // from the oldest record kept; the others keep their place, one segment lower per one gone.
  for (const cursor of topic.cursors) {
    if (cursor.segmentIndex < count) topic.seek(cursor, chain.firstIndexes[0] as number);
    else cursor.segmentIndex -= count;
  }
  // Oldest first: a crash part-way leaves a contiguous run of segments, never a gap.
  for (const { first } of gone) await unlink(chain.pathOf(first));
  const directory = await open(topic.directory, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
