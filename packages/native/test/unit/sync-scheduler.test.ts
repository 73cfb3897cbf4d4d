import {
  ClosedError,
  InvalidArgumentError,
  InvalidOptionError,
  IoError,
  SyncScheduler,
} from '@annal/native';
import { describe, expect, it } from 'vitest';

/** A sync target whose completions the test releases by hand, so nothing depends on timing. */
function manualSync() {
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    calls: () => pending.length,
    sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    complete: (index: number) => pending[index]!.resolve(),
    fail: (index: number, error: Error) => pending[index]!.reject(error),
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SyncScheduler', () => {
  it("under 'each' syncs at the end of the writing turn and group-commits writes made meanwhile into one more sync", async () => {
    const target = manualSync();
    const scheduler = new SyncScheduler({ policy: 'each', sync: target.sync });
    const first = scheduler.written();
    const sameTurn = scheduler.written();
    expect(target.calls()).toBe(0); // the turn's writes gather first
    await flush();
    expect(target.calls()).toBe(1); // one sync for both
    const later = [scheduler.written(), scheduler.written(), scheduler.written()];
    await flush();
    expect(target.calls()).toBe(1); // one sync in flight at a time
    expect(sameTurn).toBe(first + 1);
    const firstDone = scheduler.synced(first);
    const laterDone = Promise.all(later.map((generation) => scheduler.synced(generation)));
    target.complete(0);
    await firstDone;
    await flush();
    expect(target.calls()).toBe(2); // the three later writes share the second sync
    target.complete(1);
    await laterDone;
    expect(scheduler.durableGeneration).toBe(5);
  });

  it("under 'manual' syncs only when asked", async () => {
    const target = manualSync();
    const scheduler = new SyncScheduler({ policy: 'manual', sync: target.sync });
    scheduler.written();
    scheduler.written();
    await flush();
    expect(target.calls()).toBe(0);
    const done = scheduler.synced();
    expect(target.calls()).toBe(1);
    target.complete(0);
    await done;
    expect(scheduler.durableGeneration).toBe(2);
  });

  it('under { everyMs } syncs once per interval after a write, and never while idle', async () => {
    const target = manualSync();
    const scheduler = new SyncScheduler({ policy: { everyMs: 1 }, sync: target.sync });
    await flush();
    expect(target.calls()).toBe(0);
    const generation = scheduler.written();
    const done = scheduler.synced(generation);
    await new Promise<void>((resolve) => {
      const poll = (): void => (target.calls() === 1 ? resolve() : void setImmediate(poll));
      poll();
    });
    target.complete(0);
    await done;
    expect(scheduler.durableGeneration).toBe(generation);
  });

  it('reports a failed sync to every waiter, and to every later caller', async () => {
    const target = manualSync();
    const errors: unknown[] = [];
    const scheduler = new SyncScheduler({
      policy: 'each',
      sync: target.sync,
      onError: (error) => errors.push(error),
    });
    const waiting = [scheduler.synced(scheduler.written()), scheduler.synced(scheduler.written())];
    await flush(); // the sync starts at the end of the writing turn
    target.fail(
      0,
      Object.assign(new Error('fdatasync failed: EIO'), {
        code: 'EIO',
        errno: 5,
        syscall: 'fdatasync',
      }),
    );
    for (const promise of waiting) await expect(promise).rejects.toBeInstanceOf(IoError);
    expect(errors).toHaveLength(1);
    expect(() => scheduler.written()).toThrow(IoError);
    await expect(scheduler.synced()).rejects.toThrow(/may not be durable/);
  });

  it('syncs what was written at close, then refuses writes', async () => {
    const target = manualSync();
    const scheduler = new SyncScheduler({ policy: 'manual', sync: target.sync });
    scheduler.written();
    const closing = scheduler.close();
    target.complete(0);
    await closing;
    expect(scheduler.durableGeneration).toBe(1);
    expect(() => scheduler.written()).toThrow(ClosedError);
    await scheduler.close(); // idempotent
  });

  it("does not sync at close under 'none'", async () => {
    const target = manualSync();
    const scheduler = new SyncScheduler({ policy: 'none', sync: target.sync });
    scheduler.written();
    await scheduler.close();
    expect(target.calls()).toBe(0);
  });

  it('under { everyMs } a close while a sync runs still syncs what was written meanwhile', async () => {
    const target = manualSync();
    const scheduler = new SyncScheduler({ policy: { everyMs: 60_000 }, sync: target.sync });
    scheduler.written();
    const first = scheduler.sync();
    expect(target.calls()).toBe(1);
    const second = scheduler.written();
    const closing = scheduler.close();
    target.complete(0);
    await first;
    await flush();
    expect(target.calls()).toBe(2); // the final sync for the write made during the first
    target.complete(1);
    await closing;
    expect(scheduler.durableGeneration).toBe(second);
  });

  it('under { everyMs } a sync() while a sync runs starts the next one as soon as it ends', async () => {
    const target = manualSync();
    const scheduler = new SyncScheduler({ policy: { everyMs: 60_000 }, sync: target.sync });
    scheduler.written();
    const first = scheduler.sync();
    scheduler.written();
    const now = scheduler.sync();
    target.complete(0);
    await first;
    await flush();
    expect(target.calls()).toBe(2); // not after the 60 s interval
    target.complete(1);
    await now;
    expect(scheduler.durableGeneration).toBe(2);
  });

  it('close() after a failed sync rejects with that failure', async () => {
    const target = manualSync();
    const scheduler = new SyncScheduler({ policy: 'each', sync: target.sync });
    const waiting = scheduler.synced(scheduler.written());
    await flush();
    target.fail(
      0,
      Object.assign(new Error('EIO'), { code: 'EIO', errno: 5, syscall: 'fdatasync' }),
    );
    await expect(waiting).rejects.toBeInstanceOf(IoError);
    await expect(scheduler.close()).rejects.toBeInstanceOf(IoError);
  });

  it.each([5, -1, 1.5, Number.NaN])(
    'synced(%s) beyond what was written rejects (never throws) with a coded error',
    async (generation) => {
      const scheduler = new SyncScheduler({ policy: 'manual', sync: () => Promise.resolve() });
      scheduler.written();
      let pending: Promise<void> | undefined;
      expect(() => (pending = scheduler.synced(generation))).not.toThrow();
      await expect(pending).rejects.toThrow(InvalidArgumentError);
      await expect(scheduler.synced(generation)).rejects.toThrow(/generation/);
    },
  );

  it('validates the policy', () => {
    expect(
      () => new SyncScheduler({ policy: { everyMs: 0 }, sync: () => Promise.resolve() }),
    ).toThrow(InvalidOptionError);
    expect(
      () => new SyncScheduler({ policy: 'sometimes' as 'each', sync: () => Promise.resolve() }),
    ).toThrow(InvalidOptionError);
    expect(
      new SyncScheduler({
        policy: { everyMs: '200ms' as unknown as number },
        sync: () => Promise.resolve(),
      }).policy,
    ).toEqual({
      everyMs: 200,
    });
  });
});
