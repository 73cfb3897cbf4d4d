/**
 * The error walk: every entry point of `@annal/native` that takes a path, pointed at each kind of
 * path the file system refuses. Node's own errors (ENOENT, EACCES, EISDIR, ENOTDIR,
 * ENAMETOOLONG, EEXIST, ENODEV) must never escape: each becomes an AnnalError with a stable code
 * whose `path` and message name the path.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnnalError, FileLock, MappedFile, NativeFile, fsyncDirectorySync } from '@annal/native';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

/** A file that even root may not open for writing (procfs checks its mode bits for everyone). */
const READ_ONLY_FOR_EVERYONE = '/proc/sys/kernel/ostype';

interface Paths {
  readonly missing: string;
  readonly inMissingDirectory: string;
  readonly directory: string;
  readonly throughAFile: string;
  readonly tooLong: string;
  readonly existing: string;
  readonly empty: string;
  readonly noAccess: string;
}

function paths(): Paths {
  const root = temporaryDirectory();
  const existing = join(root, 'existing.bin');
  writeFileSync(existing, Buffer.alloc(4096));
  const empty = join(root, 'empty.bin');
  writeFileSync(empty, '');
  const directory = join(root, 'a-directory');
  mkdirSync(directory);
  // For a process that is not root, a file without permissions is refused too; root is refused
  // by procfs only.
  const locked = join(root, 'no-access.bin');
  writeFileSync(locked, Buffer.alloc(4096));
  chmodSync(locked, 0);
  return {
    missing: join(root, 'missing.bin'),
    inMissingDirectory: join(root, 'no-such-directory', 'a.bin'),
    directory,
    throughAFile: join(existing, 'inside'),
    tooLong: join(root, 'x'.repeat(300)),
    existing,
    empty,
    noAccess: process.getuid?.() === 0 ? READ_ONLY_FOR_EVERYONE : locked,
  };
}

type Attempt = (path: string) => unknown;

/** [entry point, path kind, expected code, call]. */
const table: readonly (readonly [string, keyof Paths, string, Attempt])[] = [
  ['NativeFile.open', 'missing', 'ERR_ANNAL_NOT_FOUND', (p) => NativeFile.open(p)],
  [
    'NativeFile.open',
    'inMissingDirectory',
    'ERR_ANNAL_NOT_FOUND',
    (p) => NativeFile.open(p, { create: true }),
  ],
  ['NativeFile.open', 'directory', 'ERR_ANNAL_INVALID_ARGUMENT', (p) => NativeFile.open(p)],
  ['NativeFile.open', 'throughAFile', 'ERR_ANNAL_INVALID_ARGUMENT', (p) => NativeFile.open(p)],
  [
    'NativeFile.open',
    'tooLong',
    'ERR_ANNAL_INVALID_ARGUMENT',
    (p) => NativeFile.open(p, { create: true }),
  ],
  [
    'NativeFile.open',
    'existing',
    'ERR_ANNAL_ALREADY_EXISTS',
    (p) => NativeFile.open(p, { create: true, exclusive: true }),
  ],
  ['NativeFile.open', 'noAccess', 'ERR_ANNAL_PERMISSION', (p) => NativeFile.open(p)],
  ['MappedFile.open', 'missing', 'ERR_ANNAL_NOT_FOUND', (p) => MappedFile.open(p)],
  ['MappedFile.open', 'directory', 'ERR_ANNAL_INVALID_ARGUMENT', (p) => MappedFile.open(p)],
  [
    'MappedFile.open',
    'directory',
    'ERR_ANNAL_UNSUPPORTED',
    (p) => MappedFile.open(p, { readOnly: true }),
  ],
  ['MappedFile.open', 'throughAFile', 'ERR_ANNAL_INVALID_ARGUMENT', (p) => MappedFile.open(p)],
  ['MappedFile.open', 'empty', 'ERR_ANNAL_INVALID_ARGUMENT', (p) => MappedFile.open(p)],
  ['MappedFile.open', 'noAccess', 'ERR_ANNAL_PERMISSION', (p) => MappedFile.open(p)],
  [
    'MappedFile.create',
    'inMissingDirectory',
    'ERR_ANNAL_NOT_FOUND',
    (p) => MappedFile.create(p, { lengthBytes: 4096 }),
  ],
  [
    'MappedFile.create',
    'directory',
    'ERR_ANNAL_INVALID_ARGUMENT',
    (p) => MappedFile.create(p, { lengthBytes: 4096 }),
  ],
  [
    'MappedFile.create',
    'tooLong',
    'ERR_ANNAL_INVALID_ARGUMENT',
    (p) => MappedFile.create(p, { lengthBytes: 4096 }),
  ],
  [
    'MappedFile.create',
    'existing',
    'ERR_ANNAL_ALREADY_EXISTS',
    (p) => MappedFile.create(p, { lengthBytes: 4096, exclusive: true }),
  ],
  [
    'MappedFile.create',
    'noAccess',
    'ERR_ANNAL_PERMISSION',
    (p) => MappedFile.create(p, { lengthBytes: 4096 }),
  ],
  [
    'FileLock.tryAcquire',
    'inMissingDirectory',
    'ERR_ANNAL_NOT_FOUND',
    (p) => FileLock.tryAcquire(p),
  ],
  ['FileLock.tryAcquire', 'directory', 'ERR_ANNAL_INVALID_ARGUMENT', (p) => FileLock.tryAcquire(p)],
  ['FileLock.tryAcquire', 'noAccess', 'ERR_ANNAL_PERMISSION', (p) => FileLock.tryAcquire(p)],
  [
    'FileLock.acquireOrThrow',
    'throughAFile',
    'ERR_ANNAL_INVALID_ARGUMENT',
    (p) => FileLock.acquireOrThrow(p),
  ],
  ['FileLock.acquire', 'inMissingDirectory', 'ERR_ANNAL_NOT_FOUND', (p) => FileLock.acquire(p)],
  ['FileLock.acquire', 'directory', 'ERR_ANNAL_INVALID_ARGUMENT', (p) => FileLock.acquire(p)],
  ['fsyncDirectorySync', 'missing', 'ERR_ANNAL_NOT_FOUND', (p) => fsyncDirectorySync(p)],
  ['fsyncDirectorySync', 'existing', 'ERR_ANNAL_INVALID_ARGUMENT', (p) => fsyncDirectorySync(p)],
  ['fsyncDirectorySync', 'tooLong', 'ERR_ANNAL_INVALID_ARGUMENT', (p) => fsyncDirectorySync(p)],
];

describe('errors from the file system, walked', () => {
  it.each(table)('%s on the %s path → %s', async (_entry, kind, code, attempt) => {
    const path = paths()[kind];
    let error: unknown = new Error('no error');
    try {
      const result = attempt(path);
      if (result instanceof Promise) await result;
    } catch (thrown) {
      error = thrown;
    }
    expect(AnnalError.isInstance(error), String(error)).toBe(true);
    expect(error).toMatchObject({ code, path });
    expect((error as Error).message).toContain(path);
  });

  it('has a row for every path kind', () => {
    const kinds = new Set(table.map(([, kind]) => kind));
    expect([...kinds].sort()).toEqual(Object.keys(paths()).sort());
  });
});
