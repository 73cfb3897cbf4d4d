import { AssertionError } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromArray, replayFixture, UPDATE_VARIABLE } from '@annal/replay';
import { temporaryDirectory } from '@annal/test-utils';

const orders = [
  { at: Date.UTC(2026, 11, 1, 9, 0, 0), id: 'a', qty: 5 },
  { at: Date.UTC(2026, 11, 1, 9, 0, 1), id: 'b', qty: 50 },
  { at: Date.UTC(2026, 11, 1, 9, 0, 2), id: 'c', qty: 7 },
  { at: Date.UTC(2026, 11, 1, 9, 0, 3), id: 'd', qty: 500 },
];
const source = () => fromArray(orders, { name: 'orders', timestamp: (order) => order.at });
const route = (limit: number) => (record: { value: (typeof orders)[number] }) =>
  record.value.qty > limit ? 'review' : 'auto';

// The tests set these variables themselves: the suite must behave the same on a developer's
// machine and under a CI that exports CI=true.
const ambient = { update: process.env[UPDATE_VARIABLE], ci: process.env['CI'] };
beforeEach(() => {
  delete process.env['ANNAL_REPLAY_UPDATE'];
  delete process.env['CI'];
});
afterEach(() => {
  if (ambient.update === undefined) delete process.env['ANNAL_REPLAY_UPDATE'];
  else process.env['ANNAL_REPLAY_UPDATE'] = ambient.update;
  if (ambient.ci === undefined) delete process.env['CI'];
  else process.env['CI'] = ambient.ci;
});

describe('replayFixture', () => {
  it('records on the first run, then matches', async () => {
    const directory = join(temporaryDirectory(), 'routing');
    expect(await replayFixture(directory, source(), route(100))).toMatchObject({
      outcome: 'recorded',
      calls: 4,
    });
    expect(JSON.parse(readFileSync(join(directory, 'fixture.json'), 'utf8'))).toEqual({
      format: 'annal-replay-fixture',
      version: 1,
      calls: 4,
    });
    const lines = readFileSync(join(directory, 'calls.jsonl'), 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[3] as string)).toMatchObject({
      call: 3,
      stream: 'orders',
      index: 3,
      emitted: ['review'],
    });
    expect(await replayFixture(directory, source(), route(100))).toMatchObject({
      outcome: 'matched',
      calls: 4,
    });
  });

  it('fails at the first differing call, naming it, with expected and actual', async () => {
    const directory = join(temporaryDirectory(), 'routing');
    await replayFixture(directory, source(), route(100));
    let failure: unknown;
    try {
      await replayFixture(directory, source(), route(10)); // record 1 (qty 50) now goes to review
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(AssertionError);
    const message = (failure as AssertionError).message;
    expect(message).toContain('at call 1: stream "orders" index 1, timestamp');
    expect(message).toContain('2026-12-01T09:00:01.000Z');
    expect(message).toMatch(/'auto'/);
    expect(message).toMatch(/'review'/);
  });

  it('fails when the replay has fewer calls than the fixture', async () => {
    const directory = join(temporaryDirectory(), 'routing');
    await replayFixture(directory, source(), route(100));
    await expect(
      replayFixture(
        directory,
        fromArray(orders.slice(0, 3), { name: 'orders', timestamp: (o) => o.at }),
        route(100),
      ),
    ).rejects.toThrow(/made 3 calls, the fixture has 4/);
  });

  it(`writes the fixture again under ${UPDATE_VARIABLE}=1, and never records under CI=true`, async () => {
    const directory = join(temporaryDirectory(), 'routing');
    await replayFixture(directory, source(), route(100));
    process.env[UPDATE_VARIABLE] = '1';
    expect(await replayFixture(directory, source(), route(10))).toMatchObject({
      outcome: 'recorded',
    });
    delete process.env['ANNAL_REPLAY_UPDATE'];
    expect(await replayFixture(directory, source(), route(10))).toMatchObject({
      outcome: 'matched',
    });

    process.env['CI'] = 'true';
    await expect(
      replayFixture(join(temporaryDirectory(), 'missing'), source(), route(10)),
    ).rejects.toThrow(/missing; record it with ANNAL_REPLAY_UPDATE=1/);
  });

  it('writes under update: true even with CI=true, and compares under update: false even with ANNAL_REPLAY_UPDATE=1', async () => {
    process.env['CI'] = 'true';
    const directory = join(temporaryDirectory(), 'routing');
    expect(await replayFixture(directory, source(), route(100), { update: true })).toMatchObject({
      outcome: 'recorded',
      calls: 4,
    });
    expect(await replayFixture(directory, source(), route(100))).toMatchObject({
      outcome: 'matched',
    });
    process.env[UPDATE_VARIABLE] = '1';
    await expect(replayFixture(directory, source(), route(10), { update: false })).rejects.toThrow(
      /diverged/,
    );
  });

  it('refuses an update or received option that is not a boolean', async () => {
    const directory = join(temporaryDirectory(), 'routing');
    for (const options of [{ update: 'yes' }, { received: 1 }]) {
      await expect(
        replayFixture(directory, source(), route(100), options as never),
      ).rejects.toMatchObject({
        code: 'ERR_ANNAL_INVALID_OPTION',
        field: Object.keys(options)[0],
      });
    }
  });

  it('stores bytes as text when they are text, else as base64, and emit() outputs in order', async () => {
    const directory = join(temporaryDirectory(), 'bytes');
    const values = [new TextEncoder().encode('hello'), new Uint8Array([0, 255, 1])];
    await replayFixture(directory, fromArray(values), (record, { emit }) => {
      emit(record.value.length);
      emit({ first: record.value[0] });
    });
    const calls = readFileSync(join(directory, 'calls.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(calls[0]).toMatchObject({
      received: { $text: 'hello' },
      emitted: [5, { first: 104 }],
      timestamp: null,
    });
    expect(calls[1]).toMatchObject({ received: { $base64: 'AP8B' }, emitted: [3, { first: 0 }] });
  });
});
