/**
 * Where a queue's named readers keep their positions: `readers.annalr` in the queue directory, a
 * crash-safe position table of @annal/native/internal (reader-positions-layout.ts). Each
 * position has two checksummed copies, so a crash while one is stored leaves the previous one,
 * and a flipped bit is ERR_ANNAL_CORRUPT, never another position.
 *
 * @module
 */
import { join } from 'node:path';

import { CorruptError, TooLargeError } from '@annal/native';
import { PositionTable, type PositionTableFormat } from '@annal/native/internal';

import {
  READER_POSITIONS_FILE_NAME,
  READER_POSITIONS_MAGIC,
  READER_POSITIONS_SLOTS,
  READER_POSITIONS_SLOT_BYTES,
  READER_POSITIONS_VERSION,
} from './layout.js';

const READER_POSITIONS_FORMAT: PositionTableFormat = {
  kind: 'core named-reader positions table',
  magic: READER_POSITIONS_MAGIC,
  version: READER_POSITIONS_VERSION,
  slotBytes: READER_POSITIONS_SLOT_BYTES,
  slots: READER_POSITIONS_SLOTS,
  slotName: 'named-reader slot',
  corrupt: (message, details) => new CorruptError(message, details),
  full: (message, details) => new TooLargeError(message, details),
};

/**
 * Opens the positions table of the queue in `directory`, creating it (atomically) unless
 * `readOnly`.
 *
 * @returns the table, or undefined for a read-only queue that has none
 * @throws ERR_ANNAL_CORRUPT when the file is not a positions table of this version
 */
export function openReaderPositions(
  directory: string,
  readOnly: boolean,
): PositionTable | undefined {
  return PositionTable.open(join(directory, READER_POSITIONS_FILE_NAME), READER_POSITIONS_FORMAT, {
    readOnly,
  });
}
