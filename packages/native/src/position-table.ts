/**
 * A crash-safe table of named positions: one small mapped file of fixed slots
 * (position-table-layout.ts), each holding a name and two checksummed copies of a position.
 * wal keeps the indexes of its named readers in one (readers.wrd), core the positions of its
 * named readers (readers.annalr); each passes its own magic, version, sizes and errors.
 *
 * Storing a position is a few stores into the mapping, with no allocation and no native call
 * (it runs each time a reader hands out a record), and survives a process crash at once. An
 * update marks the copy it writes as being written before it touches it, so the only copy ever
 * passed over for the other is one a crash left marked. A copy that fails its check without
 * that mark is damage, reported as ERR_ANNAL_CORRUPT: falling back to the other copy would move
 * the reader back (a duplicate delivery) without anyone knowing, and a flipped bit never reads
 * as another position.
 *
 * One process stores into a slot at a time (the caller holds a lock on the name). Taking a free
 * slot is guarded by an OFD lock on the slot's first byte, so processes taking slots for
 * different names at the same moment never take the same one, and a slot whose taker died half
 * way is taken again.
 *
 * A little over 400 lines on purpose: one class, whose store path, slot claiming and damage
 * checks share the same few private fields; its byte layout is in position-table-layout.ts.
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs';

import { crc32cJsInt32, crc32cJsWordsInt32 } from './crc32c.js';
import type { AnnalErrorDetails } from './errors/annal-error.js';
import { fromErrno } from './errors/from-errno.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { FileLock } from './file-lock.js';
import { checkFileHeader, withArticle, type CorruptErrorFactory } from './file-header.js';
import { MappedFile } from './mapped-file.js';
import { createFileAtomically } from './atomic-file.js';
import {
  COPY_BEING_WRITTEN,
  COPY_CHECKED_BYTES,
  COPY_CHECKED_POSITION,
  COPY_CRC,
  COPY_POSITION,
  COPY_SEQUENCE,
  SLOT_COPY_A,
  SLOT_COPY_B,
  SLOT_NAME,
  SLOT_NAME_CRC,
  TABLE_MAGIC_OFFSET,
  TABLE_SLOTS_OFFSET,
  TABLE_SLOT_BYTES_OFFSET,
  TABLE_VERSION_OFFSET,
  loadNameLength,
  slotStart,
  storeCopySequence,
  storeNameLength,
  tableFileBytes,
  writeTableHeader,
} from './position-table-layout.js';

/** What differs between the tables of the packages that use one. */
export interface PositionTableFormat {
  /** For messages: "wal readers table", "core named-reader positions table". */
  readonly kind: string;
  readonly magic: number;
  readonly version: number;
  /** Bytes of a slot: a multiple of 8, at least 48 (names get `slotBytes − 40` bytes). */
  readonly slotBytes: number;
  readonly slots: number;
  /** What a slot is called in messages ("named reader slot"). */
  readonly slotName: string;
  /** Makes the ERR_ANNAL_CORRUPT thrown for a damaged header, name or position. */
  readonly corrupt: CorruptErrorFactory;
  /** Makes the error thrown when every slot is taken. */
  readonly full: (message: string, details: AnnalErrorDetails) => Error;
}

/** A slot as {@link PositionTable.claim} finds or takes it. */
export interface ClaimedSlot {
  readonly slot: number;
  /** The stored position (the `initial` one for a slot just taken). */
  readonly position: number;
  /** True when the slot was free and taken for this name by this call. */
  readonly created: boolean;
}

/** Copy A or B of a slot. */
const A = 0;
const B = 1;
const BEING_WRITTEN = -1;
const DAMAGED = -2;

export class PositionTable {
  readonly path: string;
  readonly format: PositionTableFormat;
  /** Most UTF-8 bytes in a name. */
  readonly maxNameBytes: number;
  readonly #mapping: MappedFile;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  /** The same bytes as words, for the ordered stores of a copy's sequence. */
  readonly #words: Int32Array;
  /** Per slot: the copy holding the newest position (A or B), as this process last saw it. */
  readonly #newest: Uint8Array;
  /** Per slot: the sequence of that copy. */
  readonly #sequences: Int32Array;
  /** Scratch for the checksum of a copy: sequence and position. */
  readonly #scratch = new DataView(new ArrayBuffer(COPY_CHECKED_BYTES));
  readonly #scratchBytes = new Uint8Array(this.#scratch.buffer);
  readonly #scratchWords = new Int32Array(this.#scratch.buffer);
  /** The sequence and position #readCopy found (its result says which of them is valid). */
  #readSequence = 0;
  #readPosition = 0;
  /** A position was stored since the last sync. */
  #dirty = false;
  /** The latest sync in flight. */
  #syncing: Promise<void> | undefined;

  private constructor(path: string, format: PositionTableFormat, mapping: MappedFile) {
    this.path = path;
    this.format = format;
    this.maxNameBytes = format.slotBytes - SLOT_NAME;
    this.#mapping = mapping;
    this.#bytes = new Uint8Array(mapping.buffer as ArrayBuffer);
    this.#view = new DataView(mapping.buffer as ArrayBuffer);
    this.#words = new Int32Array(mapping.buffer as ArrayBuffer);
    this.#newest = new Uint8Array(format.slots);
    this.#sequences = new Int32Array(format.slots);
    this.#checkHeader();
  }

  /**
   * Opens the table at `path`, creating it (atomically: whole or absent) unless `readOnly`.
   *
   * @returns the table, or undefined when `readOnly` and there is none
   * @throws ERR_ANNAL_CORRUPT (from `format.corrupt`) when the file is not such a table (size,
   *   magic, version, slot size or count); ERR_ANNAL_IO and kin when it cannot be read
   */
  static open(
    path: string,
    format: PositionTableFormat,
    options: { readonly readOnly?: boolean } = {},
  ): PositionTable | undefined {
    const readOnly = options.readOnly ?? false;
    if (format.slotBytes % 8 !== 0 || format.slotBytes < SLOT_NAME + 8 || format.slots < 1) {
      throw new RangeError(`PositionTable: bad format (slotBytes ${format.slotBytes})`);
    }
    const fileBytes = tableFileBytes(format.slotBytes, format.slots);
    if (!existsSync(path)) {
      if (readOnly) return undefined;
      // false (another process created it first) is fine: theirs is used.
      createFileAtomically(path, fileBytes, (buffer) => {
        writeTableHeader(
          new DataView(buffer),
          format.magic,
          format.version,
          format.slotBytes,
          format.slots,
        );
      });
    }
    // A file of another size is not such a table (an empty one cannot even be mapped).
    let size: number;
    try {
      size = statSync(path).size;
    } catch (error) {
      throw fromErrno(error, { path });
    }
    if (size !== fileBytes) {
      throw format.corrupt(
        `${path}: not ${withArticle(format.kind)}: ${size} bytes, where one has ${fileBytes}`,
        { path, offset: 0, field: 'length' },
      );
    }
    const mapping = MappedFile.open(path, { readOnly });
    try {
      return new PositionTable(path, format, mapping);
    } catch (error) {
      mapping.close();
      throw error;
    }
  }

  /**
   * Finds the slot of `name` (UTF-8, 1 to {@link maxNameBytes} bytes), or takes a free one and
   * stores `initial` in it. The caller holds a lock on the name: nobody else claims it meanwhile.
   *
   * @throws `format.full` when every slot is taken; ERR_ANNAL_CORRUPT at a damaged slot
   */
  claim(name: Uint8Array, initial: number): ClaimedSlot {
    if (name.length === 0 || name.length > this.maxNameBytes) {
      throw new InvalidArgumentError(
        `${this.path}: a name has 1 to ${this.maxNameBytes} bytes: name has ${name.length}`,
        { field: 'name' },
      );
    }
    const slots = this.format.slots;
    for (let slot = 0; slot < slots; slot++) {
      const stored = this.#name(slot);
      if (stored !== undefined && equalBytes(stored, name)) {
        return { slot, position: this.#load(slot), created: false };
      }
    }
    for (let slot = 0; slot < slots; slot++) {
      if (this.#name(slot) !== undefined) continue;
      const start = slotStart(this.format.slotBytes, slot);
      // Another process taking this slot holds this lock: try the next free one.
      const lock = FileLock.tryAcquire(this.path, { range: { start, length: 1 } });
      if (lock === null) continue;
      try {
        // Taken meanwhile by someone who then let go of the lock.
        if (this.#name(slot) !== undefined) continue;
        this.#take(slot, start, name, initial);
        return { slot, position: initial, created: true };
      } finally {
        lock.release();
      }
    }
    throw this.format.full(`${this.path}: all ${slots} ${this.format.slotName}s are taken`, {
      path: this.path,
      field: 'name',
    });
  }

  /**
   * The position stored in `slot` (a slot of a name: from {@link claim} or {@link entries}).
   * @throws ERR_ANNAL_CORRUPT when it is damaged
   */
  position(slot: number): number {
    return this.#load(slot);
  }

  /**
   * Stores `position` (a safe integer ≥ 0) in `slot`, whose name this process holds: into the
   * older copy, so a crash at any store leaves the previous position readable. Survives a process
   * crash at once, power loss after {@link syncSync} or {@link sync}.
   */
  store(slot: number, position: number): void {
    const newest = this.#newest[slot] as number;
    const copy = newest === A ? B : A;
    let sequence = ((this.#sequences[slot] as number) + 1) | 0;
    // The mark is never a sequence: after it comes 0 (the newer copy stays the one ahead).
    if (sequence === COPY_BEING_WRITTEN) sequence = 0;
    const at = slotStart(this.format.slotBytes, slot) + (copy === A ? SLOT_COPY_A : SLOT_COPY_B);
    storeCopySequence(this.#words, at, COPY_BEING_WRITTEN);
    this.#view.setFloat64(at + COPY_POSITION, position, true);
    this.#view.setInt32(at + COPY_CRC, this.#copyChecksum(sequence, position), true);
    // publish: the copy is whole (a crash before this store leaves it marked).
    storeCopySequence(this.#words, at, sequence);
    this.#newest[slot] = copy;
    this.#sequences[slot] = sequence;
    this.#dirty = true;
  }

  /** The names of every taken slot, in slot order. @throws ERR_ANNAL_CORRUPT at a damaged name */
  names(): string[] {
    return this.entries(false).map((entry) => entry.name);
  }

  /**
   * Every taken slot: its name, its slot and (unless `positions` is false, then NaN) its position.
   * @throws ERR_ANNAL_CORRUPT at a damaged slot
   */
  entries(positions = true): { name: string; slot: number; position: number }[] {
    const entries: { name: string; slot: number; position: number }[] = [];
    const decoder = new TextDecoder();
    for (let slot = 0; slot < this.format.slots; slot++) {
      const name = this.#name(slot);
      if (name === undefined) continue;
      entries.push({
        name: decoder.decode(name),
        slot,
        position: positions ? this.#load(slot) : Number.NaN,
      });
    }
    return entries;
  }

  /** Makes the positions stored so far survive power loss (nothing to do when none changed). */
  sync(): Promise<void> {
    // Positions stored before a sync still running are durable only once it ends.
    if (!this.#dirty) return this.#syncing ?? Promise.resolve();
    this.#dirty = false;
    const syncing = this.#mapping.msync().finally(() => {
      if (this.#syncing === syncing) this.#syncing = undefined;
    });
    this.#syncing = syncing;
    return syncing;
  }

  /** The same on the calling thread. */
  syncSync(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#mapping.msyncSync();
  }

  close(): void {
    this.#mapping.close();
  }

  /**
   * Takes free `slot`: both copies marked first (a slot whose length is 0 and whose copy A is
   * marked is being taken: still free), then the name, then its length (the slot is taken; with
   * both copies marked its owner has stored nothing yet), then the initial position, twice.
   */
  #take(slot: number, start: number, name: Uint8Array, initial: number): void {
    storeCopySequence(this.#words, start + SLOT_COPY_A, COPY_BEING_WRITTEN);
    storeCopySequence(this.#words, start + SLOT_COPY_B, COPY_BEING_WRITTEN);
    this.#bytes.set(name, start + SLOT_NAME);
    this.#view.setInt32(
      start + SLOT_NAME_CRC,
      crc32cJsInt32(this.#bytes, start + SLOT_NAME, name.length),
      true,
    );
    storeNameLength(this.#words, start, name.length);
    this.#newest[slot] = B;
    this.#sequences[slot] = 0;
    this.store(slot, initial);
    this.store(slot, initial);
  }

  /** Reads `slot`'s newest whole copy into this process's view of it. @returns its position */
  #load(slot: number): number {
    const start = slotStart(this.format.slotBytes, slot);
    const a = this.#readCopy(start + SLOT_COPY_A);
    const aSequence = this.#readSequence;
    const aPosition = this.#readPosition;
    const b = this.#readCopy(start + SLOT_COPY_B);
    // Both marked: the slot was taken and its owner stored nothing yet (it starts at 0).
    if (a === BEING_WRITTEN && b === BEING_WRITTEN) {
      this.#newest[slot] = B;
      this.#sequences[slot] = 0;
      return 0;
    }
    if (a === DAMAGED || b === DAMAGED) {
      const at = start + (a === DAMAGED ? SLOT_COPY_A : SLOT_COPY_B);
      throw this.format.corrupt(
        `${this.path}: the stored position of ${this.format.slotName} ${slot} is damaged (copy at offset ${at}); its place is unknown`,
        { path: this.path, offset: at, field: 'position' },
      );
    }
    // Sequences wrap at 2^32: the newer of two whole copies is the one ahead.
    if (
      a !== BEING_WRITTEN &&
      (b === BEING_WRITTEN || ((aSequence - this.#readSequence) | 0) > 0)
    ) {
      this.#newest[slot] = A;
      this.#sequences[slot] = aSequence;
      return aPosition;
    }
    this.#newest[slot] = B;
    this.#sequences[slot] = this.#readSequence;
    return this.#readPosition;
  }

  /**
   * The copy at `at`: whole (0; its sequence and position are left in #readSequence and
   * #readPosition), marked as being written (a crash's), or damaged.
   */
  #readCopy(at: number): number {
    const view = this.#view;
    const sequence = view.getInt32(at + COPY_SEQUENCE, true);
    if (sequence === COPY_BEING_WRITTEN) return BEING_WRITTEN;
    const position = view.getFloat64(at + COPY_POSITION, true);
    if (view.getInt32(at + COPY_CRC, true) !== this.#copyChecksum(sequence, position)) {
      return DAMAGED;
    }
    if (!(Number.isSafeInteger(position) && position >= 0)) return DAMAGED;
    this.#readSequence = sequence;
    this.#readPosition = position;
    return 0;
  }

  #copyChecksum(sequence: number, position: number): number {
    this.#scratch.setInt32(COPY_SEQUENCE, sequence, true);
    this.#scratch.setFloat64(COPY_CHECKED_POSITION, position, true);
    return crc32cJsWordsInt32(this.#scratchWords, this.#scratchBytes, 0, COPY_CHECKED_BYTES);
  }

  /**
   * The name in `slot`, or undefined when the slot is free.
   * @throws ERR_ANNAL_CORRUPT when its length or checksum is wrong
   */
  #name(slot: number): Uint8Array | undefined {
    const slotBytes = this.format.slotBytes;
    const start = slotStart(slotBytes, slot);
    const length = loadNameLength(this.#words, start);
    if (length === 0) {
      // Slots are never freed: a free one is all zeros, or one a crash left while taking it
      // (copy A marked). A zero length over anything else is a taken slot whose length word
      // was damaged (taking it as free would start its owner again from the beginning).
      const words = this.#words;
      if (this.#view.getInt32(start + SLOT_COPY_A + COPY_SEQUENCE, true) === COPY_BEING_WRITTEN) {
        return undefined;
      }
      for (let word = start >> 2; word < (start + slotBytes) >> 2; word++) {
        if (words[word] !== 0) {
          throw this.format.corrupt(
            `${this.path}: ${this.format.slotName} ${slot} has no name length but is not empty (damaged)`,
            { path: this.path, offset: start, field: 'nameLength' },
          );
        }
      }
      return undefined;
    }
    const name =
      length > 0 && length <= this.maxNameBytes
        ? this.#bytes.subarray(start + SLOT_NAME, start + SLOT_NAME + length)
        : undefined;
    if (
      name === undefined ||
      crc32cJsInt32(name, 0, name.length) !== this.#view.getInt32(start + SLOT_NAME_CRC, true)
    ) {
      throw this.format.corrupt(
        `${this.path}: the name of ${this.format.slotName} ${slot} is damaged (slot at offset ${start})`,
        { path: this.path, offset: start, field: 'name' },
      );
    }
    return name;
  }

  #checkHeader(): void {
    const view = this.#view;
    const format = this.format;
    checkFileHeader({
      path: this.path,
      kind: format.kind,
      magic: { found: view.getUint32(TABLE_MAGIC_OFFSET, true), expected: format.magic },
      version: { found: view.getUint32(TABLE_VERSION_OFFSET, true), expected: format.version },
      fields: [
        {
          field: 'slotBytes',
          offset: TABLE_SLOT_BYTES_OFFSET,
          found: view.getUint32(TABLE_SLOT_BYTES_OFFSET, true),
          expected: format.slotBytes,
        },
        {
          field: 'slots',
          offset: TABLE_SLOTS_OFFSET,
          found: view.getUint32(TABLE_SLOTS_OFFSET, true),
          expected: format.slots,
        },
      ],
      corrupt: format.corrupt,
    });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
