import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AlreadyExistsError,
  ClosedError,
  InvalidArgumentError,
  NativeFile,
  NotFoundError,
  ReadOnlyError,
  fsyncDirectorySync,
} from '@annal/native';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

describe('NativeFile.open()', () => {
  it('creates, refuses an exclusive re-create, and names a missing file', () => {
    const directory = temporaryDirectory();
    const path = join(directory, 'a.bin');
    NativeFile.open(path, { create: true, exclusive: true }).close();
    expect(() => NativeFile.open(path, { create: true, exclusive: true })).toThrow(
      AlreadyExistsError,
    );
    expect(() => NativeFile.open(join(directory, 'missing'))).toThrow(NotFoundError);
    expect(() => NativeFile.open('')).toThrow(InvalidArgumentError);
  });
});

describe('NativeFile#writevSync() and #readvSync()', () => {
  it('writes and reads several buffers at a position', () => {
    const path = join(temporaryDirectory(), 'a.bin');
    using file = NativeFile.open(path, { create: true });
    const written = file.writevSync(
      [Buffer.from('abc'), Buffer.from('defg'), new Uint8Array(0), Buffer.from('h')],
      10,
    );
    expect(written).toBe(8);
    expect(readFileSync(path).subarray(10).toString()).toBe('abcdefgh');
    const first = Buffer.alloc(5);
    const second = Buffer.alloc(10);
    expect(file.readvSync([first, second], 10)).toBe(8); // short only at end of file
    expect(first.toString()).toBe('abcde');
    expect(second.subarray(0, 3).toString()).toBe('fgh');
    expect(file.lengthBytes()).toBe(18);
  });

  it('rejects bad arguments with coded errors naming them', () => {
    const path = join(temporaryDirectory(), 'a.bin');
    using file = NativeFile.open(path, { create: true });
    expect(() => file.writevSync([Buffer.from('x')], -1)).toThrow(/position/);
    expect(() => file.writevSync(['x' as unknown as Uint8Array], 0)).toThrow(/buffers\[0\]/);
    expect(() => file.allocate(0, 0)).toThrow(/length/);
    expect(() => file.truncate(-5)).toThrow(/lengthBytes/);
    expect(() => file.writevSync([Buffer.from('x')], Number.MAX_SAFE_INTEGER)).toThrow(/position/);
    expect(() => NativeFile.open(path, { mode: 2 ** 33 })).toThrow(/mode/);
  });

  it('refuses writes on a read-only file', () => {
    const path = join(temporaryDirectory(), 'a.bin');
    writeFileSync(path, 'x');
    using file = NativeFile.open(path, { readOnly: true });
    expect(() => file.writevSync([Buffer.from('y')], 0)).toThrow(ReadOnlyError);
    expect(() => file.allocate(0, 10)).toThrow(ReadOnlyError);
  });
});

describe('NativeFile syncing and closing', () => {
  it('syncs on the thread and in the pool, fsyncs a directory, and refuses use after close', async () => {
    const directory = temporaryDirectory();
    const file = NativeFile.open(join(directory, 'a.bin'), { create: true });
    file.writevSync([Buffer.from('data')], 0);
    file.fsyncSync();
    file.fdatasyncSync();
    await file.fdatasync();
    await file.fsync();
    fsyncDirectorySync(directory);
    file.close();
    file.close();
    expect(() => file.fd).toThrow(ClosedError);
    expect(() => file.fsyncSync()).toThrow(ClosedError);
    expect(() => fsyncDirectorySync(join(directory, 'missing'))).toThrow(NotFoundError);
  });
});
