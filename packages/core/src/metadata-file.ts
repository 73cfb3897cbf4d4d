/**
 * The directory metadata file: the highest cycle (so tailers need no directory listing in their
 * loop) and fixed slots holding the positions of named readers.
 *
 * @module
 */
import { statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

import {
  CorruptError,
  InvalidArgumentError,
  MappedFile,
  TooLargeError,
  crc32c,
} from '@annal/native';
import { createFileAtomically, fromErrno } from '@annal/native/internal';

import {
  MAX_READER_NAME_BYTES,
  METADATA_CHECKED_BYTES,
  METADATA_FILE_BYTES,
  METADATA_FILE_NAME,
  METADATA_MAGIC,
  METADATA_SLOT_BYTES,
  METADATA_SLOT_COUNT,
  METADATA_VERSION,
  getHighestCycle,
  loadSlotNameLength,
  loadSlotPosition,
  readMetadataHeader,
  setHighestCycle,
  setMetadataChecksum,
  slotNameOffset,
  storeSlotNameLength,
  storeSlotPosition,
  writeMetadataHeader,
} from './layout.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** The mapped metadata file of one queue directory. */
export class MetadataFile {
  readonly path: string;
  readonly #mapping: MappedFile;
  readonly #words: Int32Array;
  readonly #float64s: Float64Array;
  readonly #bytes: Uint8Array;

  private constructor(path: string, mapping: MappedFile) {
    this.path = path;
    this.#mapping = mapping;
    this.#words = new Int32Array(mapping.buffer);
    this.#float64s = new Float64Array(mapping.buffer);
    this.#bytes = new Uint8Array(mapping.buffer);
  }

  /**
   * Opens the metadata file of `directory`, creating it (atomically) unless `readOnly`.
   *
   * @returns the file, or undefined for a read-only queue that has none yet
   * @throws ERR_ANNAL_CORRUPT when it exists but is not a valid version-1 metadata file
   */
  static open(directory: string, readOnly: boolean): MetadataFile | undefined {
    const path = join(directory, METADATA_FILE_NAME);
    let stats: Stats | undefined;
    try {
      stats = statSync(path, { throwIfNoEntry: false });
    } catch (error) {
      throw fromErrno(error, { path });
    }
    if (stats === undefined) {
      if (readOnly) return undefined;
      create(path);
    } else if (stats.size !== METADATA_FILE_BYTES) {
      // Not a metadata file (an empty one could not even be mapped).
      throw new CorruptError(
        `${path} has ${stats.size} bytes; a metadata file has ${METADATA_FILE_BYTES}`,
        {
          path,
          offset: 0,
          field: 'length',
        },
      );
    }
    const mapping = MappedFile.open(path, { readOnly });
    try {
      validate(path, mapping);
    } catch (error) {
      mapping.close();
      throw error;
    }
    return new MetadataFile(path, mapping);
  }

  /** The highest cycle an appender recorded, or -1. A hint: it may lag a directory listing. */
  highestCycle(): number {
    return getHighestCycle(this.#float64s);
  }

  /** Raises the recorded highest cycle to `cycle` (never lowers it). */
  recordCycle(cycle: number): void {
    if (cycle > getHighestCycle(this.#float64s)) setHighestCycle(this.#float64s, cycle);
  }

  /**
   * The slot of reader `name`, claiming a free one if it has none. The caller holds the
   * reader's lock, so no one else claims a slot for the same name meanwhile.
   *
   * @returns the slot number and whether it is new
   * @throws ERR_ANNAL_TOO_LARGE when every slot is taken
   */
  slotFor(name: string): { slot: number; created: boolean } {
    const encoded = encodeName(name);
    let free = -1;
    for (let slot = 0; slot < METADATA_SLOT_COUNT; slot++) {
      const length = loadSlotNameLength(this.#words, slot);
      if (length === 0) {
        if (free < 0) free = slot;
        continue;
      }
      if (length === encoded.length && this.#nameMatches(slot, encoded)) {
        return { slot, created: false };
      }
    }
    if (free < 0) {
      throw new TooLargeError(
        `${this.path}: all ${METADATA_SLOT_COUNT} named-reader slots are taken`,
        { path: this.path, field: 'name' },
      );
    }
    this.#bytes.set(encoded, slotNameOffset(free));
    storeSlotPosition(this.#words, free, 0);
    // publish: the name and the initial position are complete before the slot counts as taken.
    storeSlotNameLength(this.#words, free, encoded.length);
    return { slot: free, created: true };
  }

  /** The index stored in `slot`. */
  position(slot: number): number {
    return loadSlotPosition(this.#words, slot);
  }

  /** Stores `index` in `slot` (crash-safe: the old or the new value survives, never a mix). */
  setPosition(slot: number, index: number): void {
    storeSlotPosition(this.#words, slot, index);
  }

  /** Names of every named reader. */
  readerNames(): string[] {
    const names: string[] = [];
    for (let slot = 0; slot < METADATA_SLOT_COUNT; slot++) {
      const length = loadSlotNameLength(this.#words, slot);
      if (length > 0 && length <= MAX_READER_NAME_BYTES) {
        const start = slotNameOffset(slot);
        names.push(textDecoder.decode(this.#bytes.subarray(start, start + length)));
      }
    }
    return names;
  }

  /** msync of the file (blocking). */
  sync(): void {
    this.#mapping.msyncSync();
  }

  /** Unmaps the file. */
  close(): void {
    this.#mapping.close();
  }

  #nameMatches(slot: number, encoded: Uint8Array): boolean {
    const start = slotNameOffset(slot);
    for (let i = 0; i < encoded.length; i++) {
      if (this.#bytes[start + i] !== encoded[i]) return false;
    }
    return true;
  }
}

/** UTF-8 bytes of a reader name, validated. */
export function encodeName(name: string): Uint8Array {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(
      `a reader name must be a non-empty string: name=${JSON.stringify(name)}`,
      {
        field: 'name',
      },
    );
  }
  const encoded = textEncoder.encode(name);
  if (encoded.length > MAX_READER_NAME_BYTES) {
    throw new InvalidArgumentError(
      `a reader name may have at most ${MAX_READER_NAME_BYTES} UTF-8 bytes: name=${JSON.stringify(name)} has ${encoded.length}`,
      { field: 'name' },
    );
  }
  return encoded;
}

function create(path: string): void {
  // false (someone else created it first) is fine: theirs is used.
  createFileAtomically(path, METADATA_FILE_BYTES, (buffer) => {
    const words = new Int32Array(buffer);
    writeMetadataHeader(words, new Float64Array(buffer));
    setMetadataChecksum(words, crc32c(new Uint8Array(buffer, 0, METADATA_CHECKED_BYTES)));
  });
}

function validate(path: string, mapping: MappedFile): void {
  if (mapping.lengthBytes !== METADATA_FILE_BYTES) {
    throw new CorruptError(
      `${path} has ${mapping.lengthBytes} bytes; a metadata file has ${METADATA_FILE_BYTES}`,
      { path, offset: 0, field: 'length' },
    );
  }
  const header = readMetadataHeader(new Int32Array(mapping.buffer));
  const checksum = crc32c(new Uint8Array(mapping.buffer, 0, METADATA_CHECKED_BYTES));
  if (
    header.magic !== METADATA_MAGIC ||
    header.version !== METADATA_VERSION ||
    header.slotCount !== METADATA_SLOT_COUNT ||
    header.slotBytes !== METADATA_SLOT_BYTES ||
    header.checksum !== checksum
  ) {
    throw new CorruptError(
      `${path} is not a valid version-${METADATA_VERSION} metadata file (magic 0x${header.magic.toString(16)}, version ${header.version}, checksum ${header.checksum === checksum ? 'ok' : 'mismatch'})`,
      { path, offset: 0, field: 'header' },
    );
  }
}
