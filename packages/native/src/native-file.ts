/**
 * {@link NativeFile}: one open file descriptor and the syscalls annal needs on it.
 *
 * @module
 */
import { z } from 'zod';
import type { NativeBinding } from './binding.js';
import { checkNonNegativeInteger, checkPath, checkPositiveInteger } from './check.js';
import { parseOptions } from './config.js';
import { ClosedError } from './errors/closed-error.js';
import { fromErrno } from './errors/from-errno.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { ReadOnlyError } from './errors/read-only-error.js';
import { getBinding } from './native.js';

/** How {@link NativeFile.open} opens a file. */
export interface OpenFileOptions {
  /** Create the file if it does not exist. Default `false`. */
  readonly create?: boolean;
  /** With `create`: fail with ERR_ANNAL_ALREADY_EXISTS if it exists (O_EXCL). Default `false`. */
  readonly exclusive?: boolean;
  /** Truncate to 0 bytes on open (O_TRUNC). Default `false`. */
  readonly truncate?: boolean;
  /** Open for reading only; writes then fail with ERR_ANNAL_READ_ONLY. Default `false`. */
  readonly readOnly?: boolean;
  /** Permission bits for a created file, before the umask. Default `0o644`. */
  readonly mode?: number;
}

/**
 * Permission bits of a file this package creates, before the umask.
 * @internal
 */
export const fileModeSchema = z
  .number()
  .int()
  .min(0)
  .max(0o7777, { message: 'must be permission bits (at most 0o7777)' });

const openFileOptionsSchema = z.strictObject({
  create: z.boolean().default(false),
  exclusive: z.boolean().default(false),
  truncate: z.boolean().default(false),
  readOnly: z.boolean().default(false),
  mode: fileModeSchema.default(0o644),
});

/**
 * An open file descriptor with the syscalls annal builds on: preallocation, truncation, fsync,
 * fdatasync and vectored I/O.
 *
 * Threading: use one NativeFile from one thread; the asynchronous methods run their syscall in
 * the libuv thread pool and may overlap each other. Durability: writes through it are in the
 * page cache when the call returns (they survive a process crash); they survive power loss only
 * after {@link NativeFile.fdatasync} / {@link NativeFile.fsync} (or their `Sync` twins) return.
 */
export class NativeFile implements Disposable {
  readonly #binding: NativeBinding;
  #fd: number;
  /** The path the file was opened with. */
  readonly path: string;
  /** True when opened without write access. */
  readonly readOnly: boolean;

  private constructor(binding: NativeBinding, fd: number, path: string, readOnly: boolean) {
    this.#binding = binding;
    this.#fd = fd;
    this.path = path;
    this.readOnly = readOnly;
  }

  /**
   * Opens (or creates) a file.
   *
   * @param path - the file
   * @param options - see {@link OpenFileOptions}
   * @throws ERR_ANNAL_NOT_FOUND (the path or a directory on it is missing),
   *   ERR_ANNAL_ALREADY_EXISTS (`exclusive`), ERR_ANNAL_PERMISSION (EACCES, EPERM),
   *   ERR_ANNAL_READ_ONLY (a read-only file system), ERR_ANNAL_INVALID_ARGUMENT (a bad path, a
   *   directory, a name too long), ERR_ANNAL_INVALID_OPTION (a bad or unknown option); every one
   *   names the path
   * @example
   * ```ts
   * using file = NativeFile.open('/tmp/data.bin', { create: true });
   * file.allocate(0, 1 << 20);
   * ```
   */
  static open(path: string, options: OpenFileOptions = {}): NativeFile {
    checkPath(path, 'path');
    const { create, exclusive, truncate, readOnly, mode } = parseOptions(
      openFileOptionsSchema,
      options,
      'NativeFile.open',
    );
    const binding = getBinding();
    const { constants } = binding;
    let flags = readOnly ? constants.O_RDONLY : constants.O_RDWR;
    if (create) flags |= constants.O_CREAT;
    if (exclusive) flags |= constants.O_EXCL;
    if (truncate) flags |= constants.O_TRUNC;
    try {
      return new NativeFile(binding, binding.open(path, flags, mode), path, readOnly);
    } catch (error) {
      throw fromErrno(error, { path, field: 'path' });
    }
  }

  /** The file descriptor. @throws ERR_ANNAL_CLOSED after close */
  get fd(): number {
    if (this.#fd < 0) throw new ClosedError(`${this.path} is closed`, { path: this.path });
    return this.#fd;
  }

  /** True once {@link NativeFile.close} ran. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /**
   * The file's length in bytes (fstat).
   * @throws ERR_ANNAL_CLOSED after close
   */
  lengthBytes(): number {
    return this.#call(() => this.#binding.fileLength(this.fd));
  }

  /**
   * Reserves disk blocks for [offset, offset + length) with posix_fallocate, growing the file if
   * needed. After it returns, writes into that range cannot fail for lack of space, so a mapping
   * over it can never SIGBUS on a full disk.
   *
   * @throws ERR_ANNAL_FULL when the disk is full, ERR_ANNAL_TOO_LARGE past the file size limit;
   *   in both cases the file's existing content is untouched
   */
  allocate(offset: number, length: number): void {
    checkNonNegativeInteger(offset, 'offset');
    checkPositiveInteger(length, 'length');
    checkEnd(offset, length);
    this.#checkWritable('allocate');
    this.#call(() => this.#binding.fallocate(this.fd, offset, length), offset);
  }

  /**
   * Sets the file's length (ftruncate). Growing this way leaves a sparse hole: prefer
   * {@link allocate}.
   *
   * @throws ERR_ANNAL_INVALID_ARGUMENT for a length that is not a safe integer ≥ 0,
   *   ERR_ANNAL_READ_ONLY, ERR_ANNAL_CLOSED, ERR_ANNAL_TOO_LARGE
   */
  truncate(lengthBytes: number): void {
    checkNonNegativeInteger(lengthBytes, 'lengthBytes');
    this.#checkWritable('truncate');
    this.#call(() => this.#binding.ftruncate(this.fd, lengthBytes));
  }

  /**
   * fsync(2) on the calling thread: data and metadata reach the device. Blocks the thread until
   * the device confirms (about 0.1–2 ms on an SSD, far longer on a busy disk); on an event loop
   * prefer {@link NativeFile.fsync}.
   *
   * @throws ERR_ANNAL_CLOSED after close, ERR_ANNAL_IO when the device reports a failure (what was
   *   written since the last successful sync may not be durable)
   */
  fsyncSync(): void {
    this.#call(() => this.#binding.fsync(this.fd));
  }

  /**
   * fdatasync(2) on the calling thread: data (and the length, if it changed) reach the device,
   * other metadata (timestamps) may not. Blocks like {@link NativeFile.fsyncSync}.
   *
   * @throws ERR_ANNAL_CLOSED after close, ERR_ANNAL_IO as {@link NativeFile.fsyncSync}
   */
  fdatasyncSync(): void {
    this.#call(() => this.#binding.fdatasync(this.fd));
  }

  /**
   * fsync(2) in the libuv thread pool; the JS thread keeps running. Resolves when data and
   * metadata survive power loss.
   *
   * @throws (rejects) ERR_ANNAL_CLOSED after close, ERR_ANNAL_IO as {@link NativeFile.fsyncSync}
   */
  fsync(): Promise<void> {
    return this.#syncInPool(false);
  }

  /**
   * fdatasync(2) in the libuv thread pool; the JS thread keeps running. Resolves when the data
   * survives power loss.
   *
   * @throws (rejects) ERR_ANNAL_CLOSED after close, ERR_ANNAL_IO as {@link NativeFile.fsyncSync}
   */
  fdatasync(): Promise<void> {
    return this.#syncInPool(true);
  }

  async #syncInPool(dataOnly: boolean): Promise<void> {
    try {
      await this.#binding.syncAsync(this.fd, dataOnly);
    } catch (error) {
      throw fromErrno(error, { path: this.path });
    }
  }

  /**
   * preadv(2): fills `buffers` in order from file `position`, on the calling thread.
   * @returns bytes read; fewer than requested only at end of file
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `buffers` is not an array of views or `position` not
   *   a safe integer ≥ 0 (or the end passes 2^53), ERR_ANNAL_CLOSED, ERR_ANNAL_IO
   */
  readvSync(buffers: readonly ArrayBufferView[], position: number): number {
    checkNonNegativeInteger(position, 'position');
    const views = checkViews(buffers, position);
    return this.#call(() => this.#binding.preadv(this.fd, views, position), position);
  }

  /**
   * pwritev(2): writes `buffers` in order at file `position` (short writes are completed), on
   * the calling thread. The bytes are in the page cache when it returns: durable only after
   * {@link NativeFile.fdatasync}.
   * @returns bytes written
   * @throws as {@link NativeFile.readvSync}, and ERR_ANNAL_READ_ONLY, ERR_ANNAL_FULL,
   *   ERR_ANNAL_TOO_LARGE
   */
  writevSync(buffers: readonly ArrayBufferView[], position: number): number {
    checkNonNegativeInteger(position, 'position');
    const views = checkViews(buffers, position);
    this.#checkWritable('writevSync');
    return this.#call(() => this.#binding.pwritev(this.fd, views, position), position);
  }

  /**
   * Closes the descriptor. Idempotent; every other method afterwards throws ERR_ANNAL_CLOSED.
   * @throws ERR_ANNAL_IO when close(2) reports an error (the descriptor is released anyway)
   */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    try {
      this.#binding.close(fd);
    } catch (error) {
      throw fromErrno(error, { path: this.path });
    }
  }

  /** Same as {@link NativeFile.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #checkWritable(operation: string): void {
    if (this.readOnly) {
      throw new ReadOnlyError(`${operation} on ${this.path}: the file was opened read-only`, {
        path: this.path,
      });
    }
  }

  #call<T>(operation: () => T, offset?: number): T {
    try {
      return operation();
    } catch (error) {
      throw fromErrno(
        error,
        offset === undefined ? { path: this.path } : { path: this.path, offset },
      );
    }
  }
}

/** Throws unless offset + length stays a safe integer (a file never reaches 2^53 bytes). */
function checkEnd(offset: number, length: number): void {
  if (offset + length > Number.MAX_SAFE_INTEGER) {
    throw new InvalidArgumentError(
      `offset + length must stay below 2^53: offset=${offset}, length=${length}`,
      { field: 'length' },
    );
  }
}

/**
 * Checks that `buffers` is an array of views whose bytes, written from `position`, stay below
 * 2^53, and returns a copy of the array (so a getter cannot swap an element after the check).
 */
function checkViews(buffers: readonly ArrayBufferView[], position: number): ArrayBufferView[] {
  if (!Array.isArray(buffers as unknown)) {
    throw new InvalidArgumentError('buffers must be an array of ArrayBufferViews', {
      field: 'buffers',
    });
  }
  const views = [...buffers];
  let end = position;
  views.forEach((buffer, i) => {
    if (!ArrayBuffer.isView(buffer)) {
      throw new InvalidArgumentError(
        `buffers[${i}] must be an ArrayBufferView (e.g. a Uint8Array)`,
        {
          field: `buffers[${i}]`,
        },
      );
    }
    end += buffer.byteLength;
  });
  if (end > Number.MAX_SAFE_INTEGER) {
    throw new InvalidArgumentError(`position + bytes must stay below 2^53: position=${position}`, {
      field: 'position',
    });
  }
  return views;
}

/**
 * fsyncs a directory, so that files created, renamed or deleted in it survive power loss. Blocks
 * the calling thread until the device confirms.
 *
 * @param path - the directory
 * @throws ERR_ANNAL_NOT_FOUND when the directory does not exist, ERR_ANNAL_INVALID_ARGUMENT when
 *   `path` is not a directory (or not a path), ERR_ANNAL_PERMISSION, ERR_ANNAL_IO
 */
export function fsyncDirectorySync(path: string): void {
  checkPath(path, 'path');
  const binding = getBinding();
  let fd: number;
  try {
    fd = binding.open(path, binding.constants.O_RDONLY | binding.constants.O_DIRECTORY, 0);
  } catch (error) {
    throw fromErrno(error, { path, field: 'path' });
  }
  try {
    binding.fsync(fd);
  } catch (error) {
    throw fromErrno(error, { path });
  } finally {
    binding.close(fd);
  }
}
