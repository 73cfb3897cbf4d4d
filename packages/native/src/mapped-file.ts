/**
 * {@link MappedFile}: a file mapped MAP_SHARED into memory and handed to JavaScript as an
 * ArrayBuffer (or a SharedArrayBuffer), so records are written and read with plain typed-array
 * access and no syscall per record.
 *
 * A little over 400 lines on purpose: one class, most of it the lifetime, threading and
 * durability notes and the `@throws` of each call; its options and their schemas
 * live in mapped-file-options.ts.
 *
 * @module
 */
import type { NativeBinding } from './binding.js';
import {
  checkAligned,
  checkNonNegativeInteger,
  checkPath,
  checkPositiveInteger,
  checkRange,
} from './check.js';
import { ClosedError } from './errors/closed-error.js';
import { fromErrno } from './errors/from-errno.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { InvalidOptionError } from './errors/invalid-option-error.js';
import { ReadOnlyError } from './errors/read-only-error.js';
import { parseOptions } from './config.js';
import { getBinding } from './native.js';
import {
  ADVICE_CONSTANT,
  createOptionsSchema,
  openOptionsSchema,
  type CreateMappedFileOptions,
  type MappedBuffer,
  type MappingAdvice,
  type OpenMappedFileOptions,
} from './mapped-file-options.js';
import { NativeFile } from './native-file.js';

/**
 * A whole file mapped MAP_SHARED. Every process and thread that maps the same file sees the same
 * bytes (and `read(2)`/`write(2)` on the file are coherent with the mapping).
 *
 * Threading: the object belongs to the thread that created it. Other threads map the file
 * themselves (cheap), or receive {@link MappedFile.buffer} by `postMessage` when it is a
 * SharedArrayBuffer.
 *
 * Durability: a store into the mapping survives a crash of the process as soon as it is made
 * (the page cache holds it); it survives an OS crash or power loss only after {@link msync} or
 * {@link msyncSync} returns for its range.
 *
 * Lifetime: {@link close} unmaps. ArrayBuffers are detached, so a stale view reads as empty and
 * throws on `Atomics` or `DataView` access instead of touching freed memory; a SharedArrayBuffer
 * cannot be detached, so its pages are swapped for anonymous zero pages (stale views read zeros).
 * Never truncate a file while it is mapped: touching a page past the end of the file is a bus
 * error that kills the process. Transferring {@link MappedFile.buffer} to a worker (postMessage
 * with a transfer list) moves the mapping there: this object can no longer use or unmap it, and
 * the memory is released when the receiver's buffer is collected.
 *
 * @example
 * ```ts
 * using file = MappedFile.create('/tmp/records.bin', { lengthBytes: 1 << 20 });
 * const bytes = new Uint8Array(file.buffer);
 * bytes.set(payload, 64);
 * await file.msync(0, 4096);
 * ```
 */
export class MappedFile implements Disposable {
  readonly #binding: NativeBinding;
  readonly #file: NativeFile;
  /** Mappings replaced by {@link grow}/{@link remap}: kept alive for old views, unmapped at close. */
  readonly #retired: MappedBuffer[] = [];
  #buffer: MappedBuffer | undefined;
  /** The file's path. */
  readonly path: string;
  /** True when mapped PROT_READ. */
  readonly readOnly: boolean;
  /** True when {@link buffer} is a SharedArrayBuffer. */
  readonly shared: boolean;
  /** Where in the file the mapping starts (0 unless opened with `offsetBytes`). */
  readonly offsetBytes: number;
  /** True when opened with an explicit `lengthBytes`: {@link remap} keeps the window as it is. */
  readonly #fixedWindow: boolean;

  private constructor(
    binding: NativeBinding,
    file: NativeFile,
    buffer: MappedBuffer,
    shared: boolean,
    offsetBytes: number,
    fixedWindow: boolean,
  ) {
    this.#fixedWindow = fixedWindow;
    this.#binding = binding;
    this.#file = file;
    this.#buffer = buffer;
    this.offsetBytes = offsetBytes;
    this.path = file.path;
    this.readOnly = file.readOnly;
    this.shared = shared;
  }

  /**
   * Creates the file if needed, reserves `lengthBytes` on disk with posix_fallocate (never a
   * sparse hole, so a full disk fails here and never as a bus error later) and maps it.
   *
   * @throws ERR_ANNAL_FULL / ERR_ANNAL_TOO_LARGE when the space cannot be reserved (the file
   *   keeps its previous content), ERR_ANNAL_ALREADY_EXISTS with `exclusive`, the errors of
   *   {@link NativeFile.open} for the path, ERR_ANNAL_INVALID_OPTION for missing or bad options
   * @example
   * ```ts
   * const file = MappedFile.create('./records.bin', { lengthBytes: 1 << 20 });
   * new Uint8Array(file.buffer).set([1, 2, 3], 0); // plain stores into the page cache
   * await file.msync(0, 3); // durable
   * file.close();
   * ```
   */
  static create(path: string, options: CreateMappedFileOptions): MappedFile {
    checkPath(path, 'path');
    if (options === undefined || options === null) {
      throw new InvalidOptionError(
        'MappedFile.create: options must be an object with lengthBytes',
        {
          field: 'options',
        },
      );
    }
    const { lengthBytes, exclusive, mode, shared, prefault } = parseOptions(
      createOptionsSchema,
      options,
      'MappedFile.create',
    );
    const file = NativeFile.open(path, { create: true, exclusive, mode });
    try {
      if (file.lengthBytes() < lengthBytes) file.allocate(0, lengthBytes);
      return MappedFile.#map(file, shared, prefault, 0, undefined);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /**
   * Maps an existing file, whole or from `offsetBytes` for `lengthBytes`.
   *
   * @throws the errors of {@link NativeFile.open} for the path (ERR_ANNAL_NOT_FOUND,
   *   ERR_ANNAL_PERMISSION, …); ERR_ANNAL_INVALID_ARGUMENT for an empty file, an offset that is
   *   not page-aligned, or a range past the end of the file; ERR_ANNAL_UNSUPPORTED for something
   *   that cannot be mapped (a directory); ERR_ANNAL_INVALID_OPTION for a bad or unknown option
   */
  static open(path: string, options: OpenMappedFileOptions = {}): MappedFile {
    checkPath(path, 'path');
    const { readOnly, shared, prefault, offsetBytes, lengthBytes, closeDescriptor } = parseOptions(
      openOptionsSchema,
      options,
      'MappedFile.open',
    );
    checkAligned(offsetBytes, getBinding().pageSize, 'offsetBytes');
    const file = NativeFile.open(path, { readOnly });
    let mapped: MappedFile;
    try {
      mapped = MappedFile.#map(file, shared, prefault, offsetBytes, lengthBytes);
    } catch (error) {
      file.close();
      throw error;
    }
    if (closeDescriptor) file.close();
    return mapped;
  }

  static #map(
    file: NativeFile,
    shared: boolean,
    prefault: boolean,
    offsetBytes: number,
    requestedLengthBytes: number | undefined,
  ): MappedFile {
    const binding = getBinding();
    const fileLengthBytes = file.lengthBytes();
    if (fileLengthBytes === 0) {
      throw new InvalidArgumentError(`${file.path} is empty; an empty file cannot be mapped`, {
        path: file.path,
        field: 'path',
      });
    }
    const lengthBytes = requestedLengthBytes ?? fileLengthBytes - offsetBytes;
    if (lengthBytes <= 0 || offsetBytes + lengthBytes > fileLengthBytes) {
      throw new InvalidArgumentError(
        `offsetBytes + lengthBytes must lie inside ${file.path}: offsetBytes=${offsetBytes}, lengthBytes=${lengthBytes}, file length=${fileLengthBytes}`,
        { path: file.path, field: offsetBytes >= fileLengthBytes ? 'offsetBytes' : 'lengthBytes' },
      );
    }
    const buffer = mapRange(binding, file, offsetBytes, lengthBytes, shared, prefault);
    return new MappedFile(
      binding,
      file,
      buffer,
      shared,
      offsetBytes,
      requestedLengthBytes !== undefined,
    );
  }

  /**
   * The mapped memory. Replaced by {@link grow} and {@link remap}: take it again after either.
   * @throws ERR_ANNAL_CLOSED after close
   */
  get buffer(): MappedBuffer {
    if (this.#buffer === undefined)
      throw new ClosedError(`${this.path} is closed`, { path: this.path });
    return this.#buffer;
  }

  /** Bytes mapped (the file's length when it was last mapped). */
  get lengthBytes(): number {
    return this.buffer.byteLength;
  }

  /** The underlying open file (for fdatasync, preadv and friends). */
  get file(): NativeFile {
    if (this.closed) throw new ClosedError(`${this.path} is closed`, { path: this.path });
    if (this.#file.closed) {
      throw new ClosedError(
        `${this.path} was mapped with closeDescriptor: true, so it has no open file`,
        { path: this.path },
      );
    }
    return this.#file;
  }

  /** True once {@link close} ran. */
  get closed(): boolean {
    return this.#buffer === undefined;
  }

  /**
   * Reserves more disk and maps the file at its new length. The previous buffer stays valid
   * (same pages) until {@link close}, so existing views keep working, but new code should take
   * {@link buffer} again.
   *
   * @throws ERR_ANNAL_FULL, ERR_ANNAL_TOO_LARGE (nothing changes), ERR_ANNAL_READ_ONLY
   */
  grow(lengthBytes: number): void {
    checkPositiveInteger(lengthBytes, 'lengthBytes');
    const current = this.lengthBytes;
    if (this.readOnly)
      throw new ReadOnlyError(`grow on ${this.path}: mapped read-only`, { path: this.path });
    if (lengthBytes < current) {
      throw new InvalidArgumentError(
        `lengthBytes must not be less than the mapped length: lengthBytes=${lengthBytes}, mapped=${current}`,
        { field: 'lengthBytes' },
      );
    }
    if (lengthBytes === current) return;
    this.file.allocate(this.offsetBytes + current, lengthBytes - current);
    this.#replace(lengthBytes);
  }

  /**
   * Maps the file again at its current length, for when another process has grown it. A window
   * opened with an explicit `lengthBytes` is left as it is.
   * @returns true when the mapping changed
   * @throws ERR_ANNAL_CLOSED (also for a mapping opened with `closeDescriptor`),
   *   ERR_ANNAL_INVALID_ARGUMENT when the file shrank (annal files never shrink)
   */
  remap(): boolean {
    // A window opened with an explicit length stays that window: growth of the file is not its business.
    if (this.#fixedWindow) return false;
    const lengthBytes = this.file.lengthBytes() - this.offsetBytes;
    if (lengthBytes === this.lengthBytes) return false;
    if (lengthBytes < this.lengthBytes) {
      throw new InvalidArgumentError(
        `${this.path} shrank from ${this.lengthBytes} to ${lengthBytes} bytes while mapped; annal files never shrink`,
        { path: this.path },
      );
    }
    this.#replace(lengthBytes);
    return true;
  }

  #replace(lengthBytes: number): void {
    const next = mapRange(
      this.#binding,
      this.#file,
      this.offsetBytes,
      lengthBytes,
      this.shared,
      false,
    );
    this.#retired.push(this.buffer);
    this.#buffer = next;
  }

  /**
   * msync(MS_SYNC) of [offset, offset + length) on the calling thread: when it returns, those
   * bytes survive power loss. Blocks the thread for the write-back (about 0.1–1 ms per dirty MiB
   * on an SSD); on an event loop prefer {@link MappedFile.msync}.
   *
   * @param offset - first byte, from the start of the mapping; default 0
   * @param length - bytes; default to the end of the mapping
   * @throws ERR_ANNAL_INVALID_ARGUMENT for a range outside the mapping, ERR_ANNAL_CLOSED after
   *   close, ERR_ANNAL_IO when the write-back fails
   */
  msyncSync(offset = 0, length?: number): void {
    const end = this.#checkRange(offset, length);
    this.#call(() => this.#binding.msync(this.buffer, offset, end - offset, false), offset);
  }

  /**
   * msync(MS_ASYNC): starts write-back of the range and returns at once. It never waits and
   * promises no durability; use it to spread write-back out before a later {@link msync}.
   *
   * @throws as {@link MappedFile.msyncSync}
   */
  msyncStart(offset = 0, length?: number): void {
    const end = this.#checkRange(offset, length);
    this.#call(() => this.#binding.msync(this.buffer, offset, end - offset, true), offset);
  }

  /**
   * msync(MS_SYNC) in the libuv thread pool; resolves when the range survives power loss.
   *
   * @throws (rejects) as {@link MappedFile.msyncSync}
   */
  async msync(offset = 0, length?: number): Promise<void> {
    const end = this.#checkRange(offset, length);
    try {
      await this.#binding.msyncAsync(this.buffer, offset, end - offset);
    } catch (error) {
      throw fromErrno(error, { path: this.path, offset });
    }
  }

  /**
   * Faults in every page of the range off the JS thread, so the writer that reaches them later
   * does not pay for a page fault per fresh page. Safe while other threads write the same pages.
   *
   * @throws (rejects) ERR_ANNAL_INVALID_ARGUMENT for a range outside the mapping,
   *   ERR_ANNAL_CLOSED after close
   */
  async prefault(offset = 0, length?: number): Promise<void> {
    const end = this.#checkRange(offset, length);
    try {
      await this.#binding.prefaultAsync(this.buffer, offset, end - offset);
    } catch (error) {
      throw fromErrno(error, { path: this.path, offset });
    }
  }

  /**
   * madvise(2) over the range: tells the kernel how the pages will be used.
   * @throws ERR_ANNAL_INVALID_ARGUMENT for an unknown `advice` or a range outside the mapping,
   *   ERR_ANNAL_CLOSED after close
   */
  advise(advice: MappingAdvice, offset = 0, length?: number): void {
    const constant = Object.hasOwn(ADVICE_CONSTANT, advice as PropertyKey)
      ? ADVICE_CONSTANT[advice]
      : undefined;
    if (constant === undefined) {
      throw new InvalidArgumentError(
        `advice must be one of ${Object.keys(ADVICE_CONSTANT).join(', ')}: advice=${JSON.stringify(advice)}`,
        {
          field: 'advice',
        },
      );
    }
    const end = this.#checkRange(offset, length);
    this.#call(
      () =>
        this.#binding.madvise(this.buffer, offset, end - offset, this.#binding.constants[constant]),
      offset,
    );
  }

  /**
   * Unmaps every mapping of this file and closes it. Idempotent; afterwards every method throws
   * ERR_ANNAL_CLOSED and stale views cannot reach the freed memory (see the class docs).
   *
   * An asynchronous operation in flight on a mapping ({@link prefault}, {@link msync}, or a
   * `futexWait` on a view over it) keeps that mapping's address range: one the thread pool had
   * not started yet rejects with ERR_ANNAL_CLOSED, one already running finishes (a prefault
   * faults its pages in, an msync writes them back), and the range is released only when that
   * operation completes and its promise settles on the event loop. Until then the pages still
   * count against the process's memory and `vm.max_map_count`.
   */
  close(): void {
    const buffer = this.#buffer;
    if (buffer === undefined) return;
    this.#buffer = undefined;
    try {
      for (const retired of this.#retired.splice(0)) this.#binding.unmap(retired);
      this.#binding.unmap(buffer);
    } finally {
      this.#file.close();
    }
  }

  /** Same as {@link MappedFile.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Checks [offset, offset + length) against the mapping (length defaults to the rest of it) and
   * returns its end. Throws ERR_ANNAL_CLOSED first when closed.
   */
  #checkRange(offset: number, length: number | undefined): number {
    const mapped = this.lengthBytes;
    checkNonNegativeInteger(offset, 'offset');
    if (length !== undefined) {
      checkRange(offset, length, mapped, 'mapping');
      return offset + length;
    }
    checkRange(offset, 0, mapped, 'mapping');
    return mapped;
  }

  #call<T>(operation: () => T, offset: number): T {
    try {
      return operation();
    } catch (error) {
      throw fromErrno(error, { path: this.path, offset });
    }
  }
}

function mapRange(
  binding: NativeBinding,
  file: NativeFile,
  offsetBytes: number,
  lengthBytes: number,
  shared: boolean,
  prefault: boolean,
): MappedBuffer {
  try {
    return binding.map(file.fd, offsetBytes, lengthBytes, !file.readOnly, shared, prefault);
  } catch (error) {
    throw fromErrno(error, { path: file.path });
  }
}
