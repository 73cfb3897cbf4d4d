import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AbortedError, FileLock, LockedError, TimeoutError } from '@annal/native';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixture-path.js';

describe('FileLock', () => {
  it('excludes a second holder in the same process (OFD locks belong to the open file)', () => {
    const path = join(temporaryDirectory(), 'owner.lock');
    const first = FileLock.tryAcquire(path);
    expect(first).not.toBeNull();
    expect(FileLock.tryAcquire(path)).toBeNull();
    first!.release();
    const second = FileLock.tryAcquire(path);
    expect(second).not.toBeNull();
    second!.release();
    second!.release(); // idempotent
  });

  it('forgets an exclusive holder once it releases, so a later refusal does not name it', () => {
    const path = join(temporaryDirectory(), 'owner.lock');
    FileLock.tryAcquire(path)!.release();
    using shared = FileLock.tryAcquire(path, { exclusive: false });
    expect(shared).not.toBeNull();
    expect(() => FileLock.acquireOrThrow(path)).toThrow(LockedError);
    expect(() => FileLock.acquireOrThrow(path)).not.toThrow(/held by/);
  });

  it('lets shared holders in together and keeps an exclusive one out', () => {
    const path = join(temporaryDirectory(), 'owner.lock');
    using a = FileLock.tryAcquire(path, { exclusive: false });
    using b = FileLock.tryAcquire(path, { exclusive: false });
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(FileLock.tryAcquire(path)).toBeNull();
  });

  it('locks byte ranges independently: disjoint ranges coexist, overlapping ones and the whole file conflict', () => {
    const path = join(temporaryDirectory(), 'slots.lock');
    using slot1 = FileLock.tryAcquire(path, { range: { start: 1, length: 1 } });
    using slot2 = FileLock.tryAcquire(path, { range: { start: 2, length: 1 } });
    expect(slot1?.range).toEqual({ start: 1, length: 1 });
    expect(slot2).not.toBeNull();
    expect(FileLock.tryAcquire(path, { range: { start: 1, length: 1 } })).toBeNull();
    expect(FileLock.tryAcquire(path, { range: { start: 0, length: 4 } })).toBeNull();
    expect(FileLock.tryAcquire(path)).toBeNull();
    using zero = FileLock.tryAcquire(path, { range: { start: 0, length: 1 } });
    expect(zero).not.toBeNull();
    slot1?.release();
    using again = FileLock.tryAcquire(path, { range: { start: 1, length: 1 } });
    expect(again).not.toBeNull();
  });

  it.each([
    { range: undefined, wait: false },
    { range: { start: 3, length: 1 }, wait: false },
    { range: { start: 3, length: 1 }, wait: true },
  ])('is released when the worker holding it is terminated (%j)', async ({ range, wait }) => {
    const path = join(temporaryDirectory(), 'owner.lock');
    const options = range === undefined ? {} : { range };
    // With `wait`, the worker gets the lock through the waiting path: we hold it until then.
    const held = wait ? FileLock.tryAcquire(path, options) : null;
    const worker = new Worker(fixturePath('hold-lock-worker.mjs'), {
      workerData: { path, range, wait },
    });
    if (wait) {
      const [waiting] = (await once(worker, 'message')) as [string];
      expect(waiting).toBe('waiting');
      held?.release();
    }
    const [message] = (await once(worker, 'message')) as [string];
    expect(message).toBe('locked');
    expect(FileLock.tryAcquire(path, options)).toBeNull();
    await worker.terminate();
    using after = FileLock.tryAcquire(path, options);
    expect(after).not.toBeNull();
  });

  it('rejects a bad range with a coded error naming the field', () => {
    const path = join(temporaryDirectory(), 'slots.lock');
    expect(() => FileLock.tryAcquire(path, { range: { start: -1, length: 1 } })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'range.start' }),
    );
    expect(() => FileLock.tryAcquire(path, { range: { start: 0, length: 0 } })).toThrow(
      /range\.length/,
    );
  });

  it('refuses a lock held by another process, naming the holder, and gets it once that process is killed', async () => {
    const path = join(temporaryDirectory(), 'owner.lock');
    const holder = spawnNode(fixturePath('hold-lock.mjs'), [path]);
    await holder.waitForLine((line) => line === 'locked');
    expect(FileLock.tryAcquire(path)).toBeNull();
    expect(() => FileLock.acquireOrThrow(path)).toThrow(LockedError);
    expect(() => FileLock.acquireOrThrow(path)).toThrow(`pid=${holder.child.pid}`);
    await expect(FileLock.acquire(path, { timeoutMs: 50 })).rejects.toBeInstanceOf(TimeoutError);

    // A waiter that is already waiting gets the lock when the holder dies by SIGKILL.
    const waiting = FileLock.acquire(path);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const lock = await waiting;
    expect(lock.held).toBe(true);
    lock.release();
  });

  it('a waiting acquire can be aborted, and the event loop is never blocked meanwhile', async () => {
    const path = join(temporaryDirectory(), 'owner.lock');
    using held = FileLock.tryAcquire(path);
    expect(held).not.toBeNull();
    const controller = new AbortController();
    const waiting = FileLock.acquire(path, { signal: controller.signal });
    let turns = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        turns++;
        if (turns === 20) resolve();
        else setImmediate(tick);
      };
      tick();
    });
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    // An already-aborted signal is refused up front with the same coded error.
    await expect(FileLock.acquire(path, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortedError,
    );
  });

  it('a second process that tries while another holds the lock is told busy', async () => {
    const path = join(temporaryDirectory(), 'owner.lock');
    using held = FileLock.tryAcquire(path);
    expect(held).not.toBeNull();
    const other = spawnNode(fixturePath('hold-lock.mjs'), [path]);
    await other.waitForLine((line) => line === 'busy');
    other.child.kill('SIGKILL');
    await other.exited;
  });
});
