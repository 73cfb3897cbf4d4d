/**
 * `@annal/native`: the syscalls annal is built on, with a small typed layer — memory-mapped files
 * handed to JavaScript as ArrayBuffers, msync/fsync/fdatasync, posix_fallocate, vectored I/O,
 * OFD file locks, futex wait/wake on mapped memory, membarrier fences and CRC32C — plus the
 * errors every annal package throws (`AnnalError` with a stable `code`) and the sync scheduler
 * that groups syncs.
 *
 * Calling convention (as Node's `fs`): a call that may wait (for the disk, a lock held elsewhere
 * or another thread) returns a Promise and has no suffix; its blocking twin ends in `Sync`. A
 * call that never waits has neither.
 *
 * It knows nothing of records, indices or topics. The helpers that only the other annal packages
 * use live in `@annal/native/internal` (not public API).
 *
 * @packageDocumentation
 */

// Files and mappings
export { NativeFile, fsyncDirectorySync } from './native-file.js';
export type { OpenFileOptions } from './native-file.js';
export { MappedFile } from './mapped-file.js';
export type {
  CreateMappedFileOptions,
  MappedBuffer,
  MappingAdvice,
  OpenMappedFileOptions,
} from './mapped-file-options.js';
export { pageSize } from './system.js';

// Locks and waiting
export { FileLock } from './file-lock.js';
export type { AcquireFileLockOptions, FileLockOptions, LockRange } from './file-lock.js';
export { futexWait, futexWaitSync, futexWake } from './futex.js';
export type { FutexWaitOptions, FutexWaitResult, FutexWaitSyncOptions } from './futex.js';
export { membarrier, membarrierRegister } from './fence.js';

// Checksums
export { crc32c, hasHardwareCrc32c } from './crc32c.js';

// Durability
export { SyncScheduler } from './sync-scheduler.js';
export type { SyncPolicy, SyncSchedulerOptions } from './sync-scheduler.js';

// Errors
export { ErrorCode } from './errors/codes.js';
export { AnnalError } from './errors/annal-error.js';
export type { AnnalErrorDetails } from './errors/annal-error.js';
export { AbortedError } from './errors/aborted-error.js';
export { AlreadyExistsError } from './errors/already-exists-error.js';
export { ClosedError } from './errors/closed-error.js';
export { CorruptError } from './errors/corrupt-error.js';
export type { CorruptErrorDetails } from './errors/corrupt-error.js';
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
export { BackPressuredError } from './errors/back-pressured-error.js';
export { WorkerFailedError } from './errors/worker-failed-error.js';
export { BridgeConnectError } from './errors/bridge-connect-error.js';
export { BridgeAuthError } from './errors/bridge-auth-error.js';
export { BridgeNoStreamError } from './errors/bridge-no-stream-error.js';
export { BridgeSubjectError } from './errors/bridge-subject-error.js';
export { BridgeConflictError } from './errors/bridge-conflict-error.js';
export { BridgeRejectedError } from './errors/bridge-rejected-error.js';

// What a store's verify() reports.
export { DEFAULT_MAX_PROBLEMS } from './verify-report.js';
export type { VerifyOptions, VerifyProblem, VerifyReport } from './verify-report.js';
