import { openSync, readFileSync, readdirSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  ClosedError,
  InvalidArgumentError,
  MappedFile,
  NotFoundError,
  ReadOnlyError,
  pageSize,
} from '@annal/native';
import { runNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixture-path.js';

describe('MappedFile.create()', () => {
  it('reserves the whole length on disk (no sparse hole) and maps it zeroed', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    using file = MappedFile.create(path, { lengthBytes: 1 << 20 });
    expect(file.lengthBytes).toBe(1 << 20);
    expect(statSync(path).size).toBe(1 << 20);
    // Allocated blocks, not a hole: 512-byte blocks cover the whole length.
    expect(statSync(path).blocks * 512).toBeGreaterThanOrEqual(1 << 20);
    expect(new Uint8Array(file.buffer).every((byte) => byte === 0)).toBe(true);
  });

  it('maps an existing longer file whole and keeps its content', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    MappedFile.create(path, { lengthBytes: 8192 }).close();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('hello'), 0, 5, 100);
    closeSync(fd);
    using file = MappedFile.create(path, { lengthBytes: 4096 });
    expect(file.lengthBytes).toBe(8192);
    expect(Buffer.from(file.buffer, 100, 5).toString()).toBe('hello');
  });

  it.each([
    [{ lengthBytes: -1 }, 'lengthBytes'],
    [{ lengthBytes: 0 }, 'lengthBytes'],
    [{ lengthBytes: 1.5 }, 'lengthBytes'],
    [{ lengthBytes: '4096' }, 'lengthBytes'],
  ])('rejects %j with a coded error naming %s', (options, field) => {
    const path = join(temporaryDirectory(), 'data.bin');
    const attempt = (): unknown =>
      MappedFile.create(path, options as unknown as { lengthBytes: number });
    expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field }));
  });
});

describe('MappedFile.open()', () => {
  it('with closeDescriptor holds no descriptor, yet reads, writes and syncs through the mapping', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    const page = pageSize();
    MappedFile.create(path, { lengthBytes: 2 * page }).close();
    const before = readdirSync('/proc/self/fd').length;
    const windows = Array.from({ length: 64 }, () =>
      MappedFile.open(path, { offsetBytes: page, lengthBytes: page, closeDescriptor: true }),
    );
    expect(readdirSync('/proc/self/fd').length).toBe(before);
    const [first, second] = windows;
    new Uint8Array(first!.buffer).set([1, 2, 3]);
    expect([...new Uint8Array(second!.buffer, 0, 3)]).toEqual([1, 2, 3]);
    first!.msyncSync();
    expect([...readFileSync(path).subarray(page, page + 3)]).toEqual([1, 2, 3]);
    expect(() => first!.file).toThrow(ClosedError);
    expect(() => first!.grow(4 * page)).toThrow(/closeDescriptor/);
    for (const window of windows) window.close();
  });

  it('fails with ERR_ANNAL_NOT_FOUND naming a missing file', () => {
    const path = join(temporaryDirectory(), 'missing.bin');
    expect(() => MappedFile.open(path)).toThrow(NotFoundError);
    expect(() => MappedFile.open(path)).toThrow(path);
  });

  it('refuses an empty file with a coded error', () => {
    const path = join(temporaryDirectory(), 'empty.bin');
    closeSync(openSync(path, 'w'));
    expect(() => MappedFile.open(path)).toThrow(InvalidArgumentError);
  });

  it('opens read-only and refuses to grow', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    MappedFile.create(path, { lengthBytes: 4096 }).close();
    using file = MappedFile.open(path, { readOnly: true });
    expect(file.readOnly).toBe(true);
    expect(() => file.grow(8192)).toThrow(ReadOnlyError);
  });
});

describe('MappedFile.open() of a range', () => {
  it('maps from a page-aligned offset and sees the file’s bytes there', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    MappedFile.create(path, { lengthBytes: 3 * pageSize() }).close();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('second page'), 0, 11, pageSize());
    closeSync(fd);
    using file = MappedFile.open(path, { offsetBytes: pageSize(), lengthBytes: pageSize() });
    expect(file.lengthBytes).toBe(pageSize());
    expect(Buffer.from(file.buffer, 0, 11).toString()).toBe('second page');
  });

  it('keeps a window opened with an explicit length when the file grows', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    using writer = MappedFile.create(path, { lengthBytes: 2 * pageSize() });
    using window = MappedFile.open(path, { offsetBytes: pageSize(), lengthBytes: 100 });
    writer.grow(8 * pageSize());
    expect(window.remap()).toBe(false);
    expect(window.lengthBytes).toBe(100);
  });

  it.each([
    [{ offsetBytes: 100 }, 'ERR_ANNAL_INVALID_ARGUMENT', /offsetBytes must be a multiple of/],
    [{ offsetBytes: -4096 }, 'ERR_ANNAL_INVALID_OPTION', /offsetBytes/],
    [{ lengthBytes: 0 }, 'ERR_ANNAL_INVALID_OPTION', /lengthBytes/],
    [{ offsetBytes: 0, lengthBytes: 1 << 30 }, 'ERR_ANNAL_INVALID_ARGUMENT', /must lie inside/],
  ])('rejects %j with %s naming the argument', (options, code, message) => {
    const path = join(temporaryDirectory(), 'data.bin');
    MappedFile.create(path, { lengthBytes: 8192 }).close();
    expect(() => MappedFile.open(path, options)).toThrow(expect.objectContaining({ code }));
    expect(() => MappedFile.open(path, options)).toThrow(message);
  });
});

describe('MappedFile coherence with read(2)/write(2)', () => {
  it('a store through the mapping is what fs reads, and an fs write is what the mapping reads', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    using file = MappedFile.create(path, { lengthBytes: 4096 });
    const bytes = new Uint8Array(file.buffer);
    bytes.set(Buffer.from('through the mapping'), 10);
    expect(readFileSync(path).subarray(10, 29).toString()).toBe('through the mapping');
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from('through write(2)'), 0, 16, 2000);
    closeSync(fd);
    expect(Buffer.from(bytes.buffer, 2000, 16).toString()).toBe('through write(2)');
  });

  it('msync and prefault succeed over any range and survive reopening', async () => {
    const path = join(temporaryDirectory(), 'data.bin');
    {
      using file = MappedFile.create(path, { lengthBytes: 1 << 20 });
      await file.prefault();
      new Uint8Array(file.buffer).fill(7, 5000, 9000);
      file.msyncSync(5000, 4000);
      file.msyncStart();
      await file.msync(4096, 8192);
      file.advise('sequential');
    }
    using again = MappedFile.open(path);
    expect(new Uint8Array(again.buffer)[8999]).toBe(7);
  });
});

describe('MappedFile#grow() and #remap()', () => {
  it('grows the file and keeps the old buffer usable until close', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    using file = MappedFile.create(path, { lengthBytes: 4096 });
    const before = new Uint8Array(file.buffer);
    file.grow(16384);
    const after = new Uint8Array(file.buffer);
    expect(after.length).toBe(16384);
    before[1] = 42; // the old mapping shows the same pages
    expect(after[1]).toBe(42);
    after[16000] = 9;
    expect(readFileSync(path)[16000]).toBe(9);
  });

  it('picks up growth made by another opener', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    using reader = MappedFile.create(path, { lengthBytes: 4096 });
    using writer = MappedFile.open(path);
    writer.grow(8192);
    new Uint8Array(writer.buffer)[8000] = 5;
    expect(reader.remap()).toBe(true);
    expect(new Uint8Array(reader.buffer)[8000]).toBe(5);
    expect(reader.remap()).toBe(false);
  });
});

describe('MappedFile#close()', () => {
  it('detaches every view so a stale one throws or reads empty, never crashing', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    const file = MappedFile.create(path, { lengthBytes: 4096 });
    const { buffer } = file;
    const bytes = new Uint8Array(buffer);
    const words = new Int32Array(buffer);
    const view = new DataView(buffer);
    bytes[0] = 1;
    file.close();
    expect(buffer.byteLength).toBe(0);
    expect(bytes.length).toBe(0);
    expect(bytes[0]).toBeUndefined();
    expect(() => Atomics.load(words, 0)).toThrow(TypeError);
    expect(() => view.getUint8(0)).toThrow(TypeError);
    expect(() => file.buffer).toThrow(ClosedError);
    expect(() => file.msyncSync()).toThrow(ClosedError);
    file.close(); // idempotent
  });

  it('swaps a SharedArrayBuffer mapping for zero pages: stale views read zeros, the file keeps its data', () => {
    const path = join(temporaryDirectory(), 'data.bin');
    const file = MappedFile.create(path, { lengthBytes: 4096, shared: true });
    expect(file.buffer).toBeInstanceOf(SharedArrayBuffer);
    const bytes = new Uint8Array(file.buffer);
    bytes[0] = 77;
    file.close();
    expect(bytes[0]).toBe(0);
    bytes[1] = 3; // lands in an anonymous page, not in the file
    expect(readFileSync(path)[0]).toBe(77);
    expect(readFileSync(path)[1]).toBe(0);
  });
});

describe('MappedFile across processes and threads', () => {
  it('a child process sees what this one wrote, and this one sees what the child wrote', async () => {
    const path = join(temporaryDirectory(), 'data.bin');
    using file = MappedFile.create(path, { lengthBytes: 1 << 20 });
    const words = new Int32Array(file.buffer);
    const result = await runNode(fixturePath('map-and-write.mjs'), [path, '100000']);
    expect(result.stdout.trim()).toBe('done');
    expect(Atomics.load(words, 0)).toBe(100000);
    for (let i = 1; i <= 100000; i++)
      if (words[i] !== i) throw new Error(`word ${i} is ${words[i]}`);
  });

  it('two workers that each map the file see each other’s stores', async () => {
    const path = join(temporaryDirectory(), 'data.bin');
    MappedFile.create(path, { lengthBytes: 4096 }).close();
    const run = (id: number) =>
      new Promise<number>((resolve, reject) => {
        const worker = new Worker(fixturePath('ping-pong-worker.mjs'), {
          workerData: { path, id, rounds: 2000 },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const [first, second] = await Promise.all([run(0), run(1)]);
    expect(Math.max(first, second)).toBe(2000);
  });
});
