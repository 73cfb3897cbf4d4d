/**
 * One topic: its chain of segments, the end where appends go, and the cursors of its open
 * readers. Indexes are record numbers (0, 1, 2, …), plain JS numbers, exact to 2^53. This module
 * holds the topic's API and its per-record paths (append, peek); the rest is in its own file:
 * the end where appends go and the roll (topic-end.ts), the sparse index (sparse-index.ts), the
 * sync bookkeeping (topic-sync.ts), retention (retention.ts) and the deletion of segments
 * (segment-deletion.ts), spares (spare-segment.ts), the segment files (segment-chain.ts) and
 * recovery (recovery.ts).
 *
 * Visibility: a record becomes readable when `append` returns, a batch's records all at once
 * when `appendBatch` returns; both run to completion on the owning thread, so a reader never
 * sees part of a batch. On disk a batch is members followed by a commit frame: reopening after
 * a crash drops members without their commit (layout.ts).
 *
 * About 500 lines on purpose: one class, whose per-record paths (append, peek, the cursors of
 * its readers) read the same private fields as its API; every job that is not on those paths
 * is in the files listed above.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { CorruptError } from '@annal/native';

import { checkBatch, recordTooLarge } from './batch-limits.js';
import type { Cursor, RecordLocation } from './cursor.js';
import {
  KIND_BATCH_COMMIT,
  KIND_BATCH_MEMBER,
  KIND_END,
  KIND_RECORD,
  READERS_FILE,
  SEGMENT_HEADER_BYTES,
  frameBytes,
} from './layout.js';
import type { ResolvedWalOptions } from './options.js';
import { forgetWindow, LiveEnd } from './live-end.js';
import { ReaderTable } from './reader-table.js';
import { recoverTopic } from './recovery.js';
import { RetentionRun, retains } from './retention.js';
import { deleteOldestSegments } from './segment-deletion.js';
import { EMPTY, type Frame, type ReadWindow, type Segment } from './segment.js';
import { SegmentChain } from './segment-chain.js';
import { SparseIndex } from './sparse-index.js';
import { TopicEnd } from './topic-end.js';
import { TopicSync } from './topic-sync.js';

/**
 * Codes of the process warnings a topic emits: `ANNAL_WAL_RECOVERY` when opening it removed,
 * moved or cut something (recovery.ts), `ANNAL_WAL_RETENTION` when retention could not delete a
 * segment.
 */
export type WarningCode = 'ANNAL_WAL_RECOVERY' | 'ANNAL_WAL_RETENTION';

export class Topic {
  readonly name: string;
  readonly directory: string;
  readonly #options: ResolvedWalOptions;
  readonly #warn: (code: WarningCode, message: string) => void;
  /** First indexes of the segments, ascending; a segment is opened when first needed. */
  readonly #chain: SegmentChain;
  /** The cursors of the open readers (retention moves them when it deletes segments). */
  readonly #cursors = new Set<Cursor>();
  #readers: ReaderTable | undefined;
  /** Where appends go: the active segment, the position in it, the next index (topic-end.ts). */
  readonly #end: TopicEnd;
  readonly #frame: Frame = { kind: 0, length: 0, bytes: EMPTY, start: 0 };
  readonly #location: RecordLocation = { index: 0, position: 0, bytes: EMPTY, start: 0, length: 0 };
  readonly #index = new SparseIndex(this.#frame);
  readonly #sync: TopicSync;
  /** Retention's runs; undefined when the options never delete anything. */
  readonly #retention: RetentionRun | undefined;
  /** The `fd` backend's window for one-off reads by index ({@link cursorAt}). */
  #oneOffWindow: ReadWindow | undefined;
  /** Called after every append while someone follows the topic (see {@link onAppend}). */
  #appendWaiters: (() => void)[] = [];
  /** Opened read-only: where what its writer (another process) appended ends (live-end.ts). */
  readonly #live: LiveEnd | undefined;

  constructor(
    name: string,
    directory: string,
    options: ResolvedWalOptions,
    warn: (code: WarningCode, message: string) => void,
  ) {
    this.name = name;
    this.directory = directory;
    this.#options = options;
    this.#warn = warn;
    this.#sync = new TopicSync(directory);
    const readOnly = options.readOnly;
    this.#retention =
      !readOnly && retains(options.retention)
        ? new RetentionRun(
            () => this.#deleteOldest(),
            (message) =>
              warn('ANNAL_WAL_RETENTION', `annal wal: topic ${JSON.stringify(name)}: ${message}`),
          )
        : undefined;
    const chain = (this.#chain = new SegmentChain(name, directory, options.backend, readOnly));
    this.#end = new TopicEnd(name, directory, options, chain, this.#sync, () => {
      this.retainSoon();
    });
    // If recovery leaves no segment, the next one still starts where the last one did.
    this.#end.nextIndex = this.#chain.firstIndexes.at(-1) ?? 0;
    if (readOnly) {
      // Nothing is recovered, cut or stored: the end is wherever the records stop.
      this.#live = new LiveEnd(chain);
      this.#end.nextIndex = this.#live.advance();
      return;
    }
    this.#live = undefined;
    const recovered = recoverTopic({
      name,
      directory,
      options,
      firstIndexes: chain.firstIndexes,
      open: (first) => chain.openFile(first),
      newWindow: () => chain.newWindow(1024 * 1024),
      warn: (message) => warn('ANNAL_WAL_RECOVERY', message),
    });
    if (recovered !== undefined) this.#end.resume(recovered.segment, recovered.end);
    this.#clampReaders();
    if (this.#chain.firstIndexes.length > 1) this.retainSoon();
  }

  /** Index the next record will get. */
  /**
   * Read-only: the bad frame where the readable records end (records after it are not reached),
   * or undefined. A writable topic has none: opening it recovered or refused.
   */
  get damage(): CorruptError | undefined {
    return this.#live?.damage;
  }

  get nextIndex(): number {
    return this.#end.nextIndex;
  }

  /** Index of the oldest record kept (retention may have deleted older ones). */
  get firstIndex(): number {
    return this.#chain.firstIndexes[0] ?? this.#end.nextIndex;
  }

  /** Appends one record. @returns its index */
  append(payload: Uint8Array): number {
    const length = payload.length;
    if (length > this.#options.maxPayloadBytes)
      throw recordTooLarge(length, this.#options, this.name);
    const end = this.#end;
    const segment = end.room(frameBytes(length));
    const index = end.nextIndex;
    end.position = segment.writeFrame(end.position, KIND_RECORD, index, payload);
    end.nextIndex = index + 1;
    if (!end.activeDirty) this.#markDirty(segment);
    if (this.#appendWaiters.length !== 0) this.#wakeFollowers();
    return index;
  }

  /** Appends a batch: members, then the commit frame. @returns the first record's index */
  appendBatch(payloads: readonly Uint8Array[]): number {
    const count = payloads.length;
    const needed = checkBatch(payloads, this.#options, this.name);
    const end = this.#end;
    const first = end.nextIndex;
    // An empty batch writes nothing (no commit frame for no members).
    if (count === 0) return first;
    const segment = end.room(needed);
    let position = end.position;
    for (let i = 0; i < count; i++) {
      position = segment.writeFrame(
        position,
        KIND_BATCH_MEMBER,
        first + i,
        payloads[i] as Uint8Array,
      );
    }
    // The commit frame last: a crash before it leaves members that reopening drops.
    end.position = segment.writeBatchCommit(position, first, count);
    end.nextIndex = first + count;
    if (!end.activeDirty) this.#markDirty(segment);
    if (this.#appendWaiters.length !== 0) this.#wakeFollowers();
    return first;
  }

  /** Calls `wake` once, after the next append (for readers that follow the topic). */
  onAppend(wake: () => void): void {
    this.#appendWaiters.push(wake);
  }

  /** Forgets `wake` (a follower that stopped waiting). */
  offAppend(wake: () => void): void {
    const at = this.#appendWaiters.indexOf(wake);
    if (at >= 0) this.#appendWaiters.splice(at, 1);
  }

  // ---- readers -------------------------------------------------------------------------------

  /**
   * A cursor for an open reader, at the oldest record kept, or for a named reader (`nameBytes`)
   * at its stored index (a new name starts at the oldest record). Retention keeps it valid until
   * {@link closeCursor}.
   */
  openCursor(nameBytes: Uint8Array | undefined): Cursor {
    let slot;
    let index = this.firstIndex;
    if (nameBytes !== undefined) {
      const found = this.#readerTable().slotOf(nameBytes, index);
      slot = found.slot;
      index = Math.max(found.index, index);
    }
    const cursor: Cursor = {
      index: 0,
      segmentIndex: 0,
      position: SEGMENT_HEADER_BYTES,
      slot,
      sinceStore: 0,
      window: this.#chain.newWindow(),
    };
    this.seek(cursor, index);
    this.#cursors.add(cursor);
    return cursor;
  }

  /** The reader of `cursor` closed: retention no longer moves it. */
  closeCursor(cursor: Cursor): void {
    this.#cursors.delete(cursor);
  }

  /**
   * A cursor at `index` that belongs to no reader (nothing is stored, retention does not track
   * it: use it before returning to the event loop). An index before the oldest record kept
   * starts at the oldest.
   */
  cursorAt(index: number): Cursor {
    const cursor: Cursor = {
      index: 0,
      segmentIndex: 0,
      position: SEGMENT_HEADER_BYTES,
      slot: undefined,
      sinceStore: 0,
      // One-off reads run to completion before another starts: they share one window.
      window: (this.#oneOffWindow ??= this.#chain.newWindow()),
    };
    this.seek(cursor, index);
    return cursor;
  }

  /** Names of the named readers this topic has stored an index for. */
  readerNames(): string[] {
    return existsSync(join(this.directory, READERS_FILE)) ? this.#readerTable().names() : [];
  }

  /** Stores `index` in the slot of the cursor's named reader (a crash of the process keeps it). */
  storeIndex(cursor: Cursor, index: number): void {
    if (cursor.slot !== undefined) this.#readers?.store(cursor.slot, index);
    cursor.sinceStore = 0;
  }

  /**
   * The record at the cursor, or undefined when it has read everything appended. Does not move
   * the cursor (see {@link advance}). @throws ERR_ANNAL_CORRUPT at a bad frame
   */
  peek(cursor: Cursor): RecordLocation | undefined {
    for (;;) {
      if (cursor.index >= this.#end.nextIndex) {
        if (this.#live === undefined) return undefined;
        // More was appended, or the cursor's segment was deleted and it moved to the oldest kept.
        if (this.#lookFurther(cursor) || cursor.index < this.#end.nextIndex) continue;
        // A bad frame where the records stop: damage, as opening the log to write would say.
        if (this.#live.damage !== undefined) throw this.#live.damage;
        return undefined;
      }
      const segment = this.#chain.segment(cursor.segmentIndex);
      // Records from here the log knows are committed: the segment may check them ahead.
      const ahead = this.#end.nextIndex - cursor.index;
      const frame = segment.readFrame(
        cursor.position,
        cursor.index,
        this.#frame,
        cursor.window,
        ahead,
      );
      if (frame === undefined) {
        throw segment.corruption(
          cursor.position,
          'no frame where the record should be',
          cursor.index,
        );
      }
      if (frame.kind === KIND_END) {
        cursor.segmentIndex++;
        cursor.position = SEGMENT_HEADER_BYTES;
        // The writer's retention may have deleted the next segments before this log opened them.
        if (this.#live !== undefined) this.#lookFurther(cursor);
        // A named reader leaving a segment may be the last one it waited for.
        if (cursor.slot !== undefined) this.retainSoon();
        continue;
      }
      if (frame.kind === KIND_BATCH_COMMIT) {
        cursor.position += frameBytes(frame.length);
        continue;
      }
      const location = this.#location;
      location.index = cursor.index;
      location.position = cursor.position;
      location.bytes = frame.bytes;
      location.start = frame.start;
      location.length = frame.length;
      return location;
    }
  }

  /** Moves the cursor past the record {@link peek} returned. */
  advance(cursor: Cursor, location: RecordLocation): void {
    cursor.position = location.position + frameBytes(location.length);
    cursor.index = location.index + 1;
  }

  /**
   * Positions `cursor` at `index`, clamped to the records kept: from the oldest up to the next
   * index to be appended.
   */
  seek(cursor: Cursor, index: number): void {
    if (this.#live !== undefined) this.#lookFurther(cursor);
    this.#seek(cursor, index);
  }

  /**
   * Read-only: looks for what the writer appended (and for the segments its retention deleted)
   * since the last look, as a read that reaches the end does. Nothing to do otherwise.
   */
  refresh(cursor?: Cursor): void {
    if (this.#live !== undefined) this.#lookFurther(cursor);
  }

  /** True when this log was opened read-only (nothing is ever written through it). */
  get readOnly(): boolean {
    return this.#live !== undefined;
  }

  /** The segments' first indexes, oldest first, and their paths (for wal.topics()). */
  segmentFiles(): { first: number; path: string }[] {
    return this.#chain.firstIndexes.map((first) => ({ first, path: this.#chain.pathOf(first) }));
  }

  /**
   * Every named reader with a stored index (the index of the next record it reads), in the
   * order they were first used. @throws ERR_ANNAL_CORRUPT at a damaged readers table
   */
  readerIndexes(): { name: string; index: number }[] {
    if (this.#readers === undefined && !existsSync(join(this.directory, READERS_FILE))) return [];
    return this.#readerTable().entries();
  }

  #seek(cursor: Cursor, index: number): void {
    const nextIndex = this.#end.nextIndex;
    const target = Math.min(Math.max(index, this.firstIndex), nextIndex);
    const firsts = this.#chain.firstIndexes;
    let k = 0;
    while (k + 1 < firsts.length && (firsts[k + 1] as number) <= target) k++;
    cursor.segmentIndex = k;
    cursor.position = SEGMENT_HEADER_BYTES;
    cursor.index = firsts[k] ?? nextIndex;
    if (firsts.length === 0) return;
    this.#index.seek(cursor, this.#chain.segment(k), firsts[k] as number, target, nextIndex);
  }

  // ---- durability and lifetime ---------------------------------------------------------------

  /** Syncs what was written since the last call (segments and reader indexes). */
  sync(): Promise<void> {
    this.#end.activeDirty = false;
    return this.#sync.sync(this.#readers);
  }

  /** {@link sync} on the calling thread. @throws ERR_ANNAL_IO when a sync fails */
  syncSync(): void {
    this.#end.activeDirty = false;
    this.#sync.syncSync(this.#readers);
  }

  /** Makes the named readers' stored indexes survive power loss, on the calling thread. */
  syncReadersSync(): void {
    this.#readers?.syncSync();
  }

  /** Resolves when no retention run or spare is in progress (close waits for them). */
  async settled(): Promise<void> {
    while (this.#retention?.running !== undefined || this.#end.spareJob !== undefined) {
      await Promise.all([this.#retention?.running, this.#end.spareJob]);
    }
  }

  close(): void {
    this.#end.close();
    this.#chain.close();
    this.#cursors.clear();
    this.#readers?.close();
    this.#readers = undefined;
    // Followers wake to find the wal closed.
    this.#wakeFollowers();
  }

  // ---- retention -----------------------------------------------------------------------------

  /** Applies the retention policy soon (off the caller's path); see {@link retain}. */
  retainSoon(): void {
    this.#retention?.soon();
  }

  /** Deletes what the retention policy lets go now. @returns when it is gone from disk */
  async retain(): Promise<void> {
    this.retainSoon();
    await this.settled();
  }

  #deleteOldest(): Promise<void> {
    return deleteOldestSegments({
      directory: this.directory,
      options: this.#options,
      chain: this.#chain,
      readers: () => this.#readers,
      sync: this.#sync,
      index: this.#index,
      cursors: this.#cursors,
      consumedIndex: () => this.#consumedIndex(),
      seek: (cursor: Cursor, index: number) => {
        this.seek(cursor, index);
      },
    });
  }

  /** The lowest index stored for a named reader; undefined when the topic has none. */
  #consumedIndex(): number | undefined {
    if (this.#readers === undefined && !existsSync(join(this.directory, READERS_FILE))) {
      return undefined;
    }
    return this.#readerTable().oldestIndex();
  }

  // ---- internals -------------------------------------------------------------------------------

  #readerTable(): ReaderTable {
    return (this.#readers ??= ReaderTable.open(
      join(this.directory, READERS_FILE),
      this.#live !== undefined,
    ));
  }

  /**
   * Read-only: relists the segments and scans on from the end. @returns true when more records
   * became readable. Cursors then read their files again (a window may hold bytes from before).
   */
  #lookFurther(cursor: Cursor | undefined): boolean {
    const live = this.#live as LiveEnd;
    const removed = this.#chain.relist();
    const before = this.#end.nextIndex;
    const next = live.advance();
    this.#end.nextIndex = next;
    if (removed > 0) this.#moveCursors(removed, cursor);
    if (next === before) return false;
    for (const open of this.#cursors) forgetWindow(open.window);
    forgetWindow(cursor?.window);
    forgetWindow(this.#oneOffWindow);
    return true;
  }

  /**
   * Read-only: the oldest `removed` segments left the chain (the writer's retention deleted
   * them); cursors in them go on from the oldest record kept, the others keep their place.
   */
  #moveCursors(removed: number, cursor: Cursor | undefined): void {
    const cursors = new Set(this.#cursors);
    if (cursor !== undefined) cursors.add(cursor);
    for (const moved of cursors) {
      if (moved.segmentIndex >= removed) moved.segmentIndex -= removed;
      else this.#seek(moved, moved.index);
    }
  }

  #wakeFollowers(): void {
    const waiters = this.#appendWaiters;
    this.#appendWaiters = [];
    for (const wake of waiters) wake();
  }

  #markDirty(segment: Segment): void {
    this.#sync.written(segment);
    this.#end.activeDirty = segment === this.#end.active;
  }

  /** Named readers stored past the end (recovery cut what they had read) go back to it. */
  #clampReaders(): void {
    if (!existsSync(join(this.directory, READERS_FILE))) return;
    let moved: { name: string; index: number }[];
    try {
      moved = this.#readerTable().clampTo(this.#end.nextIndex);
    } catch (error) {
      // A damaged table is reported to the named readers that use it; appends go on.
      if (error instanceof CorruptError) return;
      throw error;
    }
    for (const { name, index } of moved) {
      this.#warn(
        'ANNAL_WAL_RECOVERY',
        `annal wal: topic ${JSON.stringify(this.name)}: named reader ${JSON.stringify(name)} had read to index ${index}, past the end of the log (${this.#end.nextIndex}); it goes on from the end, where new records take those indexes`,
      );
    }
  }
}
