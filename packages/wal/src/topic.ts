/**
 * One topic: its chain of segments, the end where appends go, and the cursors of its named
 * readers. Offsets are entry numbers (0, 1, 2, …), plain JS numbers, exact to 2^53.
 *
 * Visibility: an entry becomes readable when `append` returns, a batch's entries all at once
 * when `appendBatch` returns; both run to completion on the owning thread, so a reader never
 * sees part of a batch. On disk a batch is members followed by a commit frame: reopening after
 * a crash drops members without their commit (layout.ts).
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { CorruptError, InvalidArgumentError, TooLargeError } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

import { frameBuffer } from './checksum.js';
import { FileSegment, WINDOW_BYTES } from './file-segment.js';
import { MappedSegment } from './mapped-segment.js';

import {
  BATCH_COMMIT_PAYLOAD_BYTES,
  KIND_BATCH_COMMIT,
  KIND_BATCH_MEMBER,
  KIND_END,
  KIND_ENTRY,
  READERS_FILE,
  SEGMENT_HEADER_BYTES,
  frameBytes,
  parseSegmentFileName,
  segmentFileName,
} from './layout.js';
import type { ResolvedWalOptions } from './options.js';
import { ReaderTable, type ReaderSlot } from './reader-table.js';
import {
  EMPTY,
  Segment,
  readHeaderOnDisk,
  type Frame,
  type ReadWindow,
  type ScanEnd,
  type SegmentHeader,
} from './segment.js';
import { recoverTopic } from './recovery.js';
import {
  installSpare,
  isTemporaryFile,
  prepareSpare,
  syncInstalled,
  syncInstalledSync,
} from './spare-segment.js';

/** Entries between two checkpoints of a segment's sparse index (see Topic #seek). */
const INDEX_SPACING = 256;

/** Room always kept at a segment's end for its end frame. */
const END_FRAME_BYTES = frameBytes(0);

/**
 * Codes of the process warnings a topic emits: `ANNAL_WAL_RECOVERY` when opening it removed,
 * moved or cut something (recovery.ts), `ANNAL_WAL_RETENTION` when retention could not delete a
 * segment.
 */
export type WarningCode = 'ANNAL_WAL_RECOVERY' | 'ANNAL_WAL_RETENTION';

/** A reader's place in a topic. */
export interface Cursor {
  /** Offset of the next entry to read. */
  offset: number;
  /** Index in the topic's segment list, and byte position in that segment. */
  segmentIndex: number;
  position: number;
  /** The persisted slot of a named reader; undefined for a one-off read ({@link Topic.cursorAt}). */
  readonly slot: ReaderSlot | undefined;
  /** Entries consumed since the offset was last stored (at-least-once). */
  sinceStore: number;
  /** The `fd` backend's read buffer for this cursor (undefined with `mmap`). */
  window: ReadWindow | undefined;
}

/** Where an entry's payload is, valid until the next append or read on the topic. */
export interface EntryLocation {
  offset: number;
  /** Byte position of the entry's frame in its segment. */
  position: number;
  bytes: Uint8Array;
  start: number;
  length: number;
}

export class Topic {
  readonly name: string;
  readonly directory: string;
  readonly #options: ResolvedWalOptions;
  readonly #warn: (code: WarningCode, message: string) => void;
  /** First offsets of the segments, ascending; a segment is opened when first needed. */
  readonly #firstOffsets: number[] = [];
  readonly #segments = new Map<number, Segment>();
  readonly #cursors = new Map<string, Cursor>();
  #readers: ReaderTable | undefined;
  /** The last segment, where appends go (undefined before the first append). */
  #active: Segment | undefined;
  #position = SEGMENT_HEADER_BYTES;
  /** The active segment ends with an end frame: the next append starts a new one. */
  #sealed = false;
  #nextOffset = 0;
  readonly #frame: Frame = { kind: 0, length: 0, bytes: EMPTY, start: 0 };
  readonly #location: EntryLocation = { offset: 0, position: 0, bytes: EMPTY, start: 0, length: 0 };
  /** Retention: the run in progress, and whether another was asked for meanwhile. */
  #retaining: Promise<void> | undefined;
  #retainAgain = false;
  /** A spare segment file ready for the next roll, and the job making one. */
  #spare: string | undefined;
  #spareJob: Promise<void> | undefined;
  /** Past this position of the active segment, a spare is made for the next roll. */
  #spareAt = Number.POSITIVE_INFINITY;
  /** Segments made from spares whose header and directory entry the next sync must fsync. */
  readonly #installed: string[] = [];
  /** Those a sync running in the pool is fsyncing now. */
  readonly #installing: string[] = [];
  /** Syncs running in the pool (retention waits for them before it closes a segment). */
  readonly #syncing = new Set<Promise<unknown>>();
  /** The segments those syncs cover. */
  readonly #syncingSegments = new Set<Segment>();
  /**
   * Sparse index per segment (by first offset): entry `k` is the position of the frame of offset
   * `first + k × INDEX_SPACING` (or of a batch commit just before it). Kept in memory and built
   * by {@link #seek}.
   */
  readonly #index = new Map<number, number[]>();
  /** The `fd` backend's window for reads by offset ({@link cursorAt}). */
  #oneOffWindow: ReadWindow | undefined;
  /** The options ask for retention at all (else nothing ever schedules a run). */
  readonly #retains: boolean;
  /** Segments written since the last sync (they and the readers table are synced together). */
  readonly #dirty = new Set<Segment>();
  /** The active segment is in {@link #dirty}: an append then skips the Set. */
  #activeDirty = false;

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
    const retention = options.retention;
    this.#retains =
      retention.consumed === 'delete' ||
      retention.maxBytes !== undefined ||
      retention.maxAgeMs !== undefined;
    for (const entry of listDirectory(directory)) {
      const first = parseSegmentFileName(entry);
      if (first !== undefined) this.#firstOffsets.push(first);
      // Only this process writes here (it owns the namespace): a temporary file is a crash's.
      else if (isTemporaryFile(entry)) rmSync(join(directory, entry), { force: true });
    }
    this.#firstOffsets.sort((a, b) => a - b);
    // If recovery leaves no segment, the next one still starts where the last one did.
    this.#nextOffset = this.#firstOffsets.at(-1) ?? 0;
    const recovered = recoverTopic({
      name,
      directory,
      options,
      firstOffsets: this.#firstOffsets,
      open: (first) => this.#openFile(first),
      newWindow: () => this.#newWindow(1024 * 1024),
      warn: (message) => warn('ANNAL_WAL_RECOVERY', message),
    });
    if (recovered !== undefined) this.#resume(recovered.segment, recovered.end);
    this.#clampReaders();
    if (this.#firstOffsets.length > 1) this.retainSoon();
  }

  /** Offset the next entry will get. */
  get nextOffset(): number {
    return this.#nextOffset;
  }

  /** Appends one entry. @returns its offset */
  append(payload: Uint8Array): number {
    const length = payload.length;
    if (length > this.#options.maxEntryBytes) throw this.#tooLarge(length);
    const needed = frameBytes(length);
    const segment = this.#room(needed);
    const offset = this.#nextOffset;
    this.#position = segment.writeFrame(this.#position, KIND_ENTRY, offset, payload);
    this.#nextOffset = offset + 1;
    if (!this.#activeDirty) this.#markDirty(segment);
    return offset;
  }

  /** Appends a batch: members, then the commit frame. @returns the first entry's offset */
  appendBatch(entries: readonly Uint8Array[]): number {
    const options = this.#options;
    const count = entries.length;
    if (count === 0) {
      throw new InvalidArgumentError('appendBatch needs at least one entry', { field: 'entries' });
    }
    if (count > options.maxBatchEntries) {
      throw new TooLargeError(
        `a batch of ${count} entries exceeds maxBatchEntries (${options.maxBatchEntries})`,
        { field: 'entries' },
      );
    }
    let payloadBytes = 0;
    let needed = frameBytes(BATCH_COMMIT_PAYLOAD_BYTES);
    for (const entry of entries) {
      if (!(entry instanceof Uint8Array)) {
        throw new InvalidArgumentError('every batch entry must be a Uint8Array', {
          field: 'entries',
        });
      }
      if (entry.length > options.maxEntryBytes) throw this.#tooLarge(entry.length);
      payloadBytes += entry.length;
      needed += frameBytes(entry.length);
    }
    if (payloadBytes > options.maxBatchBytes) {
      throw new TooLargeError(
        `a batch of ${payloadBytes} bytes exceeds maxBatchBytes (${options.maxBatchBytes})`,
        { field: 'entries' },
      );
    }
    const segment = this.#room(needed);
    const first = this.#nextOffset;
    let position = this.#position;
    for (let i = 0; i < count; i++) {
      position = segment.writeFrame(
        position,
        KIND_BATCH_MEMBER,
        first + i,
        entries[i] as Uint8Array,
      );
    }
    // The commit frame last: a crash before it leaves members that reopening drops.
    this.#position = segment.writeBatchCommit(position, first, count);
    this.#nextOffset = first + count;
    if (!this.#activeDirty) this.#markDirty(segment);
    return first;
  }

  // ---- readers -------------------------------------------------------------------------------

  /** The cursor of named reader `name` if this topic has used it since it was opened. */
  knownCursor(name: string): Cursor | undefined {
    return this.#cursors.get(name);
  }

  /** The cursor of named reader `name` (its stored offset, or the start for a new one). */
  cursor(name: string, nameBytes: Uint8Array): Cursor {
    let cursor = this.#cursors.get(name);
    if (cursor !== undefined) return cursor;
    this.#readers ??= ReaderTable.open(join(this.directory, READERS_FILE));
    const start = this.#firstOffsets[0] ?? 0;
    const { slot, offset } = this.#readers.slotOf(nameBytes, start);
    cursor = {
      offset: 0,
      segmentIndex: 0,
      position: SEGMENT_HEADER_BYTES,
      slot,
      sinceStore: 0,
      window: this.#newWindow(),
    };
    this.#seek(cursor, Math.max(offset, start));
    this.#cursors.set(name, cursor);
    return cursor;
  }

  /** Stores the cursor's offset in its slot (a crash of the process keeps it). */
  storeOffset(cursor: Cursor): void {
    if (cursor.slot !== undefined) this.#readers?.store(cursor.slot, cursor.offset);
    cursor.sinceStore = 0;
  }

  /**
   * A cursor at `offset` that belongs to no named reader (nothing is stored): for reads by
   * offset. An offset before the oldest segment starts at the oldest entry.
   */
  cursorAt(offset: number): Cursor {
    const cursor: Cursor = {
      offset: 0,
      segmentIndex: 0,
      position: SEGMENT_HEADER_BYTES,
      slot: undefined,
      sinceStore: 0,
      // One-off reads run to completion before another starts: they share one window.
      window: (this.#oneOffWindow ??= this.#newWindow()),
    };
    this.#seek(cursor, Math.max(offset, this.#firstOffsets[0] ?? 0));
    return cursor;
  }

  /**
   * The entry at the cursor, or undefined when it has read everything appended. Does not move
   * the cursor (see {@link advance}). @throws ERR_ANNAL_CORRUPT at a bad frame
   */
  peek(cursor: Cursor): EntryLocation | undefined {
    for (;;) {
      if (cursor.offset >= this.#nextOffset) return undefined;
      const segment = this.#segment(cursor.segmentIndex);
      const frame = segment.readFrame(cursor.position, cursor.offset, this.#frame, cursor.window);
      if (frame === undefined) {
        throw segment.corruption(
          cursor.position,
          `no entry where offset ${cursor.offset} should be`,
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
      location.offset = cursor.offset;
      location.position = cursor.position;
      location.bytes = frame.bytes;
      location.start = frame.start;
      location.length = frame.length;
      return location;
    }
  }

  /** Moves the cursor past the entry {@link peek} returned. */
  advance(cursor: Cursor, location: EntryLocation): void {
    cursor.position = location.position + frameBytes(location.length);
    cursor.offset = location.offset + 1;
  }

  // ---- durability and lifetime ---------------------------------------------------------------

  /** Syncs what was written since the last call (segments and reader offsets). */
  async syncAsync(): Promise<void> {
    const segments = [...this.#dirty];
    this.#dirty.clear();
    this.#activeDirty = false;
    const installed = this.#installed.splice(0);
    this.#installing.push(...installed);
    const syncing = Promise.all([
      ...segments.map((segment) => segment.syncAsync()),
      this.#readers?.syncAsync(),
      installed.length === 0 ? undefined : syncInstalled(this.directory, installed),
    ]);
    this.#syncing.add(syncing);
    for (const segment of segments) this.#syncingSegments.add(segment);
    try {
      await syncing;
    } finally {
      this.#syncing.delete(syncing);
      for (const segment of segments) this.#syncingSegments.delete(segment);
      for (const path of installed) this.#installing.splice(this.#installing.indexOf(path), 1);
    }
  }

  /**
   * {@link syncAsync} on the calling thread (what `appendSync` does under `fsync: 'each'`).
   * @throws ERR_ANNAL_IO when a sync fails
   */
  syncSync(): void {
    const segments = [...this.#dirty];
    this.#dirty.clear();
    this.#activeDirty = false;
    // What a sync still running in the pool covers is not durable yet, and an entry is only as
    // durable as everything before it: new segments it is installing are fsynced here too (the
    // segments redo their own ranges in flight).
    const installed = [...this.#installing, ...this.#installed.splice(0)];
    for (const segment of new Set([...segments, ...this.#syncingSegments])) segment.syncSync();
    this.#readers?.syncSync();
    if (installed.length > 0) syncInstalledSync(this.directory, installed);
  }

  /** Makes the named readers' stored offsets survive power loss, on the calling thread. */
  syncReadersSync(): void {
    this.#readers?.syncSync();
  }

  /** Resolves when no retention run or spare is in progress (close waits for them). */
  async settled(): Promise<void> {
    while (this.#retaining !== undefined || this.#spareJob !== undefined) {
      await Promise.all([this.#retaining, this.#spareJob]);
    }
  }

  close(): void {
    if (this.#spare !== undefined) rmSync(this.#spare, { force: true });
    this.#spare = undefined;
    for (const segment of this.#segments.values()) segment.close();
    this.#segments.clear();
    this.#readers?.close();
    this.#readers = undefined;
  }

  // ---- retention -----------------------------------------------------------------------------

  /** Applies the retention policy soon (off the caller's path); see {@link retain}. */
  retainSoon(): void {
    if (!this.#retains) return;
    if (this.#retaining !== undefined) {
      this.#retainAgain = true;
      return;
    }
    this.#retaining = this.#retainLoop();
  }

  /**
   * Deletes the oldest segments the retention policy lets go: those every named reader has
   * consumed (by the offsets stored for them, so a crash never sends a reader back into a
   * deleted segment), beyond `maxBytes`, or older than `maxAgeMs`. Never the segment appends go
   * to. @returns when they are gone from disk
   */
  async retain(): Promise<void> {
    this.retainSoon();
    await this.settled();
  }

  async #retainLoop(): Promise<void> {
    try {
      do {
        this.#retainAgain = false;
        // Let the caller's synchronous work finish first: retention is never on its path.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.#deleteOldest();
      } while (this.#retainAgain);
    } catch (error) {
      this.#warn(
        'ANNAL_WAL_RETENTION',
        `annal wal: topic ${JSON.stringify(this.name)}: retention could not delete a segment: ${(error as Error).message}`,
      );
    } finally {
      this.#retaining = undefined;
    }
  }

  /** How many of the oldest segments the policy lets go now (never the last one). */
  #deletable(): number {
    const retention = this.#options.retention;
    const firsts = this.#firstOffsets;
    const sealed = firsts.length - 1;
    let count = 0;
    const consumed = retention.consumed === 'delete' ? this.#consumedOffset() : undefined;
    if (consumed !== undefined) {
      while (count < sealed && (firsts[count + 1] as number) <= consumed) count++;
    }
    if (retention.maxBytes !== undefined) {
      const segmentBytes = this.#options.segmentBytes;
      while (count < sealed && (firsts.length - count) * segmentBytes > retention.maxBytes) count++;
    }
    if (retention.maxAgeMs !== undefined) {
      const cutoff = Date.now() - retention.maxAgeMs;
      // Every entry of a segment is older than its successor's creation (read from its header,
      // without mapping it).
      while (count < sealed && this.#createdMs(count + 1) < cutoff) count++;
    }
    return count;
  }

  async #deleteOldest(): Promise<void> {
    const count = this.#deletable();
    if (count === 0) return;
    // Offsets stored in memory are what made these segments consumable: make them durable
    // before the segments go, so a power loss cannot send a reader back into a deleted one.
    if (this.#readers !== undefined) await this.#readers.syncAsync();
    // A sync in the pool may still be syncing a segment about to go: closing it under that sync
    // would fail the sync, and with it the log.
    while (this.#syncing.size > 0) await Promise.allSettled([...this.#syncing]);
    if (this.#firstOffsets.length - 1 < count) return;
    const gone = this.#firstOffsets.splice(0, count);
    for (const first of gone) {
      const segment = this.#segments.get(first);
      if (segment !== undefined) {
        this.#dirty.delete(segment);
        segment.close();
      }
      this.#segments.delete(first);
      this.#index.delete(first);
      const path = join(this.directory, segmentFileName(first));
      const at = this.#installed.indexOf(path);
      if (at >= 0) this.#installed.splice(at, 1);
    }
    // Readers inside a deleted segment (only a size or age policy deletes unread entries) go on
    // from the oldest entry kept; the others keep their place, one index lower per segment gone.
    for (const cursor of this.#cursors.values()) {
      if (cursor.segmentIndex < count) this.#seek(cursor, this.#firstOffsets[0] as number);
      else cursor.segmentIndex -= count;
    }
    // Oldest first: a crash part-way leaves a contiguous run of segments, never a gap.
    for (const first of gone) await unlink(join(this.directory, segmentFileName(first)));
    const directory = await open(this.directory, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  /** The lowest offset stored for a named reader; undefined when the topic has none. */
  #consumedOffset(): number | undefined {
    const path = join(this.directory, READERS_FILE);
    if (this.#readers === undefined && existsSync(path)) this.#readers = ReaderTable.open(path);
    return this.#readers?.oldestOffset();
  }

  // ---- internals -------------------------------------------------------------------------------

  /** The active segment with room for `needed` bytes, rolling to a new one if it has none. */
  #markDirty(segment: Segment): void {
    this.#dirty.add(segment);
    this.#activeDirty = segment === this.#active;
  }

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
      active.writeEnd(this.#position, this.#nextOffset);
      this.#position += END_FRAME_BYTES;
      this.#sealed = true;
      this.#dirty.add(active);
    }
    // The old segment's last entries and its end frame reach the kernel before the next segment
    // exists: a crash of the process between the two would otherwise leave a new segment after
    // an old one cut short — a hole no reopening could close (the fd backend stages writes).
    active?.flush();
    const first = this.#nextOffset;
    const header: SegmentHeader = {
      segmentBytes: this.#options.segmentBytes,
      firstOffset: first,
      createdMs: Date.now(),
      // The new segment says where the old one's end frame is: opening checks it is there.
      previousEnd: active === undefined ? 0 : this.#position - END_FRAME_BYTES,
    };
    const path = join(this.directory, segmentFileName(first));
    const spare = this.#spare;
    if (spare !== undefined) {
      this.#spare = undefined;
      installSpare(spare, path, this.name, header);
      this.#installed.push(path);
    } else {
      Segment.createFile(path, this.name, header);
    }
    let segment: Segment;
    try {
      segment = this.#openFile(first);
    } catch (error) {
      // Nothing is in it yet: remove it, so the next roll can make it again.
      rmSync(path, { force: true });
      throw error;
    }
    segment.appendFrom(SEGMENT_HEADER_BYTES);
    this.#spareAt = segment.lengthBytes / 2;
    segment.prefault();
    this.#firstOffsets.push(first);
    this.#segments.set(first, segment);
    this.#active = segment;
    this.#activeDirty = false;
    this.#position = SEGMENT_HEADER_BYTES;
    this.#sealed = false;
    if (this.#firstOffsets.length > 1) this.retainSoon();
    return segment;
  }

  /** Named readers stored past the end (recovery cut what they had read) go back to it. */
  #clampReaders(): void {
    const path = join(this.directory, READERS_FILE);
    if (!existsSync(path)) return;
    let moved: { name: string; offset: number }[];
    try {
      this.#readers ??= ReaderTable.open(path);
      moved = this.#readers.clampTo(this.#nextOffset);
    } catch (error) {
      // A damaged table is reported to the named readers that use it; appends go on.
      if (error instanceof CorruptError) return;
      throw error;
    }
    for (const { name, offset } of moved) {
      this.#warn(
        'ANNAL_WAL_RECOVERY',
        `annal wal: topic ${JSON.stringify(this.name)}: named reader ${JSON.stringify(name)} had read to offset ${offset}, past the end of the log (${this.#nextOffset}); it goes on from the end, where new entries take those offsets`,
      );
    }
  }

  /** Appends go on in `segment` (the last one), where recovery found (and cleared) its end. */
  #resume(segment: Segment, end: ScanEnd): void {
    this.#segments.set(segment.firstOffset, segment);
    segment.appendFrom(end.position);
    this.#spareAt = end.sealed ? 0 : segment.lengthBytes / 2;
    this.#active = segment;
    this.#position = end.position;
    this.#nextOffset = end.offset;
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

  /** When segment `index` was created (its header), without mapping or opening it for long. */
  #createdMs(index: number): number {
    const first = this.#firstOffsets[index] as number;
    return (
      this.#segments.get(first)?.createdMs ??
      readHeaderOnDisk(join(this.directory, segmentFileName(first))).createdMs
    );
  }

  #segment(index: number): Segment {
    const first = this.#firstOffsets[index];
    if (first === undefined) throw new Error(`no segment ${index} in topic ${this.name}`);
    let segment = this.#segments.get(first);
    if (segment === undefined) {
      segment = this.#openFile(first);
      this.#segments.set(first, segment);
    }
    return segment;
  }

  /** Opens the segment file at `path` with the configured backend. */
  /**
   * Opens the segment file of first offset `first` with the configured backend.
   * @throws ERR_ANNAL_CORRUPT when its header is bad or names another first offset (a file
   *   copied or renamed into place)
   */
  #openFile(first: number): Segment {
    const path = join(this.directory, segmentFileName(first));
    const segment =
      this.#options.backend === 'fd'
        ? FileSegment.open(path, this.name)
        : MappedSegment.open(path, this.name);
    if (segment.firstOffset !== first) {
      segment.close();
      throw segment.corruption(
        0,
        `the header says first offset ${segment.firstOffset}, the file name ${first}`,
      );
    }
    return segment;
  }

  /** A read buffer for a cursor under the `fd` backend; none under `mmap`. */
  #newWindow(bytes = WINDOW_BYTES): ReadWindow | undefined {
    if (this.#options.backend !== 'fd') return undefined;
    return { segment: undefined, base: 0, end: 0, ...frameBuffer(new ArrayBuffer(bytes)) };
  }

  /**
   * Positions `cursor` at `offset`: the segment holding it (by file name), the nearest
   * checkpoint before it in that segment's sparse index, then frame by frame without checksums
   * (each entry is checked when it is read). The index grows as seeks walk past its end, so a
   * stretch of a segment is walked once, and a seek after that at most {@link INDEX_SPACING}
   * frames: paging through a long topic by offset costs no more than reading it.
   */
  #seek(cursor: Cursor, offset: number): void {
    const firsts = this.#firstOffsets;
    let index = 0;
    while (index + 1 < firsts.length && (firsts[index + 1] as number) <= offset) index++;
    cursor.segmentIndex = index;
    cursor.position = SEGMENT_HEADER_BYTES;
    cursor.offset = firsts[index] ?? 0;
    if (firsts.length === 0) return;
    const first = cursor.offset;
    const segment = this.#segment(index);
    let checkpoints = this.#index.get(first);
    if (checkpoints === undefined) {
      checkpoints = [SEGMENT_HEADER_BYTES];
      this.#index.set(first, checkpoints);
    }
    const nearest = Math.min(Math.floor((offset - first) / INDEX_SPACING), checkpoints.length - 1);
    cursor.offset = first + nearest * INDEX_SPACING;
    cursor.position = checkpoints[nearest] as number;
    const frame = this.#frame;
    while (cursor.offset < offset && cursor.offset < this.#nextOffset) {
      segment.skimFrame(cursor.position, frame, cursor.window);
      if (frame.kind === 0 || frame.kind === KIND_END) break;
      cursor.position += frameBytes(frame.length);
      if (frame.kind === KIND_BATCH_COMMIT) continue;
      cursor.offset++;
      // Past the index's end: the next checkpoint is where this walk stands now.
      if (cursor.offset - first === checkpoints.length * INDEX_SPACING) {
        checkpoints.push(cursor.position);
      }
    }
  }

  #tooLarge(length: number): TooLargeError {
    return new TooLargeError(
      `an entry of ${length} bytes for topic ${JSON.stringify(this.name)} exceeds maxEntryBytes (${this.#options.maxEntryBytes})`,
      { field: 'bytes' },
    );
  }
}

/** Creates `directory` if needed and lists it; a refusal is a coded error naming it. */
function listDirectory(directory: string): string[] {
  try {
    mkdirSync(directory, { recursive: true });
    return readdirSync(directory);
  } catch (error) {
    throw fromErrno(error, { path: directory });
  }
}
