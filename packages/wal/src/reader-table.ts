/**
 * The named readers of one topic and their indexes: `readers.wrd` (layout.ts), a position table
 * of @annal/native/internal. Storing an index is a few stores into the mapping — no file
 * rewritten per read (walrus's cost) — and each slot keeps two checksummed copies, so a crash in
 * the middle of an update leaves the previous index readable, and damage is reported as
 * ERR_ANNAL_CORRUPT, never read as another index.
 *
 * @module
 */
import { CorruptError, LockedError, NotFoundError } from '@annal/native';
import { PositionTable, type PositionTableFormat } from '@annal/native/internal';

import {
  MAX_READERS_PER_TOPIC,
  READERS_MAGIC,
  READERS_VERSION,
  READER_SLOT_BYTES,
} from './layout.js';

/** A named reader's slot in the table: where its index lives. */
export type ReaderSlot = number;

const READERS_FORMAT: PositionTableFormat = {
  kind: 'wal readers table',
  magic: READERS_MAGIC,
  version: READERS_VERSION,
  slotBytes: READER_SLOT_BYTES,
  slots: MAX_READERS_PER_TOPIC,
  slotName: 'named reader slot',
  corrupt: (message, details) => new CorruptError(message, details),
  full: (message, details) => new LockedError(message, details),
};

export class ReaderTable {
  readonly path: string;
  readonly #table: PositionTable;

  private constructor(table: PositionTable) {
    this.path = table.path;
    this.#table = table;
  }

  /**
   * `readOnly`: mapped read-only, for a log another process owns (the file must exist).
   * @throws ERR_ANNAL_CORRUPT when the file is not a readers table
   */
  static open(path: string, readOnly = false): ReaderTable {
    const table = PositionTable.open(path, READERS_FORMAT, { readOnly });
    if (table === undefined) {
      throw new NotFoundError(`${path}: no readers table (the topic has no named reader)`, {
        path,
      });
    }
    return new ReaderTable(table);
  }

  /** Every named reader and its stored index, in slot order. @throws ERR_ANNAL_CORRUPT */
  entries(): { name: string; index: number }[] {
    return this.#table.entries().map(({ name, position }) => ({ name, index: position }));
  }

  /** Finds the slot of `name`, or takes a free one at index `initial`. */
  slotOf(name: Uint8Array, initial: number): { slot: ReaderSlot; index: number } {
    const { slot, position } = this.#table.claim(name, initial);
    return { slot, index: position };
  }

  /** The names of every taken slot, in slot order. @throws ERR_ANNAL_CORRUPT at a damaged name */
  names(): string[] {
    return this.#table.names();
  }

  /**
   * The lowest index stored for any named reader: every reader has consumed everything before
   * it. Undefined when the topic has no named reader.
   * @throws ERR_ANNAL_CORRUPT when a slot is damaged
   */
  oldestIndex(): number | undefined {
    let oldest: number | undefined;
    for (const { position } of this.#table.entries()) {
      if (oldest === undefined || position < oldest) oldest = position;
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
    for (const { name, slot, position } of this.#table.entries()) {
      if (position <= end) continue;
      this.#table.store(slot, end);
      moved.push({ name, index: position });
    }
    return moved;
  }

  /** Stores `index` in `slot` (survives a process crash at once). */
  store(slot: ReaderSlot, index: number): void {
    this.#table.store(slot, index);
  }

  /** Makes the indexes stored so far survive power loss (nothing to do when none changed). */
  sync(): Promise<void> {
    return this.#table.sync();
  }

  /** The same on the calling thread. */
  syncSync(): void {
    this.#table.syncSync();
  }

  close(): void {
    this.#table.close();
  }
}
