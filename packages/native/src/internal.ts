/**
 * Not public API, no semver. The helpers that the sibling annal packages (core, wal, the bench
 * and demo apps) share, reached as `@annal/native/internal`. Anything here may change in any
 * release. Users of `@annal/native` import from `@annal/native` only.
 *
 * (Deliberately not tagged internal: that would strip it from the declarations, and the sibling
 * packages need its types.)
 *
 * @module
 */
export { getBinding } from './native.js';
// Where the addon is looked for and what it must match (tests of the ABI guard, prebuild tools).
export {
  ADDON_CANDIDATE_PATHS,
  ADDON_FUNCTIONS,
  ADDON_TARGET,
  PREBUILD_DIRECTORY,
  loadAddonFrom,
  prebuildFileName,
} from './native.js';
export { describeHolder } from './file-lock.js';

// Checksums: the pure-JS forms a hot path calls with a cached view, and the length dispatch.
export {
  CRC32C_NATIVE_THRESHOLD_BYTES,
  CRC_RANGE_LENGTH_SLOT,
  CRC_RANGE_PAYLOAD_SLOT,
  CRC_RANGE_SEED_SLOT,
  CRC_RANGE_SLOTS,
  crc32cJs,
  crc32cJsInt32,
  crc32cJsWordsInt32,
  crc32cNative,
  crc32cRangesInt32,
  crc32cWordsInt32,
} from './crc32c.js';
// How many records a reader checks ahead in one CRC call (core's and wal's read-ahead checks).
export {
  MAX_READ_AHEAD,
  MAX_READ_AHEAD_BYTES,
  MIN_READ_AHEAD,
  ReadAheadWindow,
} from './read-ahead-window.js';

// The payload accessors of core's and wal's record flyweights.
export { RecordView } from './record-view.js';

// Errors from syscalls and node:fs, as AnnalErrors.
export { fromErrno } from './errors/from-errno.js';
export type { ErrnoContext } from './errors/from-errno.js';

// Option schemas (zod) and their parsing at an API edge.
export {
  byteSize,
  durationMs,
  parseByteSize,
  parseDurationMs,
  parseOptions,
  powerOfTwo,
} from './config.js';
export { syncPolicySchema } from './sync-scheduler.js';

// Directories created level by level (never Node's recursive mkdir, which can loop for ever).
export { makeDirectorySync } from './make-directory.js';

// Files that appear whole or not at all.
export { createFileAtomically } from './atomic-file.js';

// Names from users, kept inside their data directory.
export {
  MAX_PATH_SEGMENT_BYTES,
  decodePathSegment,
  encodePathSegment,
  safePath,
} from './safe-path.js';

// Header checks with one wording for every annal file format.
export { checkFileHeader } from './file-header.js';
export type {
  CorruptErrorFactory,
  FileHeaderCheck,
  HeaderField,
  HeaderFieldDetails,
} from './file-header.js';

// Crash-safe tables of named positions (wal's readers.wrd, core's readers.annalr).
export { PositionTable } from './position-table.js';
// Its byte layout, for the packages' own layout modules (and their tests, which damage slots).
export {
  SLOT_NAME as POSITION_TABLE_SLOT_NAME,
  TABLE_SLOTS_OFFSET as POSITION_TABLE_SLOTS_OFFSET,
  slotStart as positionTableSlotStart,
} from './position-table-layout.js';
export type { ClaimedSlot, PositionTableFormat } from './position-table.js';

export { problemOf } from './verify-report.js';
