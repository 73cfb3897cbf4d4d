/**
 * The only module that loads the compiled addon. Everything else imports the typed
 * wrappers built on {@link NativeBinding}; lint forbids importing this file elsewhere in `src/`
 * except through those wrappers.
 *
 * The addon is deliberately dumb: numbers and buffers in, numbers out. It validates
 * argument types as a backstop, but the wrappers validate first and throw our coded errors.
 * On failure a native function throws a plain `Error` carrying `errno` (the positive errno
 * number), `code` (its name, e.g. `'ENOSPC'`) and `syscall`; the wrappers map it to an
 * {@link AnnalError} subclass with `fromErrno`. Views over a mapping that was unmapped (detached
 * buffers) make every call that takes them throw an Error with code `ERR_ANNAL_CLOSED`.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A byte region the addon can address: an ArrayBuffer, a SharedArrayBuffer or any view. */
export type NativeBytes = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

/** Result of {@link NativeBinding.futexWait}: the word did not hold `expected`. */
export const FUTEX_NOT_EQUAL = 1;
/** Result of {@link NativeBinding.futexWait}: woken by a wake (or spuriously). */
export const FUTEX_WOKEN = 0;
/** Result of {@link NativeBinding.futexWait}: the timeout passed first. */
export const FUTEX_TIMED_OUT = 2;
/** Result of {@link NativeBinding.futexWaitAsync}: cancelled through its handle. */
export const FUTEX_CANCELLED = 3;

/** Handle for one pending asynchronous wait (futex or lock); cancel resolves it early. */
export interface NativeWaitHandle {
  /** Settles when the wait ends: a FUTEX_* code, or for locks `true` (acquired) / `false`. */
  readonly promise: Promise<number | boolean>;
  /** Ends the wait early; its promise settles with FUTEX_CANCELLED or `false`. Idempotent. */
  cancel(): void;
}

/** Per-mapping facts reported by {@link NativeBinding.mappingInfo}. */
export interface NativeMappingInfo {
  /** Start address of the mapping as a number (for tests that compare mappings). */
  readonly address: number;
  /** Bytes mapped. */
  readonly length: number;
  /** True once {@link NativeBinding.unmap} has run for this mapping. */
  readonly unmapped: boolean;
}

/** The functions the compiled addon exports. */
export interface NativeBinding {
  /** Page size of this machine in bytes (sysconf(_SC_PAGESIZE)). */
  readonly pageSize: number;
  /** NODE_MODULE_VERSION of the Node the addon was compiled for; the loader compares it. */
  readonly nodeModuleVersion: number;
  /** True when the CPU has the SSE4.2 crc32 instruction and {@link crc32c} uses it. */
  readonly hasHardwareCrc32c: boolean;
  /** open(2) flag and other constants the wrappers pass back in. */
  readonly constants: {
    readonly O_RDONLY: number;
    readonly O_RDWR: number;
    readonly O_CREAT: number;
    readonly O_EXCL: number;
    readonly O_TRUNC: number;
    readonly O_APPEND: number;
    readonly O_DIRECTORY: number;
    readonly O_CLOEXEC: number;
    readonly MADV_NORMAL: number;
    readonly MADV_RANDOM: number;
    readonly MADV_SEQUENTIAL: number;
    readonly MADV_WILLNEED: number;
    readonly MADV_DONTNEED: number;
  };

  /** No-op, for measuring the cost of one N-API call. */
  noop(): void;

  // ---- file.cc -------------------------------------------------------------------------------
  /** open(2) with O_CLOEXEC added; returns the fd. */
  open(path: string, flags: number, mode: number): number;
  /** close(2). */
  close(fd: number): void;
  /** fstat(2) st_size in bytes. */
  fileLength(fd: number): number;
  /** posix_fallocate(3): really allocates blocks (ENOSPC/EFBIG here, never SIGBUS later). */
  fallocate(fd: number, offset: number, length: number): void;
  /** ftruncate(2). */
  ftruncate(fd: number, length: number): void;
  /** fsync(2) on the JS thread (a directory fd works too). */
  fsync(fd: number): void;
  /** fdatasync(2) on the JS thread. */
  fdatasync(fd: number): void;
  /** fsync or fdatasync in the libuv thread pool; resolves when done, rejects with the errno error. */
  syncAsync(fd: number, dataOnly: boolean): Promise<void>;
  /** preadv(2) into `buffers` from file `position`; returns bytes read (short at EOF). */
  preadv(fd: number, buffers: readonly ArrayBufferView[], position: number): number;
  /** pwritev(2) of `buffers` at file `position`; loops over short writes; returns bytes written. */
  pwritev(fd: number, buffers: readonly ArrayBufferView[], position: number): number;

  // ---- mapping.cc ----------------------------------------------------------------------------
  /**
   * mmap(2) `length` bytes of `fd` from `offset` (page-aligned), MAP_SHARED, PROT_READ or
   * PROT_READ|PROT_WRITE. Returns an ArrayBuffer (`shared` false) or a SharedArrayBuffer
   * (`shared` true) over the mapping; both are created through V8's backing-store API (so there
   * is no 4 GiB limit), after asking Node-API whether the runtime allows external buffers at all
   * (it does not in Electron: then an Error with code `ERR_ANNAL_EXTERNAL_BUFFERS_FORBIDDEN`).
   * Transferring the ArrayBuffer (postMessage with a transfer list) moves the mapping to the
   * receiver. `populate` adds MAP_POPULATE.
   */
  map(
    fd: number,
    offset: number,
    length: number,
    writable: boolean,
    shared: boolean,
    populate: boolean,
  ): ArrayBuffer | SharedArrayBuffer;
  /**
   * Releases a mapping now. An ArrayBuffer is detached (every view over it reads as length 0 and
   * throws on Atomics/DataView use) and munmapped. A SharedArrayBuffer cannot be detached, so its
   * pages are replaced by anonymous zero pages (the file is released, stale views read zeros and
   * never fault) and the address range is munmapped when the last SAB referencing it is collected.
   * Idempotent.
   */
  unmap(buffer: ArrayBuffer | SharedArrayBuffer): void;
  /** Facts about a buffer returned by {@link map}; throws a TypeError for any other buffer. */
  mappingInfo(buffer: ArrayBuffer | SharedArrayBuffer): NativeMappingInfo;
  /** msync(2) of [offset, offset+length) of a mapping; `async` selects MS_ASYNC. On the JS thread. */
  msync(
    buffer: ArrayBuffer | SharedArrayBuffer,
    offset: number,
    length: number,
    async: boolean,
  ): void;
  /** msync(MS_SYNC) in the libuv thread pool. */
  msyncAsync(
    buffer: ArrayBuffer | SharedArrayBuffer,
    offset: number,
    length: number,
  ): Promise<void>;
  /** madvise(2) over a range of a mapping. */
  madvise(
    buffer: ArrayBuffer | SharedArrayBuffer,
    offset: number,
    length: number,
    advice: number,
  ): void;
  /**
   * Faults in [offset, offset+length) of a mapping off the JS thread (MADV_POPULATE_WRITE, or a
   * read-modify-write of zero into each page where the kernel lacks it, which is safe against
   * concurrent writers). Resolves when every page is resident.
   */
  prefaultAsync(
    buffer: ArrayBuffer | SharedArrayBuffer,
    offset: number,
    length: number,
  ): Promise<void>;

  // ---- lock.cc -------------------------------------------------------------------------------
  /**
   * Tries an OFD lock (fcntl F_OFD_SETLK) on [start, start+length) of `fd` (length 0 = to EOF).
   * Returns true when taken, false when another open file description holds a conflicting lock.
   */
  tryLock(fd: number, exclusive: boolean, start: number, length: number): boolean;
  /**
   * Waits for an OFD lock on a native thread (never the JS thread or the libuv pool), for at most
   * `timeoutMs` (-1 = no limit). The promise resolves true when acquired, false on timeout or
   * cancel; rejects with the errno error.
   */
  lockAsync(
    fd: number,
    exclusive: boolean,
    start: number,
    length: number,
    timeoutMs: number,
  ): NativeWaitHandle;
  /** Releases an OFD lock range (F_UNLCK). */
  unlock(fd: number, start: number, length: number): void;

  // ---- futex.cc ------------------------------------------------------------------------------
  /**
   * FUTEX_WAIT (shared, not PRIVATE) on the 32-bit word at `byteOffset` (4-aligned) of a mapping
   * while it equals `expected`, for at most `timeoutMs` (-1 = no limit). Blocks the calling
   * thread: for workers. Returns FUTEX_WOKEN, FUTEX_NOT_EQUAL or FUTEX_TIMED_OUT.
   */
  futexWait(
    buffer: ArrayBuffer | SharedArrayBuffer,
    byteOffset: number,
    expected: number,
    timeoutMs: number,
  ): number;
  /** The same wait on a native thread; the promise settles with a FUTEX_* code. */
  futexWaitAsync(
    buffer: ArrayBuffer | SharedArrayBuffer,
    byteOffset: number,
    expected: number,
    timeoutMs: number,
  ): NativeWaitHandle;
  /** FUTEX_WAKE up to `count` waiters on the word; returns how many were woken. */
  futexWake(buffer: ArrayBuffer | SharedArrayBuffer, byteOffset: number, count: number): number;

  // ---- fence.cc ------------------------------------------------------------------------------
  /** Registers this process for expedited global membarrier; false when the kernel cannot. */
  membarrierRegister(): boolean;
  /** membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED); false when unavailable. */
  membarrier(): boolean;

  // ---- crc32c.cc -----------------------------------------------------------------------------
  /** CRC32C (Castagnoli) of bytes [offset, offset+length) of `bytes`, continuing from `seed`. */
  crc32c(bytes: NativeBytes, offset: number, length: number, seed: number): number;
  /** The same with the portable table-driven code, for testing the hardware path against. */
  crc32cSoftware(bytes: NativeBytes, offset: number, length: number, seed: number): number;
  /**
   * For each of the first `count` (offset, length, seed) triples of `ranges`, replaces the seed
   * by the CRC32C of those bytes continued from it (signed 32 bits). Checks every range first.
   */
  crc32cRanges(bytes: NativeBytes, ranges: Int32Array, count: number): void;
}

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');

/** The C library this process runs on: prebuilt binaries are tagged with it. */
function runningLibc(): 'glibc' | 'musl' {
  try {
    // The process's own mappings name its C library: faster and more exact than
    // process.report (tens of milliseconds) or looking for a musl loader on disk.
    return readFileSync('/proc/self/maps', 'latin1').includes('musl') ? 'musl' : 'glibc';
  } catch {
    return 'glibc';
  }
}

/**
 * What a binary must match to be loaded here. The addon reaches V8's C++ API (see
 * `addon/addon.cc`), so besides platform, architecture and C library it must have been compiled
 * for this Node's ABI (`process.versions.modules`, NODE_MODULE_VERSION).
 */
export const ADDON_TARGET = {
  platform: process.platform,
  arch: process.arch,
  libc: runningLibc(),
  abi: Number(process.versions.modules),
} as const;

/** Directory of the prebuilt binaries for this platform and architecture. */
export const PREBUILD_DIRECTORY = join(
  packageDir,
  'prebuilds',
  `${ADDON_TARGET.platform}-${ADDON_TARGET.arch}`,
);

/**
 * File name of a prebuilt binary: `annal.abi<NODE_MODULE_VERSION>.<libc>.node`. The same rule is
 * in `scripts/prebuild.mjs` (which writes them) and `scripts/build-addon.mjs` (which skips the
 * compile when one matches).
 */
export function prebuildFileName(abi: number, libc: string): string {
  return `annal.abi${abi}.${libc}.node`;
}

/**
 * Where the addon may be, in lookup order: a local build (made by the install step when no
 * prebuilt binary matched, or by this repository's `build`), then the prebuilt binary for this
 * Node's ABI. Every candidate is checked for its ABI after loading.
 */
export const ADDON_CANDIDATE_PATHS: readonly string[] = [
  join(packageDir, 'build', 'Release', 'annal.node'),
  join(packageDir, 'build', 'Debug', 'annal.node'),
  join(PREBUILD_DIRECTORY, prebuildFileName(ADDON_TARGET.abi, ADDON_TARGET.libc)),
];

/**
 * Every function the TypeScript layer calls on the addon. A binary that has the right ABI but
 * lacks one of them was compiled from other sources than this package's (a stale local build,
 * a prebuilt binary left from an older version): it is refused when loaded, naming what it
 * lacks, instead of failing at the first call of the missing function. A test checks that the
 * list is exactly what the addon exports.
 */
export const ADDON_FUNCTIONS = [
  'close',
  'crc32c',
  'crc32cRanges',
  'crc32cSoftware',
  'fallocate',
  'fdatasync',
  'fileLength',
  'fsync',
  'ftruncate',
  'futexWait',
  'futexWaitAsync',
  'futexWake',
  'lockAsync',
  'madvise',
  'map',
  'mappingInfo',
  'membarrier',
  'membarrierRegister',
  'msync',
  'msyncAsync',
  'noop',
  'open',
  'preadv',
  'prefaultAsync',
  'pwritev',
  'syncAsync',
  'tryLock',
  'unlock',
  'unmap',
] as const satisfies readonly (keyof NativeBinding)[];

/** Thrown (as an {@link AnnalError} by the caller) when no addon could be loaded. */
export interface AddonLoadFailure {
  readonly tried: readonly { path: string; reason: string }[];
  /** File names in {@link PREBUILD_DIRECTORY}: the prebuilt binaries this install has. */
  readonly prebuilds: readonly string[];
}

/**
 * Loads the first of `candidates` that exists, loads and was compiled for Node ABI `abi`.
 * Exported for the test of the ABI guard (which asks for an ABI no binary here has).
 */
export function loadAddonFrom(
  candidates: readonly string[],
  abi: number,
): NativeBinding | AddonLoadFailure {
  const require = createRequire(import.meta.url);
  const tried: { path: string; reason: string }[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      tried.push({ path, reason: 'not there' });
      continue;
    }
    let binding: NativeBinding;
    try {
      binding = require(path) as NativeBinding;
    } catch (error) {
      tried.push({
        path,
        reason: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
      });
      continue;
    }
    // Loading runs only Node-API code (module init), so checking afterwards is safe; nothing
    // that reaches V8's C++ API has run yet.
    const built: unknown = binding.nodeModuleVersion;
    if (built !== abi) {
      tried.push({
        path,
        reason:
          typeof built === 'number'
            ? `compiled for Node ABI ${built}, but this Node (${process.version}) needs ABI ${abi}`
            : `compiled without an ABI tag (an older build), for an unknown Node ABI`,
      });
      continue;
    }
    const missing = ADDON_FUNCTIONS.filter((name) => typeof binding[name] !== 'function');
    if (missing.length === 0) return binding;
    tried.push({
      path,
      reason: `compiled from other sources than this @annal/native (a stale build: it lacks ${missing.join(', ')})`,
    });
  }
  let prebuilds: string[] = [];
  try {
    prebuilds = readdirSync(PREBUILD_DIRECTORY).filter((name) => name.endsWith('.node'));
  } catch {
    // No prebuilt binaries for this platform and architecture.
  }
  return { tried, prebuilds };
}

function loadBinding(): NativeBinding | AddonLoadFailure {
  return loadAddonFrom(ADDON_CANDIDATE_PATHS, ADDON_TARGET.abi);
}

/** The loaded addon, or the list of what was tried; resolved once per thread. */
export const bindingOrFailure: NativeBinding | AddonLoadFailure = loadBinding();
