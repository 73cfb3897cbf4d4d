/**
 * Misuse, table by table: every export of `@annal/native` and every method of its classes, called
 * with wrong types, negative, fractional, huge and NaN numbers, on closed objects and with
 * aborted signals. Each call must fail with an AnnalError whose `code` is the one in the table
 * (misuse-table.ts), naming the argument (`field`) where one is to blame, and a call that returns
 * a Promise must reject, never throw.
 */
import { join } from 'node:path';
import { AnnalError, FileLock, MappedFile, SyncScheduler, crc32c } from '@annal/native';
import { describe, expect, it } from 'vitest';
import { CLOSED, fixture, rows, type Fixture } from './misuse-table.js';

describe('misuse of @annal/native', () => {
  it.each(rows.map((row) => [row.call, row] as const))('%s', async (_name, row) => {
    const f = fixture();
    try {
      const expected = {
        code: row.code,
        ...(row.field === undefined ? {} : { field: row.field }),
      };
      if (row.async === true) {
        let result: unknown;
        expect(
          () => (result = row.act(f)),
          'a Promise-returning call must not throw',
        ).not.toThrow();
        expect(result).toBeInstanceOf(Promise);
        const error: unknown = await (result as Promise<unknown>).then(
          () => new Error('resolved'),
          (reason: unknown) => reason,
        );
        expect(AnnalError.isInstance(error), String(error)).toBe(true);
        expect(error).toMatchObject(expected);
      } else {
        let error: unknown = new Error('no error');
        try {
          row.act(f);
        } catch (thrown) {
          error = thrown;
        }
        expect(AnnalError.isInstance(error), String(error)).toBe(true);
        expect(error).toMatchObject(expected);
      }
    } finally {
      f.mapping.close();
      f.file.close();
    }
  });
});

describe('@annal/native objects after close', () => {
  /** Each method of a closed object, and whether it returns a Promise. */
  const closedCalls: readonly (readonly [string, (f: Fixture) => unknown, boolean])[] = [
    ['NativeFile#fd', (f) => f.file.fd, false],
    ['NativeFile#lengthBytes()', (f) => f.file.lengthBytes(), false],
    ['NativeFile#allocate()', (f) => f.file.allocate(0, 1), false],
    ['NativeFile#truncate()', (f) => f.file.truncate(0), false],
    ['NativeFile#fsyncSync()', (f) => f.file.fsyncSync(), false],
    ['NativeFile#fdatasyncSync()', (f) => f.file.fdatasyncSync(), false],
    ['NativeFile#fsync()', (f) => f.file.fsync(), true],
    ['NativeFile#fdatasync()', (f) => f.file.fdatasync(), true],
    ['NativeFile#readvSync()', (f) => f.file.readvSync([new Uint8Array(1)], 0), false],
    ['NativeFile#writevSync()', (f) => f.file.writevSync([new Uint8Array(1)], 0), false],
    ['MappedFile#buffer', (f) => f.mapping.buffer, false],
    ['MappedFile#lengthBytes', (f) => f.mapping.lengthBytes, false],
    ['MappedFile#file', (f) => f.mapping.file, false],
    ['MappedFile#grow()', (f) => f.mapping.grow(16384), false],
    ['MappedFile#remap()', (f) => f.mapping.remap(), false],
    ['MappedFile#msyncSync()', (f) => f.mapping.msyncSync(), false],
    ['MappedFile#msyncStart()', (f) => f.mapping.msyncStart(), false],
    ['MappedFile#msync()', (f) => f.mapping.msync(), true],
    ['MappedFile#prefault()', (f) => f.mapping.prefault(), true],
    ['MappedFile#advise()', (f) => f.mapping.advise('normal'), false],
  ];

  it.each(closedCalls)('%s throws or rejects ERR_ANNAL_CLOSED', async (_name, act, async) => {
    const f = fixture();
    f.file.close();
    f.mapping.close();
    if (async) {
      let result: unknown;
      expect(() => (result = act(f))).not.toThrow();
      await expect(result).rejects.toMatchObject({ code: CLOSED });
    } else {
      expect(() => act(f)).toThrow(expect.objectContaining({ code: CLOSED }));
    }
  });

  it('crc32c() of a view over a closed mapping throws ERR_ANNAL_CLOSED, not the CRC of nothing', () => {
    const f = fixture();
    const mapping = MappedFile.open(f.path);
    const view = new Uint8Array(mapping.buffer, 0, 64);
    const buffer = mapping.buffer;
    mapping.close();
    f.file.close();
    f.mapping.close();
    expect(() => crc32c(view)).toThrow(expect.objectContaining({ code: CLOSED, field: 'bytes' }));
    expect(() => crc32c(buffer)).toThrow(expect.objectContaining({ code: CLOSED, field: 'bytes' }));
    expect(crc32c(new Uint8Array(0), 7)).toBe(7); // an empty view of live memory is fine
  });

  it('closing twice is harmless; a released lock refuses assertHeld()', () => {
    const f = fixture();
    f.file.close();
    f.file.close();
    f.mapping.close();
    f.mapping.close();
    const lock = FileLock.acquireOrThrow(join(f.directory, 'l'));
    lock.release();
    lock.release();
    expect(lock.held).toBe(false);
    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: CLOSED }));
  });

  it('a closed SyncScheduler refuses written() and rejects synced()', async () => {
    const scheduler = new SyncScheduler({ policy: 'manual', sync: () => Promise.resolve() });
    scheduler.written();
    await scheduler[Symbol.asyncDispose](); // close(), for `await using`
    await scheduler.close(); // idempotent
    expect(() => scheduler.written()).toThrow(expect.objectContaining({ code: CLOSED }));
    await expect(scheduler.sync()).resolves.toBeUndefined(); // everything written is durable
  });
});
