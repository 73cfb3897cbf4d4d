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
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { InvalidArgumentError, TooLargeError, fromErrno } from '@annal/native';

import {
  BATCH_COMMIT_PAYLOAD_BYTES,
  FRAME_HEADER_BYTES,
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
import { Segment, type Frame } from './segment.js';

/** Room always kept at a segment's end for its end frame. */
const END_FRAME_BYTES = frameBytes(0);

/** A reader's place in a topic. */
export interface Cursor {
  /** Offset of the next entry to read. */
  offset: number;
  /** Index in the topic's segment list, and byte position in that segment. */
  segmentIndex: number;
  position: number;
  /** The persisted slot of a named reader; undefined for a one-off read ({@link Topic.readFrom}). */
  readonly slot: ReaderSlot | undefined;
  /** Entries consumed since the offset was last stored (at-least-once). */
  sinceStore: number;
}

/** Where an entry's payload is, valid until the next append or read on the topic. */
export interface EntryLocation {
  offset: number;
  bytes: Uint8Array;
  start: number;
  length: number;
}

export class Topic {
  readonly name: string;
  readonly directory: string;
  readonly #options: ResolvedWalOptions;
  readonly #warn: (message: string) => void;
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
  readonly #frame: Frame = { position: 0, kind: 0, length: 0 };
  readonly #location: EntryLocation = { offset: 0, bytes: new Uint8Array(0), start: 0, length: 0 };
  /** Segments written since the last sync (they and the readers table are synced together). */
  readonly #dirty = new Set<Segment>();

  constructor(
    name: string,
    directory: string,
    options: ResolvedWalOptions,
    warn: (message: string) => void,
  ) {
    this.name = name;
    this.directory = directory;
    this.#options = options;
    this.#warn = warn;
    for (const entry of listDirectory(directory)) {
      const first = parseSegmentFileName(entry);
      if (first !== undefined) this.#firstOffsets.push(first);
    }
    this.#firstOffsets.sort((a, b) => a - b);
    const last = this.#firstOffsets.at(-1);
    if (last !== undefined) this.#recover(this.#segment(this.#firstOffsets.length - 1));
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
    this.#dirty.add(segment);
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
    this.#dirty.add(segment);
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
    cursor = { offset: 0, segmentIndex: 0, position: SEGMENT_HEADER_BYTES, slot, sinceStore: 0 };
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
      const frame = segment.readFrame(cursor.position, cursor.offset, this.#frame);
      if (frame === undefined) {
        throw segment.corruption(
          cursor.position,
          `no entry where offset ${cursor.offset} should be`,
        );
      }
      if (frame.kind === KIND_END) {
        cursor.segmentIndex++;
        cursor.position = SEGMENT_HEADER_BYTES;
        continue;
      }
      if (frame.kind === KIND_BATCH_COMMIT) {
        cursor.position += frameBytes(frame.length);
        continue;
      }
      const location = this.#location;
      location.offset = cursor.offset;
      location.bytes = segment.bytes;
      location.start = cursor.position + FRAME_HEADER_BYTES;
      location.length = frame.length;
      return location;
    }
  }

  /** Moves the cursor past the entry {@link peek} returned. */
  advance(cursor: Cursor, location: EntryLocation): void {
    cursor.position = location.start - FRAME_HEADER_BYTES + frameBytes(location.length);
    cursor.offset = location.offset + 1;
  }

  // ---- durability and lifetime ---------------------------------------------------------------

  /** Syncs what was written since the last call (segments and reader offsets). */
  async syncAsync(): Promise<void> {
    const segments = [...this.#dirty];
    this.#dirty.clear();
    await Promise.all([
      ...segments.map((segment) => segment.syncAsync()),
      this.#readers?.syncAsync(),
    ]);
  }

  close(): void {
    for (const segment of this.#segments.values()) segment.close();
    this.#segments.clear();
    this.#readers?.close();
    this.#readers = undefined;
  }

  // ---- internals -------------------------------------------------------------------------------

  /** The active segment with room for `needed` bytes, rolling to a new one if it has none. */
  #room(needed: number): Segment {
    const active = this.#active;
    if (
      active !== undefined &&
      !this.#sealed &&
      this.#position + needed + END_FRAME_BYTES <= active.lengthBytes
    ) {
      return active;
    }
    return this.#roll();
  }

  /** Seals the active segment (if not yet) and creates the next. @throws ERR_ANNAL_FULL */
  #roll(): Segment {
    const active = this.#active;
    if (active !== undefined && !this.#sealed) {
      active.writeEnd(this.#position, this.#nextOffset);
      this.#sealed = true;
      this.#dirty.add(active);
    }
    const first = this.#nextOffset;
    const segment = Segment.create(
      join(this.directory, segmentFileName(first)),
      this.name,
      first,
      this.#options.segmentBytes,
      Date.now(),
    );
    segment.prefault();
    this.#firstOffsets.push(first);
    this.#segments.set(first, segment);
    this.#active = segment;
    this.#position = SEGMENT_HEADER_BYTES;
    this.#sealed = false;
    return segment;
  }

  /** Opens the last segment found on disk and finds the true end (recovery after a crash). */
  #recover(segment: Segment): void {
    const end = segment.scan();
    if (end.corruption !== undefined) {
      if (this.#options.onCorrupt === 'stop')
        throw segment.corruption(end.scannedTo, end.corruption);
      this.#warn(
        `annal wal: topic ${JSON.stringify(this.name)}: cut ${segment.path} at byte ${end.position} (offset ${end.offset}): ${end.corruption}`,
      );
      segment.zero(end.position);
    } else if (end.scannedTo > end.position) {
      // A batch without its commit frame: the crash came mid-batch, so none of it counts.
      segment.zero(end.position, end.scannedTo);
    }
    this.#active = segment;
    this.#position = end.position;
    this.#nextOffset = end.offset;
    this.#sealed = end.sealed;
  }

  #segment(index: number): Segment {
    const first = this.#firstOffsets[index];
    if (first === undefined) throw new Error(`no segment ${index} in topic ${this.name}`);
    let segment = this.#segments.get(first);
    if (segment === undefined) {
      segment = Segment.open(join(this.directory, segmentFileName(first)), this.name);
      this.#segments.set(first, segment);
    }
    return segment;
  }

  /** Positions `cursor` at `offset`: the segment holding it, then frame by frame. */
  #seek(cursor: Cursor, offset: number): void {
    const firsts = this.#firstOffsets;
    let index = 0;
    while (index + 1 < firsts.length && (firsts[index + 1] as number) <= offset) index++;
    cursor.segmentIndex = index;
    cursor.position = SEGMENT_HEADER_BYTES;
    cursor.offset = firsts[index] ?? 0;
    while (cursor.offset < offset) {
      const location = this.peek(cursor);
      if (location === undefined) break;
      this.advance(cursor, location);
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
