import { AlreadyExistsError } from './already-exists-error.js';
import { AnnalError, type AnnalErrorDetails } from './annal-error.js';
import { ClosedError } from './closed-error.js';
import { FullError } from './full-error.js';
import { InvalidArgumentError } from './invalid-argument-error.js';
import { IoError } from './io-error.js';
import { LockedError } from './locked-error.js';
import { NotFoundError } from './not-found-error.js';
import { PermissionError } from './permission-error.js';
import { ReadOnlyError } from './read-only-error.js';
import { TimeoutError } from './timeout-error.js';
import { TooLargeError } from './too-large-error.js';
import { UnsupportedError } from './unsupported-error.js';

/** What the caller knows about the failed operation, to name in the error. */
export interface ErrnoContext {
  /** The file the syscall was about. */
  readonly path?: string;
  /** The argument to blame for EBADF/EINVAL (e.g. `'fd'`). */
  readonly field?: string;
  /** Byte offset involved, if any. */
  readonly offset?: number;
}

type AnnalErrorClass = new (message: string, details?: AnnalErrorDetails) => AnnalError;

/** errno name → the error class users catch. Anything missing becomes an {@link IoError}. */
const CLASS_BY_ERRNO_CODE: Readonly<Record<string, AnnalErrorClass>> = {
  ENOSPC: FullError,
  EDQUOT: FullError,
  EFBIG: TooLargeError,
  ENOENT: NotFoundError,
  EEXIST: AlreadyExistsError,
  EACCES: PermissionError,
  EPERM: PermissionError,
  EROFS: ReadOnlyError,
  EAGAIN: LockedError,
  EWOULDBLOCK: LockedError,
  ETIMEDOUT: TimeoutError,
  ENOSYS: UnsupportedError,
  EOPNOTSUPP: UnsupportedError,
  ENOTSUP: UnsupportedError,
  EBADF: InvalidArgumentError,
  EINVAL: InvalidArgumentError,
  EISDIR: InvalidArgumentError,
  ENOTDIR: InvalidArgumentError,
  ENAMETOOLONG: InvalidArgumentError,
  ELOOP: InvalidArgumentError,
  // mmap of something that cannot be mapped (a directory, a pipe, a file system without mmap).
  ENODEV: UnsupportedError,
  ERR_ANNAL_CLOSED: ClosedError,
  // The addon's own argument checks (a backstop behind the TS checks) use Node's codes.
  ERR_INVALID_ARG_TYPE: InvalidArgumentError,
  ERR_INVALID_ARG_VALUE: InvalidArgumentError,
  ERR_OUT_OF_RANGE: InvalidArgumentError,
  ERR_ANNAL_EXTERNAL_BUFFERS_FORBIDDEN: UnsupportedError,
};

/** Syscalls whose EAGAIN means "someone else holds the lock"; elsewhere EAGAIN is a resource shortage. */
const LOCK_SYSCALLS: ReadonlySet<string> = new Set(['fcntl', 'flock']);

/** The shape of an error thrown by the addon (and of Node's own fs errors). */
interface SystemErrorShape {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly syscall?: unknown;
}

/**
 * Turns an error thrown by the addon or by `node:fs` into the matching {@link AnnalError}
 * (ENOSPC → {@link FullError}, EFBIG → {@link TooLargeError}, …). An error that already is an
 * AnnalError is returned unchanged; anything unrecognised becomes an {@link IoError} with the
 * original as `cause`.
 *
 * @param error - what was thrown
 * @param context - the path, field and offset to name in the message
 * @returns an AnnalError to throw
 */
export function fromErrno(error: unknown, context: ErrnoContext = {}): AnnalError {
  if (AnnalError.isInstance(error)) return error;
  const shape: SystemErrorShape = typeof error === 'object' && error !== null ? error : {};
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const syscall = typeof shape.syscall === 'string' ? shape.syscall : undefined;
  const errno = typeof shape.errno === 'number' ? Math.abs(shape.errno) : undefined;
  const isLockBusy =
    (code === 'EAGAIN' || code === 'EWOULDBLOCK') && LOCK_SYSCALLS.has(syscall ?? '');
  const mapped = code === undefined ? undefined : CLASS_BY_ERRNO_CODE[code];
  const ErrorClass = mapped === LockedError && !isLockBusy ? IoError : (mapped ?? IoError);
  const what = syscall ?? 'operation';
  const where = context.path === undefined ? '' : ` on ${context.path}`;
  const at = context.offset === undefined ? '' : ` at offset ${context.offset}`;
  const blame = context.field === undefined ? '' : ` (argument ${context.field})`;
  const reason = typeof shape.message === 'string' ? shape.message : String(error);
  return new ErrorClass(`${what} failed${where}${at}${blame}: ${reason}`, {
    cause: error,
    ...(context.path === undefined ? {} : { path: context.path }),
    ...(context.offset === undefined ? {} : { offset: context.offset }),
    ...(context.field === undefined ? {} : { field: context.field }),
    ...(errno === undefined ? {} : { errno }),
    ...(syscall === undefined ? {} : { syscall }),
  });
}
