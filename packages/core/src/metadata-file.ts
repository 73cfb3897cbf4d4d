/**
 * The directory metadata file: the highest cycle, so tailers need no directory listing in their
 * loop. A hint: a damaged one is reported to no reader, which then lists the directory.
 *
 * @module
 */
import { statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

import { CorruptError, MappedFile, crc32c } from '@annal/native';
import { checkFileHeader, createFileAtomically, fromErrno } from '@annal/native/internal';

import {
  METADATA_CHECKED_BYTES,
  METADATA_CHECKSUM_OFFSET,
  METADATA_FILE_BYTES,
  METADATA_FILE_BYTES_OFFSET,
  METADATA_FILE_NAME,
  METADATA_HEADER_BYTES,
  METADATA_MAGIC,
  METADATA_VERSION,
  getHighestCycle,
  readMetadataHeader,
  setHighestCycle,
  setMetadataChecksum,
  writeMetadataHeader,
} from './layout.js';

/** The mapped metadata file of one queue directory. */
export class MetadataFile {
  readonly path: string;
  readonly #mapping: MappedFile;
  readonly #float64s: Float64Array;

  private constructor(path: string, mapping: MappedFile) {
    this.path = path;
    this.#mapping = mapping;
    this.#float64s = new Float64Array(mapping.buffer);
  }

  /**
   * Opens the metadata file of `directory`, creating it (atomically) unless `readOnly`.
   *
   * @returns the file, or undefined for a read-only queue that has none yet
   * @throws ERR_ANNAL_CORRUPT when it exists but is not a valid metadata file of this version
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
    } else if (stats.size < METADATA_HEADER_BYTES) {
      // Not a metadata file (an empty one could not even be mapped).
      throw new CorruptError(
        `${path} has ${stats.size} bytes; a metadata file has ${METADATA_FILE_BYTES}`,
        { path, offset: 0, field: 'length' },
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

  /** Unmaps the file. */
  close(): void {
    this.#mapping.close();
  }
}

function create(path: string): void {
  // false (someone else created it first) is fine: theirs is used.
  createFileAtomically(path, METADATA_FILE_BYTES, (buffer) => {
    const words = new Int32Array(buffer);
    writeMetadataHeader(words, new Float64Array(buffer));
    setMetadataChecksum(words, crc32c(new Uint8Array(buffer, 0, METADATA_CHECKED_BYTES)));
  });
}

/** The header first (a version-1 file is told apart by its version), then the size. */
function validate(path: string, mapping: MappedFile): void {
  const header = readMetadataHeader(new Int32Array(mapping.buffer, 0, METADATA_HEADER_BYTES / 4));
  checkFileHeader({
    path,
    kind: 'core metadata file',
    magic: { found: header.magic, expected: METADATA_MAGIC },
    version: { found: header.version, expected: METADATA_VERSION },
    checksum: {
      stored: header.checksum,
      computed: crc32c(new Uint8Array(mapping.buffer, 0, METADATA_CHECKED_BYTES)),
      offset: METADATA_CHECKSUM_OFFSET,
    },
    fields: [
      {
        field: 'fileBytes',
        offset: METADATA_FILE_BYTES_OFFSET,
        found: header.fileBytes,
        expected: METADATA_FILE_BYTES,
      },
    ],
  });
  if (mapping.lengthBytes !== METADATA_FILE_BYTES) {
    throw new CorruptError(
      `${path} has ${mapping.lengthBytes} bytes; a metadata file has ${METADATA_FILE_BYTES}`,
      { path, offset: 0, field: 'length' },
    );
  }
}
