import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  DeciderSpecification,
  eventsOf,
  fromArray,
  merge,
  project,
  replay,
  replayFixture,
  startReplay,
  VirtualClock,
} from '@annal/replay';
import { temporaryDirectory } from '@annal/test-utils';

interface Tick {
  readonly at: number;
  readonly kind: string;
}

const ticks = (...ats: number[]): Tick[] => ats.map((at, k) => ({ at, kind: k % 2 ? 'b' : 'a' }));
const stamped = (values: Tick[]) =>
  fromArray(values, { timestamp: (tick) => tick.at, type: (tick) => tick.kind });

describe('replay', () => {
  it('delivers every record in order, with the clock at each record’s timestamp', async () => {
    const seen: string[] = [];
    const summary = await replay(stamped(ticks(1000, 2000, 2000, 5000)), (record, context) => {
      seen.push(`${record.index}@${context.clock.now()}#${context.delivered}`);
    });
    expect(seen).toEqual(['0@1000#0', '1@2000#1', '2@2000#2', '3@5000#3']);
    expect(summary).toMatchObject({
      delivered: 4,
      skipped: 0,
      firstTimestamp: 1000,
      lastTimestamp: 5000,
      lastStream: 'array',
      lastIndex: 3,
    });
  });

  it('fires timers at their recorded instants, in order, before a record at the same time', async () => {
    const log: string[] = [];
    await replay(stamped(ticks(0, 1000, 3000, 10_000)), (record, { clock }) => {
      log.push(`record ${record.index} at ${clock.now()}`);
      if (record.index === 0) {
        clock.setTimeout(() => log.push(`timeout A at ${clock.now()}`), 2500);
        clock.setTimeout(() => log.push(`timeout B at ${clock.now()}`), 1000);
        const interval = clock.setInterval(() => {
          log.push(`interval at ${clock.now()}`);
          if (clock.now() >= 6000) clock.clearInterval(interval);
        }, 3000);
      }
      if (record.index === 1) {
        // a timer set by a timer fires in the same pass when it is due
        clock.setTimeout(() => {
          log.push(`outer at ${clock.now()}`);
          clock.setTimeout(() => log.push(`inner at ${clock.now()}`), 500);
        }, 1000);
      }
    });
    expect(log).toEqual([
      'record 0 at 0',
      'timeout B at 1000',
      'record 1 at 1000',
      'outer at 2000',
      'timeout A at 2500',
      'inner at 2500',
      'interval at 3000',
      'record 2 at 3000',
      'interval at 6000',
      'record 3 at 10000',
    ]);
  });

  it('leaves timers due after the last record pending, unless until says how far to go', async () => {
    const fired: number[] = [];
    const handler = (_: unknown, { clock }: { clock: VirtualClock }) => {
      clock.setTimeout(() => fired.push(clock.now()), 60_000);
    };
    const summary = await replay(stamped(ticks(0)), handler);
    expect(fired).toEqual([]);
    expect(summary.clock.pendingTimers()).toBe(1);
    summary.clock.advanceTo(60_000);
    expect(fired).toEqual([60_000]);

    await replay(stamped(ticks(0)), handler, { until: 120_000 });
    expect(fired).toEqual([60_000, 60_000]);
  });

  it('never moves the clock back for a record stamped earlier', async () => {
    const nows: number[] = [];
    await replay(stamped(ticks(5000, 3000, 6000)), (_, { clock }) => {
      nows.push(clock.now());
    });
    expect(nows).toEqual([5000, 5000, 6000]);
  });

  it('leaves the clock alone for records without timestamps', async () => {
    const clock = new VirtualClock({ start: 42 });
    const nows: number[] = [];
    await replay(fromArray(['a', 'b']), (_, context) => void nows.push(context.clock.now()), {
      clock,
    });
    expect(nows).toEqual([42, 42]);
  });

  it('filters by time, type, stream and predicate, and counts what it skipped', async () => {
    const indexes: number[] = [];
    const summary = await replay(
      stamped(ticks(0, 1000, 2000, 3000, 4000, 5000)),
      (record) => void indexes.push(record.index),
      { fromTime: 1000, toTime: 4000, types: ['a'], filter: (record) => record.index !== 4 },
    );
    expect(indexes).toEqual([2]);
    expect(summary.skipped).toBe(5);
    const none = await replay(stamped(ticks(0)), () => undefined, { streams: ['other'] });
    expect(none.delivered).toBe(0);
  });

  it('awaits an async handler before the next record', async () => {
    const log: string[] = [];
    await replay(fromArray([1, 2, 3]), async (record) => {
      log.push(`start ${record.value}`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`end ${record.value}`);
    });
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('rejects with the handler’s error and closes the source', async () => {
    let closed = false;
    const source = fromArray([1, 2, 3]);
    const close = source.close.bind(source);
    const tracked = {
      ...source,
      name: source.name,
      next: () => source.next(),
      close: () => ((closed = true), close()),
    };
    const failure = new Error('boom');
    await expect(
      replay(tracked, (record) => {
        if (record.value === 2) throw failure;
      }),
    ).rejects.toBe(failure);
    expect(closed).toBe(true);
  });

  it('stops with ERR_ANNAL_ABORTED when its signal aborts mid-replay', async () => {
    const controller = new AbortController();
    const values = Array.from({ length: 100_000 }, (_, k) => k);
    let delivered = 0;
    const outcome = replay(
      fromArray(values),
      (record) => {
        delivered++;
        if (record.value === 50_000) controller.abort(new Error('enough'));
      },
      { signal: controller.signal },
    );
    await expect(outcome).rejects.toMatchObject({
      code: 'ERR_ANNAL_ABORTED',
      cause: { message: 'enough' },
    });
    expect(delivered).toBe(50_001);
    await expect(
      replay(fromArray([1]), () => undefined, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'ERR_ANNAL_ABORTED' });
  });

  it('pauses, steps and resumes for tools', async () => {
    const seen: number[] = [];
    const session = startReplay(
      fromArray([0, 1, 2, 3, 4, 5]),
      (record) => void seen.push(record.value),
      {
        paused: true,
      },
    );
    expect(session.paused).toBe(true);
    await session.step();
    expect(seen).toEqual([0]);
    await session.step(2);
    expect(seen).toEqual([0, 1, 2]);
    expect(session.delivered).toBe(3);
    session.resume();
    const summary = await session.done;
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(summary.delivered).toBe(6);
    await session.step(); // after the end: resolves at once
  });

  it('reports progress every progressEvery records and at the end', async () => {
    const progress: number[] = [];
    await replay(fromArray(Array.from({ length: 25 }, (_, k) => k)), () => undefined, {
      progressEvery: 10,
      onProgress: (p) => progress.push(p.delivered),
    });
    expect(progress).toEqual([10, 20, 25]);
  });

  it('paces records at their recorded spacing when asked (speed)', async () => {
    // No timing is asserted: only that pacing delivers everything, in order.
    const seen: number[] = [];
    await replay(stamped(ticks(0, 5, 10)), (record) => void seen.push(record.index), {
      speed: 100,
    });
    expect(seen).toEqual([0, 1, 2]);
  });

  it('fakes Date and the global timers for the replay only, with fakeGlobals', async () => {
    const realDateNow = Date.now;
    const log: string[] = [];
    await replay(
      stamped(ticks(1_000_000, 1_002_000)),
      (record) => {
        log.push(`record ${record.index} Date.now=${Date.now()} new Date=${new Date().getTime()}`);
        if (record.index === 0) setTimeout(() => log.push(`global timeout at ${Date.now()}`), 1500);
      },
      { fakeGlobals: true },
    );
    expect(log).toEqual([
      'record 0 Date.now=1000000 new Date=1000000',
      'global timeout at 1001500',
      'record 1 Date.now=1002000 new Date=1002000',
    ]);
    expect(Date.now).toBe(realDateNow);
    expect(Date.now()).toBeGreaterThan(1_600_000_000_000);
  });
});

type MisuseCase = [string, unknown, unknown, unknown, string, string];

describe('replay refuses what it cannot use, with coded errors', () => {
  it.each<MisuseCase>([
    [
      'a source that is not one',
      null,
      () => undefined,
      undefined,
      'ERR_ANNAL_INVALID_ARGUMENT',
      'source',
    ],
    [
      'a handler that is not a function',
      fromArray([]),
      'nope',
      undefined,
      'ERR_ANNAL_INVALID_ARGUMENT',
      'handler',
    ],
    [
      'an unknown option',
      fromArray([]),
      () => undefined,
      { sped: 2 },
      'ERR_ANNAL_INVALID_OPTION',
      'sped',
    ],
    [
      'a speed of 0',
      fromArray([]),
      () => undefined,
      { speed: 0 },
      'ERR_ANNAL_INVALID_OPTION',
      'speed',
    ],
    [
      'a NaN fromTime',
      fromArray([]),
      () => undefined,
      { fromTime: Number.NaN },
      'ERR_ANNAL_INVALID_OPTION',
      'fromTime',
    ],
    [
      'progressEvery 0',
      fromArray([]),
      () => undefined,
      { progressEvery: 0 },
      'ERR_ANNAL_INVALID_OPTION',
      'progressEvery',
    ],
    [
      'a clock and fakeGlobals',
      fromArray([]),
      () => undefined,
      { clock: new VirtualClock(), fakeGlobals: true },
      'ERR_ANNAL_INVALID_OPTION',
      'fakeGlobals',
    ],
  ])('%s', async (_, source, handler, options, code, field) => {
    await expect(replay(source as never, handler as never, options as never)).rejects.toMatchObject(
      { code, field },
    );
  });

  it('a step count that is not a positive integer', async () => {
    const session = startReplay(fromArray([1]), () => undefined, { paused: true });
    expect(() => session.step(0)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'count' }),
    );
    session.resume();
    await session.done;
  });
});

describe('every function that takes a source, handler or events refuses the wrong kind with a coded error', () => {
  const coded = (field: string): unknown =>
    expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field }) as unknown;

  it('merge, eventsOf, DeciderSpecification, replayFixture and project', async () => {
    expect(() => merge([fromArray([]), {} as never])).toThrow(coded('sources[1]'));
    expect(() => eventsOf(null as never, (r) => r)).toThrow(coded('source'));
    expect(() => eventsOf(fromArray([]), 'map' as never)).toThrow(coded('map'));
    const given = DeciderSpecification.for({
      initialState: () => 0,
      decide: () => [],
      evolve: (s: number) => s,
    });
    expect(() => given(5 as never)).toThrow(coded('events'));
    await expect(replayFixture('./unused', fromArray([]), 'nope' as never)).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_ARGUMENT',
      field: 'handler',
    });
    await expect(
      project(() => ({}) as never, {
        checkpoint: join(temporaryDirectory(), 'c.json'),
        initialState: () => 0,
        evolve: (s: number) => s,
      }),
    ).rejects.toMatchObject({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'open(after)' });
  });
});
