/**
 * Reading and writing the consuming bridge's state file (layout: intake-state-layout.ts).
 *
 * @module
 */
import {
  closeSync,
  constants,
  fdatasyncSync,
  fstatSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';

import { crc32c } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

import {
  CRC_FROM,
  MAX_SLOT_SEQUENCES,
  SLOT_BYTES,
  SLOT_FIELDS,
  SLOT_HEADER_BYTES,
  STATE_MAGIC,
} from './intake-state-layout.js';

/** The newest batch the state file announces. */
export interface IntakeBatch {
  readonly generation: number;
  readonly heldBefore: number;
  readonly before: number;
  readonly sequences: readonly number[];
}

/** One open state file. */
export class IntakeState {
  readonly path: string;
  readonly #fd: number;
  readonly #durable: boolean;
  readonly #buffer = new Uint8Array(SLOT_BYTES);
  readonly #view = new DataView(this.#buffer.buffer);
  #generation = 0;

  /**
   * Opens (creating) the file at `path`; `durable`: fdatasync each write (the log syncs, so the
   * state must be on disk before what it announces).
   */
  constructor(path: string, durable: boolean) {
    this.path = path;
    this.#durable = durable;
    try {
      this.#fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    } catch (error) {
      throw fromErrno(error, { path });
    }
  }

  /** The newest valid slot, or undefined for a new file (or two damaged slots). */
  read(): IntakeBatch | undefined {
    let best: IntakeBatch | undefined;
    const size = fstatSync(this.#fd).size;
    for (const at of [0, SLOT_BYTES]) {
      if (size < at + SLOT_HEADER_BYTES) continue;
      const slot = this.#readSlot(at, Math.min(SLOT_BYTES, size - at));
      if (slot !== undefined && (best === undefined || slot.generation > best.generation))
        best = slot;
    }
    this.#generation = best?.generation ?? 0;
    return best;
  }

  #readSlot(at: number, length: number): IntakeBatch | undefined {
    const bytes = this.#buffer;
    const view = this.#view;
    readSync(this.#fd, bytes, 0, length, at);
    if (view.getUint32(SLOT_FIELDS.magic, true) !== STATE_MAGIC) return undefined;
    const count = view.getUint32(SLOT_FIELDS.count, true);
    const end = SLOT_HEADER_BYTES + 8 * count;
    if (count > MAX_SLOT_SEQUENCES || end > length) return undefined;
    if (crc32c(bytes.subarray(CRC_FROM, end)) !== view.getUint32(SLOT_FIELDS.crc, true))
      return undefined;
    const sequences: number[] = [];
    for (let i = 0; i < count; i++)
      sequences.push(view.getFloat64(SLOT_FIELDS.sequences + 8 * i, true));
    return {
      generation: view.getFloat64(SLOT_FIELDS.generation, true),
      heldBefore: view.getFloat64(SLOT_FIELDS.heldBefore, true),
      before: view.getFloat64(SLOT_FIELDS.before, true),
      sequences,
    };
  }

  /** Announces a batch (before appending it): written, and fdatasync'd when durable. */
  write(heldBefore: number, before: number, sequences: readonly number[]): void {
    const generation = ++this.#generation;
    const view = this.#view;
    const count = sequences.length;
    view.setUint32(SLOT_FIELDS.magic, STATE_MAGIC, true);
    view.setFloat64(SLOT_FIELDS.generation, generation, true);
    view.setFloat64(SLOT_FIELDS.heldBefore, heldBefore, true);
    view.setFloat64(SLOT_FIELDS.before, before, true);
    view.setUint32(SLOT_FIELDS.count, count, true);
    view.setUint32(SLOT_FIELDS.reserved, 0, true);
    for (let i = 0; i < count; i++)
      view.setFloat64(SLOT_FIELDS.sequences + 8 * i, sequences[i] as number, true);
    const end = SLOT_HEADER_BYTES + 8 * count;
    view.setUint32(SLOT_FIELDS.crc, crc32c(this.#buffer.subarray(CRC_FROM, end)), true);
    try {
      writeSync(this.#fd, this.#buffer, 0, end, (generation % 2) * SLOT_BYTES);
      if (this.#durable) fdatasyncSync(this.#fd);
    } catch (error) {
      throw fromErrno(error, { path: this.path });
    }
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.#fd);
  }
}
