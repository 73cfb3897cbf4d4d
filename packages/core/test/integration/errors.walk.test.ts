/**
 * The error walk: every way a user meets the file system, the locks and damaged data through
 * the public API ends in a coded AnnalError that names the path (and, for damage, the byte
 * offset and the record's index) — never a raw ENOENT/EACCES/EROFS from node:fs.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Channel, Queue } from '@annal/core';
import { AnnalError, CorruptError } from '@annal/native';
import { runNode, temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';
import { ManualClock } from '../queue-helpers.js';

const SMALL = { rollCycle: 'TEST_SECONDLY', blockBytes: '64 KiB' } as const;

interface ChildOutcome {
  ok?: boolean;
  read?: number;
  error?: {
    name: string;
    code: string;
    path?: string;
    field?: string;
    message: string;
    isAnnal: boolean;
  };
}

async function openInChild(
  directory: string,
  options: object,
  spawn: { uid?: number; shellPrefix?: string; unshare?: boolean } = {},
): Promise<ChildOutcome> {
  const args = [directory, JSON.stringify(options)];
  if (spawn.uid !== undefined) args.push(String(spawn.uid));
  const result = await runNode(fixturePath('open-queue.mjs'), args, {
    ...(spawn.shellPrefix === undefined ? {} : { shellPrefix: spawn.shellPrefix }),
    ...(spawn.unshare === undefined ? {} : { unshare: spawn.unshare }),
  });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (line === '') throw new Error(`child printed nothing; stderr:\n${result.stderr}`);
  return JSON.parse(line) as ChildOutcome;
}

/** What `run` threw (the test fails if it threw nothing). */
function thrown(run: () => unknown): AnnalError {
  try {
    run();
  } catch (error) {
    expect(AnnalError.isInstance(error), String(error)).toBe(true);
    return error as AnnalError;
  }
  throw new Error('expected an error');
}

describe('Queue.open and the file system', () => {
  it('a missing directory opened read-only is ERR_ANNAL_NOT_FOUND naming the path (nothing is created)', () => {
    const directory = join(temporaryDirectory(), 'missing');
    const error = thrown(() => Queue.open(directory, { readOnly: true }));
    expect(error).toMatchObject({ code: 'ERR_ANNAL_NOT_FOUND', path: directory });
    expect(error.message).toContain(directory);
    expect(readdirSync(join(directory, '..'))).toEqual([]);
  });

  it('a path that is a file is ERR_ANNAL_INVALID_ARGUMENT naming it, read-only or not', () => {
    const file = join(temporaryDirectory(), 'a-file');
    writeFileSync(file, 'not a queue');
    for (const readOnly of [false, true]) {
      const error = thrown(() => Queue.open(file, { readOnly }));
      expect(error).toMatchObject({
        code: 'ERR_ANNAL_INVALID_ARGUMENT',
        path: file,
        field: 'directory',
      });
      expect(error.message).toContain('not a directory');
    }
    expect(readFileSync(file, 'utf8')).toBe('not a queue');
  });

  it('a path under a file is a coded error naming it', () => {
    const file = join(temporaryDirectory(), 'a-file');
    writeFileSync(file, '');
    const error = thrown(() => Queue.open(join(file, 'queue')));
    expect(error.path).toBe(join(file, 'queue'));
  });

  it('without permission it is ERR_ANNAL_PERMISSION naming the path, and readOnly is suggested for writing', async () => {
    const parent = temporaryDirectory();
    const readable = join(parent, 'readable');
    const closed = join(parent, 'closed');
    using queue = Queue.open(readable, SMALL);
    queue.appender().appendString('one');
    mkdirSync(closed, { mode: 0o700 });
    chmodSync(parent, 0o755);
    chmodSync(readable, 0o755); // others may read, not write
    const nobody = 65534;
    const write = await openInChild(readable, {}, { uid: nobody });
    expect(write.error).toMatchObject({
      code: 'ERR_ANNAL_PERMISSION',
      path: readable,
      isAnnal: true,
    });
    expect(write.error?.message).toContain('readOnly: true');
    const read = await openInChild(readable, { readOnly: true }, { uid: nobody });
    expect(read).toEqual({ ok: true, read: 1 });
    const none = await openInChild(closed, { readOnly: true }, { uid: nobody });
    expect(none.error).toMatchObject({ code: 'ERR_ANNAL_PERMISSION', path: closed, isAnnal: true });
    const create = await openInChild(join(closed, 'queue'), {}, { uid: nobody });
    expect(create.error).toMatchObject({ code: 'ERR_ANNAL_PERMISSION', isAnnal: true });
    expect(create.error?.path).toBe(join(closed, 'queue'));
  });

  it('on a read-only file system it is ERR_ANNAL_READ_ONLY saying so and suggesting { readOnly: true }, which then reads', async () => {
    const source = temporaryDirectory();
    const queueDirectory = join(source, 'queue');
    {
      using queue = Queue.open(queueDirectory, SMALL);
      queue.appender().appendString('written before the file system became read-only');
    }
    const mountPoint = temporaryDirectory();
    // A private read-only bind mount of the queue's parent (own user and mount namespaces).
    const shellPrefix = `mount --bind '${source}' '${mountPoint}' && mount -o remount,bind,ro '${mountPoint}'`;
    const existing = join(mountPoint, 'queue');
    const write = await openInChild(existing, {}, { shellPrefix, unshare: true });
    expect(write.error).toMatchObject({
      code: 'ERR_ANNAL_READ_ONLY',
      path: existing,
      isAnnal: true,
    });
    expect(write.error?.message).toContain('read-only file system');
    expect(write.error?.message).toContain('readOnly: true');
    const fresh = join(mountPoint, 'new-queue');
    const create = await openInChild(fresh, {}, { shellPrefix, unshare: true });
    expect(create.error).toMatchObject({ code: 'ERR_ANNAL_READ_ONLY', path: fresh, isAnnal: true });
    expect(create.error?.message).toContain('readOnly: true');
    const read = await openInChild(existing, { readOnly: true }, { shellPrefix, unshare: true });
    expect(read).toEqual({ ok: true, read: 1 });
  });

  it('a queue directory deleted under an open queue is a coded error naming it', () => {
    const parent = temporaryDirectory();
    const directory = join(parent, 'queue');
    using queue = Queue.open(directory, SMALL);
    // Removed from under the queue: the next listing fails.
    rmSync(directory, { recursive: true, force: true });
    const error = thrown(() => queue.reader());
    expect(error).toMatchObject({ code: 'ERR_ANNAL_NOT_FOUND', path: directory });
  });
});

describe('appender locks name the real holder', () => {
  it('a second exclusive appender is told of the exclusive one, not of shared appenders', () => {
    const directory = temporaryDirectory();
    using first = Queue.open(directory, SMALL);
    first.appender();
    using second = Queue.open(directory);
    const exclusive = thrown(() => second.appender());
    expect(exclusive.code).toBe('ERR_ANNAL_LOCKED');
    expect(exclusive.message).toContain('has an exclusive appender');
    expect(exclusive.message).not.toContain('shared: true');
    const shared = thrown(() => second.appender({ shared: true }));
    expect(shared.code).toBe('ERR_ANNAL_LOCKED');
    expect(shared.message).toContain('has an exclusive appender');
  });

  it('an exclusive appender among shared ones is told to open with { shared: true }, which works', () => {
    const directory = temporaryDirectory();
    using first = Queue.open(directory, SMALL);
    first.appender({ shared: true });
    using second = Queue.open(directory);
    const exclusive = thrown(() => second.appender());
    expect(exclusive.code).toBe('ERR_ANNAL_LOCKED');
    expect(exclusive.message).toContain('has shared appenders');
    expect(exclusive.message).toContain('{ shared: true }');
    expect(() => second.appender({ shared: true })).not.toThrow();
  });

  it('appending to a read-only queue is ERR_ANNAL_READ_ONLY naming the directory', () => {
    const directory = temporaryDirectory();
    Queue.open(directory, SMALL).close();
    using queue = Queue.open(directory, { readOnly: true });
    expect(thrown(() => queue.appender())).toMatchObject({
      code: 'ERR_ANNAL_READ_ONLY',
      path: directory,
    });
    expect(thrown(() => queue.reader({ name: 'named' }))).toMatchObject({
      code: 'ERR_ANNAL_READ_ONLY',
    });
  });
});

describe('damaged records', () => {
  it('ERR_ANNAL_CORRUPT names the path, the byte offset and the record index as fields', () => {
    const directory = temporaryDirectory();
    const indices: number[] = [];
    {
      // A manual clock: on the wall clock a second boundary could send record 3 to the next file.
      const clock = new ManualClock();
      using queue = Queue.open(directory, { ...SMALL, checksums: 'crc32c', clock: clock.read });
      const appender = queue.appender();
      for (let n = 0; n < 5; n++) indices.push(appender.appendString(`record number ${n}`));
    }
    const [name] = readdirSync(directory).filter((entry) => entry.endsWith('.annalq'));
    const path = join(directory, name!);
    const bytes = readFileSync(path);
    const at = bytes.indexOf('record number 3');
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(path, bytes);
    using queue = Queue.open(directory, { readOnly: true });
    const reader = queue.reader();
    for (let n = 0; n < 3; n++) expect(reader.next()?.text()).toBe(`record number ${n}`);
    const error = thrown(() => reader.next());
    expect(CorruptError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(CorruptError);
    expect(error).toMatchObject({ code: 'ERR_ANNAL_CORRUPT', path, index: indices[3] });
    // The frame starts 8 bytes before its payload.
    expect(error.offset).toBe(at - 8);
    expect(error.message).toContain(`record ${indices[3]}`);
  });

  it('a damaged channel record is ERR_ANNAL_CORRUPT naming the path, the offset and its index (sequence)', () => {
    const path = join(temporaryDirectory(), 'damaged.channel');
    {
      using writer = Channel.create(path, { capacity: '64 KiB' });
      for (let n = 0; n < 3; n++) writer.write(new TextEncoder().encode(`channel record ${n}`));
    }
    const bytes = readFileSync(path);
    const at = bytes.indexOf('channel record 1');
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(path, bytes);
    using reader = Channel.open(path);
    expect(reader.next()?.text()).toBe('channel record 0');
    const error = thrown(() => reader.next());
    expect(error).toBeInstanceOf(CorruptError);
    expect(error).toMatchObject({ code: 'ERR_ANNAL_CORRUPT', path, index: 1, offset: at - 8 });
  });
});
