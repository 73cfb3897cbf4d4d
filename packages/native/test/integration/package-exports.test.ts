/**
 * The package as users get it: imported by name from the built `dist/` through the `exports`
 * map (not through the `@annal/source` condition the other tests use).
 */
import { runNode } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixture-path.js';

describe('@annal/native exports', () => {
  it('resolves the main entry and ./internal from dist, with exactly the documented exports', async () => {
    const result = await runNode(fixturePath('list-exports.mjs'));
    expect(result.code, result.stderr).toBe(0);
    const { main, internal } = JSON.parse(result.stdout) as { main: string[]; internal: string[] };
    // The public entry is the documented API, exactly: anything added here needs docs too.
    expect(main).toEqual([
      'AbortedError',
      'AlreadyExistsError',
      'AnnalError',
      'BackPressuredError',
      'BridgeAuthError',
      'BridgeConflictError',
      'BridgeConnectError',
      'BridgeNoStreamError',
      'BridgeRejectedError',
      'BridgeSubjectError',
      'ClosedError',
      'CorruptError',
      'DEFAULT_MAX_PROBLEMS',
      'ErrorCode',
      'FileLock',
      'FullError',
      'InvalidArgumentError',
      'InvalidOptionError',
      'IoError',
      'LockedError',
      'MappedFile',
      'NativeFile',
      'NativeLoadError',
      'NotFoundError',
      'PermissionError',
      'ReadOnlyError',
      'SyncScheduler',
      'TimeoutError',
      'TooLargeError',
      'UnsafePathError',
      'UnsupportedError',
      'WorkerFailedError',
      'crc32c',
      'fsyncDirectorySync',
      'futexWait',
      'futexWaitSync',
      'futexWake',
      'hasHardwareCrc32c',
      'membarrier',
      'membarrierRegister',
      'pageSize',
    ]);
    expect(internal).toEqual([
      'ADDON_CANDIDATE_PATHS',
      'ADDON_FUNCTIONS',
      'ADDON_TARGET',
      'CRC32C_NATIVE_THRESHOLD_BYTES',
      'MAX_PATH_SEGMENT_BYTES',
      'MAX_READ_AHEAD',
      'MAX_READ_AHEAD_BYTES',
      'MIN_READ_AHEAD',
      'POSITION_TABLE_SLOTS_OFFSET',
      'POSITION_TABLE_SLOT_NAME',
      'PREBUILD_DIRECTORY',
      'PositionTable',
      'ReadAheadWindow',
      'RecordView',
      'byteSize',
      'checkFileHeader',
      'crc32cJs',
      'crc32cJsInt32',
      'crc32cJsWordsInt32',
      'crc32cNative',
      'crc32cRangesInt32',
      'crc32cWordsInt32',
      'createFileAtomically',
      'decodePathSegment',
      'describeHolder',
      'durationMs',
      'encodePathSegment',
      'fromErrno',
      'getBinding',
      'loadAddonFrom',
      'makeDirectorySync',
      'parseByteSize',
      'parseDurationMs',
      'parseOptions',
      'positionTableSlotStart',
      'powerOfTwo',
      'prebuildFileName',
      'problemOf',
      'safePath',
      'syncPolicySchema',
    ]);
  });
});
