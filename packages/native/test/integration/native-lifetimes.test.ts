/**
 * Lifetimes at the addon boundary: what happens to a file descriptor, a mapping or a blocked
 * thread when JS closes, unmaps or terminates while native work still refers to it. Each case
 * used to crash, hang, or touch the wrong file.
 *
 * Ordering is made deterministic, never timed: work queued on the libuv pool runs only after
 * {@link blockThreadPool}'s release(), so "close before the job runs" is certain. A case that could
 * crash runs in a child process, so a crash fails the test instead of killing vitest.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, open, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MappedFile, NativeFile, futexWait } from '@annal/native';
import { getBinding, crc32cNative } from '@annal/native/internal';
import { runNode, spawnNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixture-path.js';

/**
 * Occupies every libuv pool thread until release(): each blocks opening a FIFO for reading, which
 * returns only once a writer opens it. The pool takes work in order, so anything queued after
 * this call (our fdatasync jobs) starts only after release().
 */
function blockThreadPool(directory: string): { release(): Promise<void> } {
  const fifo = join(directory, 'pool.fifo');
  execFileSync('mkfifo', [fifo]);
  const threads = Number(process.env['UV_THREADPOOL_SIZE']) || 4;
  const readers = Array.from(
    { length: threads },
    () =>
      new Promise<number>((resolve, reject) =>
        open(fifo, 'r', (error, fd) => (error ? reject(error) : resolve(fd))),
      ),
  );
  return {
    async release() {
      // O_RDWR never blocks on a FIFO (Linux) and counts as its writer: every reader returns.
      const writer = openSync(fifo, 'r+');
      try {
        for (const fd of await Promise.all(readers)) closeSync(fd);
      } finally {
        closeSync(writer);
      }
    },
  };
}

/** The `code` of what `action` throws, or 'no error'. */
function codeThrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'no error';
}

describe('a mapping larger than 4 GiB as an ArrayBuffer', () => {
  it('maps, writes and unmaps (or refuses with a coded error), never crashes', async () => {
    const path = join(temporaryDirectory(), 'huge.bin');
    const size = 5 * 2 ** 30;
    const result = await runNode(fixturePath('lifetime-map-huge.mjs'), [path, String(size)]);
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^(mapped ${size}\\ntail 1,2,3,4,5,6,7,8|error ERR_[A-Z_]+)\\n$`),
    );
  });
});

describe('asynchronous work on a file closed before the work runs', () => {
  it('fdatasync syncs the file it was given, not what reused its fd', async () => {
    const directory = temporaryDirectory();
    const pool = blockThreadPool(directory);
    const a = NativeFile.open(join(directory, 'a.bin'), { create: true });
    a.writevSync([new TextEncoder().encode('data')], 0);
    const synced = a.fdatasync();
    a.close();
    // release() opens the FIFO, most likely under a's fd number: fsync of a FIFO fails (EINVAL),
    // so a job that followed the number would reject.
    await pool.release();
    await expect(synced).resolves.toBeUndefined();
  });

  it('reports a descriptor that was already closed as the errno error, in the promise', async () => {
    const binding = getBinding();
    const fd = binding.open(
      join(temporaryDirectory(), 'c.bin'),
      binding.constants.O_RDWR | binding.constants.O_CREAT,
      0o644,
    );
    binding.close(fd);
    await expect(binding.syncAsync(fd, true)).rejects.toMatchObject({ code: 'EBADF' });
  });
});

describe('futexWaitSync() with no timeout, blocking a worker', () => {
  it('does not hold up worker.terminate()', async () => {
    const worker = new Worker(fixturePath('lifetime-futex-worker.mjs'), {
      workerData: new SharedArrayBuffer(4),
    });
    const messages: unknown[] = [];
    worker.on('message', (message) => messages.push(message));
    await new Promise((resolve) => worker.once('message', resolve));
    await expect(worker.terminate()).resolves.toBe(1);
    expect(messages).toEqual(['waiting']);
  });

  it('does not hold up process.exit() in the main thread', async () => {
    const child = spawnNode(fixturePath('lifetime-futex-exit.mjs'));
    const result = await child.exited;
    expect(result.stdout).toBe('exiting\n');
    expect(result.signal, result.stderr).toBeNull();
    expect(result.code, result.stderr).toBe(0);
  });
});

describe('views over a mapping that is unmapped while they are in use', () => {
  function sources(directory: string): { pathA: string; pathB: string; outPath: string } {
    const pathA = join(directory, 'a.bin');
    const pathB = join(directory, 'b.bin');
    writeFileSync(pathA, Buffer.alloc(65536, 'A'));
    writeFileSync(pathB, Buffer.alloc(65536, 'B'));
    return { pathA, pathB, outPath: join(directory, 'out.bin') };
  }

  for (const shared of [false, true]) {
    for (const call of ['pwritev', 'preadv'] as const) {
      it(`${call} refuses a view whose mapping an array getter closed (shared: ${shared})`, () => {
        const directory = temporaryDirectory();
        const { pathA, outPath } = sources(directory);
        writeFileSync(outPath, Buffer.alloc(64, 'O'));
        const out = NativeFile.open(outPath);
        const a = MappedFile.open(pathA, { shared });
        const buffers: Uint8Array[] = [new Uint8Array(a.buffer, 0, 16)];
        Object.defineProperty(buffers, 1, {
          enumerable: true,
          get() {
            a.close();
            return new Uint8Array(4);
          },
        });
        try {
          expect(codeThrownBy(() => getBinding()[call](out.fd, buffers, 0))).toBe(
            'ERR_ANNAL_CLOSED',
          );
          expect(readFileSync(outPath, 'latin1')).toBe('O'.repeat(64));
          expect(readFileSync(pathA, 'latin1')).toBe('A'.repeat(65536));
        } finally {
          out.close();
        }
      });
    }
  }

  it('refuses a detached view in writevSync with ERR_ANNAL_CLOSED, writing nothing', () => {
    const directory = temporaryDirectory();
    const { pathA, outPath } = sources(directory);
    const out = NativeFile.open(outPath, { create: true });
    const a = MappedFile.open(pathA);
    const stale = new Uint8Array(a.buffer, 0, 16);
    a.close();
    try {
      expect(codeThrownBy(() => getBinding().pwritev(out.fd, [stale], 0))).toBe('ERR_ANNAL_CLOSED');
      expect(codeThrownBy(() => out.writevSync([stale], 0))).toBe('ERR_ANNAL_CLOSED');
      expect(readFileSync(outPath)).toHaveLength(0);
    } finally {
      out.close();
    }
  });
});

describe('crc32c over a detached buffer', () => {
  it('throws ERR_ANNAL_CLOSED instead of returning the CRC of zero bytes', () => {
    const file = MappedFile.create(join(temporaryDirectory(), 'c.bin'), { lengthBytes: 4096 });
    const buffer = file.buffer;
    const view = new Uint8Array(buffer, 0, 256);
    file.close();
    const binding = getBinding();
    expect(codeThrownBy(() => binding.crc32c(view, 0, 0, 0))).toBe('ERR_ANNAL_CLOSED');
    expect(codeThrownBy(() => binding.crc32c(buffer, 0, 0, 0))).toBe('ERR_ANNAL_CLOSED');
    expect(codeThrownBy(() => binding.crc32cSoftware(view, 0, 0, 0))).toBe('ERR_ANNAL_CLOSED');
    expect(codeThrownBy(() => crc32cNative(view, 0, 0))).toBe('ERR_ANNAL_CLOSED');
    // An empty buffer that is not detached is still fine.
    expect(binding.crc32c(new Uint8Array(0), 0, 0, 7)).toBe(7);
  });
});

describe('cancelling one futexWait', () => {
  it('leaves the other waits on the same word waiting', async () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const controller = new AbortController();
    const cancelled = futexWait(words, 0, 0, { signal: controller.signal });
    const other = futexWait(words, 0, 0, { timeoutMs: 50 });
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'ERR_ANNAL_ABORTED' });
    // Woken by the cancel, it would say 'ok'.
    await expect(other).resolves.toBe('timed-out');
  });
});
