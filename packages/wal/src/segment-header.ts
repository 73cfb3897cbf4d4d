/**
 * The header at the start of every segment file (layout.ts): written once when the segment is
 * created, checked whenever it is opened, and read raw by recovery and retention, which must not
 * trust a file before they know what it is.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import { CorruptError, crc32c } from '@annal/native';
import { checkFileHeader, fromErrno } from '@annal/native/internal';

import {
  CREATED_MS_OFFSET,
  FIRST_INDEX_OFFSET,
  HEADER_BYTES_OFFSET,
  HEADER_CRC_OFFSET,
  MAGIC_OFFSET,
  PREVIOUS_END_OFFSET,
  SEGMENT_BYTES_OFFSET,
  SEGMENT_HEADER_BYTES,
  SEGMENT_HEADER_CHECKED_BYTES,
  SEGMENT_HEADER_USED_BYTES,
  SEGMENT_MAGIC,
  SEGMENT_VERSION,
  VERSION_OFFSET,
} from './layout.js';

/** A segment's header fields, as created. */
export interface SegmentHeader {
  readonly segmentBytes: number;
  readonly firstIndex: number;
  readonly createdMs: number;
  /** Position of the previous segment's end frame; 0 for a topic's first segment. */
  readonly previousEnd: number;
}

/**
 * Checks the header of the segment file at `path` (of `size` bytes) and returns its fields.
 * @throws ERR_ANNAL_CORRUPT naming the file and what is wrong
 */
export function checkSegmentHeader(
  header: Uint8Array,
  size: number,
  path: string,
  topic: string,
): Omit<SegmentHeader, 'segmentBytes'> {
  const fail = (problem: string): never => {
    throw new CorruptError(`topic ${JSON.stringify(topic)}: ${path}: ${problem}`, {
      path,
      offset: 0,
    });
  };
  if (size < SEGMENT_HEADER_BYTES || header.length < SEGMENT_HEADER_USED_BYTES) {
    fail(`${size} bytes, shorter than a segment header`);
  }
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  checkFileHeader({
    path,
    kind: 'wal segment',
    magic: { found: view.getUint32(MAGIC_OFFSET, true), expected: SEGMENT_MAGIC },
    version: { found: view.getUint32(VERSION_OFFSET, true), expected: SEGMENT_VERSION },
    checksum: {
      stored: view.getUint32(HEADER_CRC_OFFSET, true),
      computed: crc32c(header.subarray(0, SEGMENT_HEADER_CHECKED_BYTES)),
      offset: HEADER_CRC_OFFSET,
    },
    fields: [
      {
        field: 'headerBytes',
        offset: HEADER_BYTES_OFFSET,
        found: view.getUint32(HEADER_BYTES_OFFSET, true),
        expected: SEGMENT_HEADER_BYTES,
      },
    ],
    corrupt: (message, details) =>
      new CorruptError(`topic ${JSON.stringify(topic)}: ${message}`, details),
  });
  const declared = view.getFloat64(SEGMENT_BYTES_OFFSET, true);
  if (declared !== size) fail(`header says ${declared} bytes, the file has ${size}`);
  const firstIndex = view.getFloat64(FIRST_INDEX_OFFSET, true);
  if (!(Number.isSafeInteger(firstIndex) && firstIndex >= 0)) {
    fail(`bad first index ${firstIndex}`);
  }
  const previousEnd = view.getUint32(PREVIOUS_END_OFFSET, true);
  if (previousEnd !== 0 && (previousEnd < SEGMENT_HEADER_BYTES || previousEnd % 8 !== 0)) {
    fail(`bad previous segment end ${previousEnd}`);
  }
  return { firstIndex, createdMs: view.getFloat64(CREATED_MS_OFFSET, true), previousEnd };
}

/** Writes a segment header into `bytes` (its first SEGMENT_HEADER_USED_BYTES: the checked fields and their CRC). */
export function encodeSegmentHeader(bytes: Uint8Array, header: SegmentHeader): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(MAGIC_OFFSET, SEGMENT_MAGIC, true);
  view.setUint32(VERSION_OFFSET, SEGMENT_VERSION, true);
  view.setUint32(HEADER_BYTES_OFFSET, SEGMENT_HEADER_BYTES, true);
  view.setUint32(PREVIOUS_END_OFFSET, header.previousEnd, true);
  view.setFloat64(SEGMENT_BYTES_OFFSET, header.segmentBytes, true);
  view.setFloat64(FIRST_INDEX_OFFSET, header.firstIndex, true);
  view.setFloat64(CREATED_MS_OFFSET, header.createdMs, true);
  view.setUint32(HEADER_CRC_OFFSET, crc32c(bytes.subarray(0, SEGMENT_HEADER_CHECKED_BYTES)), true);
}

/** A segment file's header as found on disk, read without opening the file as a segment. */
export interface HeaderOnDisk {
  /** Every byte of the checked header is zero: a roll whose header never reached the disk. */
  readonly zero: boolean;
  /** Magic, version and checksum check out: the fields below mean something. */
  readonly valid: boolean;
  /** What the header says the file holds (NaN when not valid). */
  readonly segmentBytes: number;
  /** The header's first index (NaN when not valid). */
  readonly firstIndex: number;
  /** When the segment was created (+Infinity when not valid). */
  readonly createdMs: number;
  /** What the file holds. */
  readonly fileBytes: number;
}

/**
 * Reads the header of the segment file at `path` (for recovery and retention, which must not
 * map or trust it first). @throws ERR_ANNAL_IO and kin when the file cannot be read
 */
export function readHeaderOnDisk(path: string): HeaderOnDisk {
  const header = new Uint8Array(SEGMENT_HEADER_USED_BYTES);
  let fileBytes: number;
  try {
    const fd = openSync(path, 'r');
    try {
      fileBytes = fstatSync(fd).size;
      readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw fromErrno(error, { path });
  }
  const view = new DataView(header.buffer);
  const valid =
    view.getUint32(MAGIC_OFFSET, true) === SEGMENT_MAGIC &&
    view.getUint32(VERSION_OFFSET, true) === SEGMENT_VERSION &&
    view.getUint32(HEADER_CRC_OFFSET, true) ===
      crc32c(header.subarray(0, SEGMENT_HEADER_CHECKED_BYTES));
  return {
    zero: header.every((byte) => byte === 0),
    valid,
    segmentBytes: valid ? view.getFloat64(SEGMENT_BYTES_OFFSET, true) : Number.NaN,
    firstIndex: valid ? view.getFloat64(FIRST_INDEX_OFFSET, true) : Number.NaN,
    createdMs: valid ? view.getFloat64(CREATED_MS_OFFSET, true) : Number.POSITIVE_INFINITY,
    fileBytes,
  };
}
