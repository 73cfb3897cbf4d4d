/**
 * The named readers of one topic and their indexes: `readers.wrd`, a small mapped file of fixed
 * slots (layout.ts). Storing an index is a few stores into the mapping — no file rewritten per
 * read (walrus's cost) — and each slot keeps two checksummed copies, so a crash in the middle
 * of an update leaves the previous index readable.
 *
 * An update marks the copy it writes as being written before it touches it (layout.ts,
 * COPY_BEING_WRITTEN), so the only copy ever passed over for the other is one a crash left
 * marked. A copy that fails its check without that mark is damage, reported as
 * ERR_ANNAL_CORRUPT: falling back to the other copy would move the reader back a record (a
 * duplicate delivery under strictly-once) without anyone knowing.
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs';

import { LockedError, MappedFile, crc32c } from '@annal/native';
import { createFileAtomically, fromErrno } from '@annal/native/internal';

import { WalCorruptError } from './errors.js';

import {
  COPY_BEING_WRITTEN,
  COPY_CHECKED_BYTES,
  COPY_CHECKED_INDEX,
  READERS_MAGIC_OFFSET,
  READERS_VERSION_OFFSET,
  COPY_CRC,
  COPY_INDEX,
  COPY_SEQUENCE,
  READERS_FILE_BYTES,
  READERS_MAGIC,
  READERS_SLOTS_OFFSET,
  READERS_SLOT_BYTES_OFFSET,
  READERS_VERSION,
  MAX_READER_NAME_BYTES,
  MAX_READERS_PER_TOPIC,
  READER_SLOT_BYTES,
  SLOT_COPY_A,
  SLOT_COPY_B,
  SLOT_NAME,
  SLOT_NAME_CRC,
  SLOT_NAME_LENGTH,
  slotStart,
  storeCopySequence,
  storeNameLength,
} from './layout.js';

/** A named reader's slot: where its index lives. */
export interface ReaderSlot {
  readonly slot: number;
  /** The copy (SLOT_COPY_A or SLOT_COPY_B) holding the newest index. */
  newest: number;
  sequence: number;
}

export class ReaderTable {
  readonly path: string;
  readonly #mapping: MappedFile;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  /** The same bytes as words, for the ordered stores of a copy's sequence. */
  readonly #words: Int32Array;
  /** Scratch for the checksum of a copy: sequence and index. */
  readonly #scratch = new DataView(new ArrayBuffer(COPY_CHECKED_BYTES));
  readonly #scratchBytes = new Uint8Array(this.#scratch.buffer);
  /** An index was stored since the last sync. */
  #dirty = false;
  /** The latest sync in flight. */
  #syncing: Promise<void> | undefined;

  private constructor(path: string, mapping: MappedFile) {
    this.path = path;
    this.#mapping = mapping;
    this.#bytes = new Uint8Array(mapping.buffer as ArrayBuffer);
    this.#view = new DataView(mapping.buffer as ArrayBuffer);
    this.#words = new Int32Array(mapping.buffer as ArrayBuffer);
    this.#checkHeader();
  }

  static open(path: string): ReaderTable {
    if (!existsSync(path)) {
      createFileAtomically(path, READERS_FILE_BYTES, (buffer) => {
        const view = new DataView(buffer);
        view.setUint32(READERS_MAGIC_OFFSET, READERS_MAGIC, true);
        view.setUint32(READERS_VERSION_OFFSET, READERS_VERSION, true);
        view.setUint32(READERS_SLOT_BYTES_OFFSET, READER_SLOT_BYTES, true);
        view.setUint32(READERS_SLOTS_OFFSET, MAX_READERS_PER_TOPIC, true);
      });
    }
    // A file of another size is not a readers table (an empty one cannot even be mapped).
    let size: number;
    try {
      size = statSync(path).size;
    } catch (error) {
      throw fromErrno(error, { path });
    }
    if (size !== READERS_FILE_BYTES) {
      throw new WalCorruptError(
        `${path}: not a readers table (${size} bytes, where a readers table has ${READERS_FILE_BYTES})`,
        { path, offset: 0 },
      );
    }
    const mapping = MappedFile.open(path);
    try {
      return new ReaderTable(path, mapping);
    } catch (error) {
      mapping.close();
      throw error;
    }
  }

  /** Finds the slot of `name`, or takes a free one at index `initial`. */
  slotOf(name: Uint8Array, initial: number): { slot: ReaderSlot; index: number } {
    let free = -1;
    for (let slot = 0; slot < MAX_READERS_PER_TOPIC; slot++) {
      const stored = this.#name(slot);
      if (stored === undefined) {
        if (free < 0) free = slot;
        continue;
      }
      if (equalBytes(stored, name)) return this.#load(slot);
    }
    if (free < 0) {
      throw new LockedError(
        `${this.path}: all ${MAX_READERS_PER_TOPIC} named reader slots are taken`,
        {
          path: this.path,
        },
      );
    }
    // Taking a slot: both copies marked first (a slot whose length is 0 and whose copy A is
    // marked is being taken: still free), then the name, then its length (the slot is taken;
    // with both copies marked its reader has stored nothing yet), then the indexes.
    const start = slotStart(free);
    storeCopySequence(this.#words, start + SLOT_COPY_A, COPY_BEING_WRITTEN);
    storeCopySequence(this.#words, start + SLOT_COPY_B, COPY_BEING_WRITTEN);
    this.#bytes.set(name, start + SLOT_NAME);
    this.#view.setUint32(start + SLOT_NAME_CRC, crc32c(name), true);
    storeNameLength(this.#words, start, name.length);
    const slot: ReaderSlot = { slot: free, newest: SLOT_COPY_B, sequence: 0 };
    this.store(slot, initial);
    this.store(slot, initial);
    return { slot, index: initial };
  }

  /** The names of every taken slot, in slot order. @throws ERR_ANNAL_CORRUPT at a damaged name */
  names(): string[] {
    const names: string[] = [];
    const decoder = new TextDecoder();
    for (let slot = 0; slot < MAX_READERS_PER_TOPIC; slot++) {
      const name = this.#name(slot);
      if (name !== undefined) names.push(decoder.decode(name));
    }
    return names;
  }

  /**
   * The lowest index stored for any named reader: every reader has consumed everything before
   * it. Undefined when the topic has no named reader.
   * @throws ERR_ANNAL_CORRUPT when a slot is damaged
   */
  oldestIndex(): number | undefined {
    let oldest: number | undefined;
    for (let slot = 0; slot < MAX_READERS_PER_TOPIC; slot++) {
      if (this.#name(slot) === undefined) continue;
      const { index } = this.#load(slot);
      if (oldest === undefined || index < oldest) oldest = index;
    }
    return oldest;
  }

  /**
   * Moves every named reader whose stored index is past `end` (the topic's next index after
   * recovery) back to `end`: recovery cut records it had read, or (under `fd`) a crash lost
   * records it had read in the turn they were appended. New records take those indexes again,
   * and the reader must not skip them. @returns the names moved, and where they had been
   */
  clampTo(end: number): { name: string; index: number }[] {
    const moved: { name: string; index: number }[] = [];
    for (let slot = 0; slot < MAX_READERS_PER_TOPIC; slot++) {
      const name = this.#name(slot);
      if (name === undefined) continue;
      const loaded = this.#load(slot);
      if (loaded.index <= end) continue;
      this.store(loaded.slot, end);
      moved.push({ name: new TextDecoder().decode(name), index: loaded.index });
    }
    return moved;
  }

  /** Stores `index` in the older copy of `slot` (survives a process crash at once). */
  store(slot: ReaderSlot, index: number): void {
    const copy = slot.newest === SLOT_COPY_A ? SLOT_COPY_B : SLOT_COPY_A;
    let sequence = (slot.sequence + 1) >>> 0;
    // The mark is never a sequence: after 2^32 − 2 comes 0 (the newer copy stays the one ahead).
    if (sequence === COPY_BEING_WRITTEN) sequence = 0;
    const at = slotStart(slot.slot) + copy;
    const view = this.#view;
    storeCopySequence(this.#words, at, COPY_BEING_WRITTEN);
    view.setFloat64(at + COPY_INDEX, index, true);
    view.setUint32(at + COPY_CRC, this.#copyChecksum(sequence, index), true);
    // publish: the copy is whole (a crash before this store leaves it marked).
    storeCopySequence(this.#words, at, sequence);
    slot.newest = copy;
    slot.sequence = sequence;
    this.#dirty = true;
  }

  /** Makes the indexes stored so far survive power loss (nothing to do when none changed). */
  syncAsync(): Promise<void> {
    // Offsets stored before a sync still running are durable only once it ends.
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

  #load(slot: number): { slot: ReaderSlot; index: number } {
    const start = slotStart(slot);
    const a = this.#readCopy(start + SLOT_COPY_A);
    const b = this.#readCopy(start + SLOT_COPY_B);
    // Both marked: the slot was taken and its reader stored nothing yet (it starts at the start).
    if (a === BEING_WRITTEN && b === BEING_WRITTEN) {
      return { slot: { slot, newest: SLOT_COPY_B, sequence: 0 }, index: 0 };
    }
    if (a === DAMAGED || b === DAMAGED) {
      const which = a === DAMAGED ? SLOT_COPY_A : SLOT_COPY_B;
      throw new WalCorruptError(
        `${this.path}: the stored index of named reader slot ${slot} is damaged (copy at byte ${start + which}); the reader's place is unknown`,
        { path: this.path, offset: start },
      );
    }
    // Sequences wrap at 2^32: the newer of two whole copies is the one ahead.
    if (a !== BEING_WRITTEN && (b === BEING_WRITTEN || ((a.sequence - b.sequence) | 0) > 0)) {
      return { slot: { slot, newest: SLOT_COPY_A, sequence: a.sequence }, index: a.index };
    }
    const whole = b as { sequence: number; index: number };
    return { slot: { slot, newest: SLOT_COPY_B, sequence: whole.sequence }, index: whole.index };
  }

  /** The copy at `at`: whole, marked as being written (a crash's), or damaged. */
  #readCopy(
    at: number,
  ): { sequence: number; index: number } | typeof BEING_WRITTEN | typeof DAMAGED {
    const view = this.#view;
    const sequence = view.getUint32(at + COPY_SEQUENCE, true);
    if (sequence === COPY_BEING_WRITTEN) return BEING_WRITTEN;
    const index = view.getFloat64(at + COPY_INDEX, true);
    if (view.getUint32(at + COPY_CRC, true) !== this.#copyChecksum(sequence, index)) {
      return DAMAGED;
    }
    if (!(Number.isSafeInteger(index) && index >= 0)) return DAMAGED;
    return { sequence, index };
  }

  #copyChecksum(sequence: number, index: number): number {
    this.#scratch.setUint32(COPY_SEQUENCE, sequence, true);
    this.#scratch.setFloat64(COPY_CHECKED_INDEX, index, true);
    return crc32c(this.#scratchBytes);
  }

  /**
   * The name in `slot`, or undefined when the slot is free.
   * @throws ERR_ANNAL_CORRUPT when its length or checksum is wrong
   */
  #name(slot: number): Uint8Array | undefined {
    const start = slotStart(slot);
    const length = this.#view.getUint32(start + SLOT_NAME_LENGTH, true);
    if (length === 0) {
      // Slots are never freed: a free one is all zeros, or one a crash left while taking it
      // (copy A marked). A zero length over anything else is a taken slot whose length word
      // was damaged (taking it as free would start its reader again from the beginning).
      const words = this.#words;
      if (this.#view.getUint32(start + SLOT_COPY_A + COPY_SEQUENCE, true) === COPY_BEING_WRITTEN) {
        return undefined;
      }
      for (let word = start >> 2; word < (start + READER_SLOT_BYTES) >> 2; word++) {
        if (words[word] !== 0) {
          throw new WalCorruptError(
            `${this.path}: named reader slot ${slot} has no name length but is not empty (damaged)`,
            { path: this.path, offset: start },
          );
        }
      }
      return undefined;
    }
    const name =
      length <= MAX_READER_NAME_BYTES
        ? this.#bytes.subarray(start + SLOT_NAME, start + SLOT_NAME + length)
        : undefined;
    if (name === undefined || crc32c(name) !== this.#view.getUint32(start + SLOT_NAME_CRC, true)) {
      throw new WalCorruptError(`${this.path}: the name of named reader slot ${slot} is damaged`, {
        path: this.path,
        offset: start,
      });
    }
    return name;
  }

  #checkHeader(): void {
    const view = this.#view;
    const ok =
      this.#bytes.length === READERS_FILE_BYTES &&
      view.getUint32(READERS_MAGIC_OFFSET, true) === READERS_MAGIC &&
      view.getUint32(READERS_VERSION_OFFSET, true) === READERS_VERSION &&
      view.getUint32(READERS_SLOT_BYTES_OFFSET, true) === READER_SLOT_BYTES &&
      view.getUint32(READERS_SLOTS_OFFSET, true) === MAX_READERS_PER_TOPIC;
    if (!ok) {
      throw new WalCorruptError(`${this.path}: not a readers table (bad header or size)`, {
        path: this.path,
        offset: 0,
      });
    }
  }
}

const BEING_WRITTEN = 'being written';
const DAMAGED = 'damaged';

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
