/**
 * `@annal/native`: the syscalls annal is built on, with a small typed layer — memory-mapped files
 * handed to JavaScript as ArrayBuffers, msync/fsync/fdatasync, posix_fallocate, OFD file locks,
 * futex wait/wake on mapped memory, vectored and io_uring I/O, CRC32C — plus the pieces every
 * annal package shares: typed errors with stable codes, option-schema helpers, a sync scheduler
 * and safe paths for user-supplied names.
 *
 * It knows nothing of records, indices or topics.
 *
 * @packageDocumentation
 */

// Files and mappings
export { NativeFile, syncDirectory } from './native-file.js';
export type { OpenFileOptions, WriteBatchOptions, WriteBatchResult } from './native-file.js';
export { MappedFile } from './mapped-file.js';
export type {
  CreateMappedFileOptions,
  MappedBuffer,
  MappingAdvice,
  OpenMappedFileOptions,
} from './mapped-file.js';
export { pageSize, ioUringAvailable } from './system.js';
export { createFileAtomically } from './atomic-file.js';

// Locks and waiting
export { FileLock } from './file-lock.js';
export type { AcquireFileLockOptions, FileLockOptions, LockRange } from './file-lock.js';
export { futexWait, futexWaitAsync, futexWake } from './futex.js';
export type { FutexWaitOptions, FutexWaitResult } from './futex.js';
export { membarrier, membarrierRegister } from './fence.js';

// Checksums
export {
  CRC32C_NATIVE_THRESHOLD_BYTES,
  crc32c,
  crc32cJs,
  crc32cJsInt32,
  crc32cJsWordsInt32,
  crc32cNative,
  hasHardwareCrc32c,
} from './crc32c.js';

// Durability
export { SyncScheduler, syncPolicySchema } from './sync-scheduler.js';
export type { SyncPolicy, SyncSchedulerOptions } from './sync-scheduler.js';

// Names from users
export {
  MAX_PATH_SEGMENT_BYTES,
  decodePathSegment,
  encodePathSegment,
  safePath,
} from './safe-path.js';

// Configuration
export {
  byteSize,
  durationMs,
  parseByteSize,
  parseDurationMs,
  parseOptions,
  powerOfTwo,
} from './config.js';

// Errors
export { ErrorCode } from './errors/codes.js';
export { AnnalError } from './errors/annal-error.js';
export type { AnnalErrorDetails } from './errors/annal-error.js';
export { fromErrno } from './errors/from-errno.js';
export type { ErrnoContext } from './errors/from-errno.js';
export { AbortedError } from './errors/aborted-error.js';
export { AlreadyExistsError } from './errors/already-exists-error.js';
export { ClosedError } from './errors/closed-error.js';
export { CorruptError } from './errors/corrupt-error.js';
export { FullError } from './errors/full-error.js';
export { InvalidArgumentError } from './errors/invalid-argument-error.js';
export { InvalidOptionError } from './errors/invalid-option-error.js';
export { IoError } from './errors/io-error.js';
export { LockedError } from './errors/locked-error.js';
export { NativeLoadError } from './errors/native-load-error.js';
export { NotFoundError } from './errors/not-found-error.js';
export { PermissionError } from './errors/permission-error.js';
export { ReadOnlyError } from './errors/read-only-error.js';
export { TimeoutError } from './errors/timeout-error.js';
export { TooLargeError } from './errors/too-large-error.js';
export { UnsafePathError } from './errors/unsafe-path-error.js';
export { UnsupportedError } from './errors/unsupported-error.js';
