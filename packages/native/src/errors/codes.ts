/**
 * Every stable error code annal throws, with what it means. The code is the contract: messages
 * may improve between releases, codes never change meaning. `docs/errors.md` lists causes and fixes.
 *
 * @module
 */

/** Every error code, keyed by a short name. */
export const ErrorCode = {
  /** An argument has the wrong type, range or alignment; the message names it. */
  INVALID_ARGUMENT: 'ERR_ANNAL_INVALID_ARGUMENT',
  /** An options object failed validation; the message names the option. */
  INVALID_OPTION: 'ERR_ANNAL_INVALID_OPTION',
  /** A file or directory does not exist (ENOENT). */
  NOT_FOUND: 'ERR_ANNAL_NOT_FOUND',
  /** A file that must be new already exists (EEXIST). */
  ALREADY_EXISTS: 'ERR_ANNAL_ALREADY_EXISTS',
  /** The disk or quota is full (ENOSPC, EDQUOT); nothing already written was lost. */
  FULL: 'ERR_ANNAL_FULL',
  /** A file would exceed the largest size allowed (EFBIG, RLIMIT_FSIZE). */
  TOO_LARGE: 'ERR_ANNAL_TOO_LARGE',
  /** A write was attempted through something opened read-only (or EROFS). */
  READ_ONLY: 'ERR_ANNAL_READ_ONLY',
  /** The operating system refused access (EACCES, EPERM). */
  PERMISSION: 'ERR_ANNAL_PERMISSION',
  /** The object was closed; nothing more can be done with it. */
  CLOSED: 'ERR_ANNAL_CLOSED',
  /** Another holder has the lock (EAGAIN on a lock, or a lock wait that gave up). */
  LOCKED: 'ERR_ANNAL_LOCKED',
  /** A wait ran out of time. */
  TIMEOUT: 'ERR_ANNAL_TIMEOUT',
  /** A wait was aborted through its AbortSignal. */
  ABORTED: 'ERR_ANNAL_ABORTED',
  /** The device or kernel reported an I/O failure (EIO and other unexpected errno values). */
  IO: 'ERR_ANNAL_IO',
  /** Stored data failed validation (bad magic, checksum, structure); never returned as data. */
  CORRUPT: 'ERR_ANNAL_CORRUPT',
  /** The native addon could not be loaded; the message lists the paths tried. */
  NATIVE_LOAD: 'ERR_ANNAL_NATIVE_LOAD',
  /** A user-supplied name would resolve outside its directory. */
  UNSAFE_PATH: 'ERR_ANNAL_UNSAFE_PATH',
  /** The platform or runtime lacks something needed (ENOSYS, external buffers forbidden). */
  UNSUPPORTED: 'ERR_ANNAL_UNSUPPORTED',
  /** A hand-off ring was full and the policy was to fail rather than drop or wait. */
  BACK_PRESSURED: 'ERR_ANNAL_BACK_PRESSURED',
  /** A worker thread that did the work died; `cause` is its error. */
  WORKER_FAILED: 'ERR_ANNAL_WORKER_FAILED',
  /** A bridge could not reach its server (refused, unresolvable, timed out). */
  BRIDGE_CONNECT: 'ERR_ANNAL_BRIDGE_CONNECT',
  /** A bridge's server refused its credentials, or a subject or stream it needs. */
  BRIDGE_AUTH: 'ERR_ANNAL_BRIDGE_AUTH',
  /** The stream (or consumer) a bridge was given does not exist on its server. */
  BRIDGE_NO_STREAM: 'ERR_ANNAL_BRIDGE_NO_STREAM',
  /** A bridge's subject is not one its stream stores. */
  BRIDGE_SUBJECT: 'ERR_ANNAL_BRIDGE_SUBJECT',
  /** A bridge found the stream and the local log disagreeing on what was shipped; it stops rather than lose or repeat records. */
  BRIDGE_CONFLICT: 'ERR_ANNAL_BRIDGE_CONFLICT',
  /** The server rejected a message for a reason a retry cannot fix (too large, stream full). */
  BRIDGE_REJECTED: 'ERR_ANNAL_BRIDGE_REJECTED',
} as const;

/** One of the stable `ERR_ANNAL_*` codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
