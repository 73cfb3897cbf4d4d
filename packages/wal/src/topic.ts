/**
 * One topic: its chain of segments, the end where appends go, and the cursors of its open
 * readers. Indexes are record numbers (0, 1, 2, …), plain JS numbers, exact to 2^53. The sparse
 * index (sparse-index.ts), the sync bookkeeping (topic-sync.ts), retention (retention.ts),
 * spares (spare-segment.ts), the segment files (segment-chain.ts) and recovery (recovery.ts)
 * are each in their own file; this one ties them together. It is longer than ~400 lines because
 * the append end (roll, spare, dirty marks) and the read end (cursors, peek, seek) share the
 * same few fields on the hot path — the active segment, its position and the next index — and
 * splitting them would put a call between an append and those fields.
 *
 * Visibility: a record becomes readable when `append` returns, a batch's records all at once
 * when `appendBatch` returns; both run to completion on the owning thread, so a reader never
 * sees part of a batch. On disk a batch is members followed by a commit frame: reopening after
 * a crash drops members without their commit (layout.ts).
 *
 * @module
 */
import { existsSync, rmSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { CorruptError, InvalidArgumentError, TooLargeError } from '@annal/native';

import { describeValue } from './arguments.js';
import type { Cursor, RecordLocation } from './cursor.js';
import {
  BATCH_COMMIT_PAYLOAD_BYTES,
  KIND_BATCH_COMMIT,
  KIND_BATCH_MEMBER,
  KIND_END,
  KIND_RECORD,
  READERS_FILE,
  SEGMENT_HEADER_BYTES,
  frameBytes,
} from './layout.js';
import type { ResolvedWalOptions } from './options.js';
import { ReaderTable } from './reader-table.js';
import { recoverTopic } from './recovery.js';
import { RetentionRun, deletableSegments, retains } from './retention.js';
import { EMPTY, Segment, type Frame, type ReadWindow, type ScanEnd } from './segment.js';
import { SegmentChain } from './segment-chain.js';
import type { SegmentHeader } from './segment-header.js';
import { installSpare, prepareSpare } from './spare-segment.js';
import { SparseIndex } from './sparse-index.js';
import { TopicSync } from './topic-sync.js';

/** Room always kept at a segment's end for its end frame. */
const END_FRAME_BYTES = frameBytes(0);

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
  /** The last segment, where appends go (undefined before the first append). */
  #active: Segment | undefined;
  #position = SEGMENT_HEADER_BYTES;
  /** The active segment ends with an end frame: the next append starts a new one. */
  #sealed = false;
  #nextIndex = 0;
  readonly #frame: Frame = { kind: 0, length: 0, bytes: EMPTY, start: 0 };
  readonly #location: RecordLocation = { index: 0, position: 0, bytes: EMPTY, start: 0, length: 0 };
  readonly #index = new SparseIndex(this.#frame);
  readonly #sync: TopicSync;
  /** The active segment was written since the last sync: an append then skips the Set. */
  #activeDirty = false;
  /** Retention's runs; undefined when the options never delete anything. */
  readonly #retention: RetentionRun | undefined;
  /** A spare segment file ready for the next roll, and the job making one. */
  #spare: string | undefined;
  #spareJob: Promise<void> | undefined;
  /** Past this position of the active segment, a spare is made for the next roll. */
  #spareAt = Number.POSITIVE_INFINITY;
  /** The `fd` backend's window for one-off reads by index ({@link cursorAt}). */
  #oneOffWindow: ReadWindow | undefined;
  /** Called after every append while someone follows the topic (see {@link onAppend}). */
  #appendWaiters: (() => void)[] = [];

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
    this.#retention = retains(options.retention)
      ? new RetentionRun(
          () => this.#deleteOldest(),
          (message) =>
            warn('ANNAL_WAL_RETENTION', `annal wal: topic ${JSON.stringify(name)}: ${message}`),
        )
      : undefined;
    const chain = (this.#chain = new SegmentChain(name, directory, options.backend));
    // If recovery leaves no segment, the next one still starts where the last one did.
    this.#nextIndex = this.#chain.firstIndexes.at(-1) ?? 0;
    const recovered = recoverTopic({
      name,
      directory,
      options,
      firstIndexes: chain.firstIndexes,
      open: (first) => chain.openFile(first),
      newWindow: () => chain.newWindow(1024 * 1024),
      warn: (message) => warn('ANNAL_WAL_RECOVERY', message),
    });
    if (recovered !== undefined) this.#resume(recovered.segment, recovered.end);
    this.#clampReaders();
    if (this.#chain.firstIndexes.length > 1) this.retainSoon();
  }

  /** Index the next record will get. */
  get nextIndex(): number {
    return this.#nextIndex;
  }

  /** Index of the oldest record kept (retention may have deleted older ones). */
  get firstIndex(): number {
    return this.#chain.firstIndexes[0] ?? this.#nextIndex;
  }

  /** Appends one record. @returns its index */
  append(payload: Uint8Array): number {
    const length = payload.length;
    if (length > this.#options.maxPayloadBytes) throw this.#tooLarge(length);
    const segment = this.#room(frameBytes(length));
    const index = this.#nextIndex;
    this.#position = segment.writeFrame(this.#position, KIND_RECORD, index, payload);
    this.#nextIndex = index + 1;
    if (!this.#activeDirty) this.#markDirty(segment);
    if (this.#appendWaiters.length !== 0) this.#wakeFollowers();
    return index;
  }

  /** Appends a batch: members, then the commit frame. @returns the first record's index */
  appendBatch(payloads: readonly Uint8Array[]): number {
    const options = this.#options;
    const count = payloads.length;
    if (count > options.maxBatchRecords) {
      throw new TooLargeError(
        `a batch of ${count} records exceeds maxBatchRecords (${options.maxBatchRecords})`,
        { field: 'payloads' },
      );
    }
    let payloadBytes = 0;
    let needed = frameBytes(BATCH_COMMIT_PAYLOAD_BYTES);
    for (let i = 0; i < count; i++) {
      const payload = payloads[i];
      if (!(payload instanceof Uint8Array)) {
        throw new InvalidArgumentError(
          `payloads[${i}] must be a Uint8Array: ${describeValue(payload)}`,
          { field: `payloads[${i}]` },
        );
      }
      if (payload.length > options.maxPayloadBytes) throw this.#tooLarge(payload.length);
      payloadBytes += payload.length;
      needed += frameBytes(payload.length);
    }
    if (payloadBytes > options.maxBatchBytes) {
      throw new TooLargeError(
        `a batch of ${payloadBytes} bytes exceeds maxBatchBytes (${options.maxBatchBytes})`,
        { field: 'payloads' },
      );
    }
    const first = this.#nextIndex;
    // An empty batch writes nothing (no commit frame for no members).
    if (count === 0) return first;
    const segment = this.#room(needed);
    let position = this.#position;
    for (let i = 0; i < count; i++) {
      position = segment.writeFrame(
        position,
        KIND_BATCH_MEMBER,
        first + i,
        payloads[i] as Uint8Array,
      );
    }
    // The commit frame last: a crash before it leaves members that reopening drops.
    this.#position = segment.writeBatchCommit(position, first, count);
    this.#nextIndex = first + count;
    if (!this.#activeDirty) this.#markDirty(segment);
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
      if (cursor.index >= this.#nextIndex) return undefined;
      const segment = this.#chain.segment(cursor.segmentIndex);
      const frame = segment.readFrame(cursor.position, cursor.index, this.#frame, cursor.window);
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
    const target = Math.min(Math.max(index, this.firstIndex), this.#nextIndex);
    const firsts = this.#chain.firstIndexes;
    let k = 0;
    while (k + 1 < firsts.length && (firsts[k + 1] as number) <= target) k++;
    cursor.segmentIndex = k;
    cursor.position = SEGMENT_HEADER_BYTES;
    cursor.index = firsts[k] ?? this.#nextIndex;
    if (firsts.length === 0) return;
    this.#index.seek(cursor, this.#chain.segment(k), firsts[k] as number, target, this.#nextIndex);
  }

  // ---- durability and lifetime ---------------------------------------------------------------

  /** Syncs what was written since the last call (segments and reader indexes). */
  sync(): Promise<void> {
    this.#activeDirty = false;
    return this.#sync.sync(this.#readers);
  }

  /** {@link sync} on the calling thread. @throws ERR_ANNAL_IO when a sync fails */
  syncSync(): void {
    this.#activeDirty = false;
    this.#sync.syncSync(this.#readers);
  }

  /** Makes the named readers' stored indexes survive power loss, on the calling thread. */
  syncReadersSync(): void {
    this.#readers?.syncSync();
  }

  /** Resolves when no retention run or spare is in progress (close waits for them). */
  async settled(): Promise<void> {
    while (this.#retention?.running !== undefined || this.#spareJob !== undefined) {
      await Promise.all([this.#retention?.running, this.#spareJob]);
    }
  }

  close(): void {
    if (this.#spare !== undefined) rmSync(this.#spare, { force: true });
    this.#spare = undefined;
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

  async #deleteOldest(): Promise<void> {
    const facts = {
      firstIndexes: this.#chain.firstIndexes,
      consumedIndex: () => this.#consumedIndex(),
      createdMs: (k: number) => this.#chain.createdMs(k),
    };
    const count = deletableSegments(this.#options, facts);
    if (count === 0) return;
    // Indexes stored in memory are what made these segments consumable: make them durable
    // before the segments go, so a power loss cannot send a reader back into a deleted one.
    if (this.#readers !== undefined) await this.#readers.syncAsync();
    // A sync in the pool may still be syncing a segment about to go: closing it under that sync
    // would fail the sync, and with it the log.
    await this.#sync.idle();
    if (this.#chain.firstIndexes.length - 1 < count) return;
    const gone = this.#chain.removeOldest(count);
    for (const { first, segment } of gone) {
      this.#sync.forget(segment, this.#chain.pathOf(first));
      this.#index.forget(first);
    }
    // Readers inside a deleted segment (only a size or age policy deletes unread records) go on
    // from the oldest record kept; the others keep their place, one segment lower per one gone.
    for (const cursor of this.#cursors) {
      if (cursor.segmentIndex < count) this.seek(cursor, this.#chain.firstIndexes[0] as number);
      else cursor.segmentIndex -= count;
    }
    // Oldest first: a crash part-way leaves a contiguous run of segments, never a gap.
    for (const { first } of gone) await unlink(this.#chain.pathOf(first));
    const directory = await open(this.directory, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
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
    return (this.#readers ??= ReaderTable.open(join(this.directory, READERS_FILE)));
  }

  #wakeFollowers(): void {
    const waiters = this.#appendWaiters;
    this.#appendWaiters = [];
    for (const wake of waiters) wake();
  }

  #markDirty(segment: Segment): void {
    this.#sync.written(segment);
    this.#activeDirty = segment === this.#active;
  }

  /** The active segment with room for `needed` bytes, rolling to a new one if it has none. */
  #room(needed: number): Segment {
    const active = this.#active;
    if (
      active !== undefined &&
      !this.#sealed &&
      this.#position + needed + END_FRAME_BYTES <= active.lengthBytes
    ) {
      if (this.#position > this.#spareAt) this.#makeSpare();
      return active;
    }
    return this.#roll();
  }

  /** Seals the active segment (if not yet) and creates the next. @throws ERR_ANNAL_FULL */
  #roll(): Segment {
    const active = this.#active;
    if (active !== undefined && !this.#sealed) {
      active.writeEnd(this.#position, this.#nextIndex);
      this.#position += END_FRAME_BYTES;
      this.#sealed = true;
      this.#sync.written(active);
    }
    // The old segment's last records and its end frame reach the kernel before the next segment
    // exists: a crash of the process between the two would otherwise leave a new segment after
    // an old one cut short — a hole no reopening could close (the fd backend stages writes).
    active?.flush();
    const first = this.#nextIndex;
    const header: SegmentHeader = {
      segmentBytes: this.#options.segmentBytes,
      firstIndex: first,
      createdMs: Date.now(),
      // The new segment says where the old one's end frame is: opening checks it is there.
      previousEnd: active === undefined ? 0 : this.#position - END_FRAME_BYTES,
    };
    const path = this.#chain.pathOf(first);
    const spare = this.#spare;
    if (spare !== undefined) {
      this.#spare = undefined;
      installSpare(spare, path, this.name, header);
      this.#sync.installed(path);
    } else {
      Segment.createFile(path, this.name, header);
    }
    let segment: Segment;
    try {
      segment = this.#chain.openFile(first);
    } catch (error) {
      // Nothing is in it yet: remove it, so the next roll can make it again.
      rmSync(path, { force: true });
      throw error;
    }
    segment.appendFrom(SEGMENT_HEADER_BYTES);
    this.#spareAt = segment.lengthBytes / 2;
    segment.prefault();
    this.#chain.add(segment);
    this.#active = segment;
    this.#activeDirty = false;
    this.#position = SEGMENT_HEADER_BYTES;
    this.#sealed = false;
    if (this.#chain.firstIndexes.length > 1) this.retainSoon();
    return segment;
  }

  /** Named readers stored past the end (recovery cut what they had read) go back to it. */
  #clampReaders(): void {
    if (!existsSync(join(this.directory, READERS_FILE))) return;
    let moved: { name: string; index: number }[];
    try {
      moved = this.#readerTable().clampTo(this.#nextIndex);
    } catch (error) {
      // A damaged table is reported to the named readers that use it; appends go on.
      if (error instanceof CorruptError) return;
      throw error;
    }
    for (const { name, index } of moved) {
      this.#warn(
        'ANNAL_WAL_RECOVERY',
        `annal wal: topic ${JSON.stringify(this.name)}: named reader ${JSON.stringify(name)} had read to index ${index}, past the end of the log (${this.#nextIndex}); it goes on from the end, where new records take those indexes`,
      );
    }
  }

  /** Appends go on in `segment` (the last one), where recovery found (and cleared) its end. */
  #resume(segment: Segment, end: ScanEnd): void {
    this.#chain.add(segment);
    segment.appendFrom(end.position);
    this.#spareAt = end.sealed ? 0 : segment.lengthBytes / 2;
    this.#active = segment;
    this.#position = end.position;
    this.#nextIndex = end.index;
    this.#sealed = end.sealed;
  }

  /**
   * Starts making a spare segment file (reserved and fsynced off the append path), unless one is
   * ready or on its way. A failure (a full disk) only means the roll creates its file itself.
   */
  #makeSpare(): void {
    this.#spareAt = Number.POSITIVE_INFINITY;
    if (this.#spare !== undefined || this.#spareJob !== undefined) return;
    this.#spareJob = prepareSpare(this.directory, this.#options.segmentBytes).then(
      (path) => {
        this.#spareJob = undefined;
        this.#spare = path;
      },
      () => {
        this.#spareJob = undefined;
      },
    );
  }

  #tooLarge(length: number): TooLargeError {
    return new TooLargeError(
      `a record of ${length} bytes for topic ${JSON.stringify(this.name)} exceeds maxPayloadBytes (${this.#options.maxPayloadBytes})`,
      { field: 'payload' },
    );
  }
}
