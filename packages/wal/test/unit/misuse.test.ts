/**
 * Every exported function and method of @annal/wal called wrongly: wrong types, negative,
 * fractional, huge and NaN numbers, closed objects and aborted signals. Each call must refuse
 * with an AnnalError of the expected code naming the argument (`field`), and a method that
 * returns a Promise must reject, never throw.
 */
import { AnnalError } from '@annal/native';
import type { EventLog, WalReader } from '@annal/wal';
import { Wal, parseWalOptions } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { afterAll, describe, expect, it } from 'vitest';

interface Fixture {
  readonly wal: Wal;
  readonly reader: WalReader;
  readonly events: EventLog;
}

interface Row {
  /** What is called, as the test's name shows it. */
  readonly call: string;
  readonly run: (fixture: Fixture) => unknown;
  readonly code: string;
  /** The argument the error must name (undefined: any or none). */
  readonly field?: string;
  /** The method returns a Promise: it must reject, not throw. */
  readonly async?: boolean;
}

const NOT_INDEXES: readonly unknown[] = [
  -1,
  1.5,
  Number.NaN,
  Infinity,
  2 ** 53,
  '1',
  null,
  undefined,
  1n,
];
const NOT_COUNTS: readonly unknown[] = [0, -1, 1.5, Number.NaN, 2 ** 53, '10', null];
const NOT_TOPICS: readonly unknown[] = ['', 1, null, undefined, {}, 'nul\u0000', 'x'.repeat(300)];
const NOT_PAYLOADS: readonly unknown[] = [
  'hello',
  { length: 3 },
  new Float64Array([1.5]),
  new Uint16Array(2),
  new ArrayBuffer(4),
  [1, 2, 3],
  null,
  undefined,
  7,
];
const show = (value: unknown): string => {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 12));
  if (value instanceof Uint8Array || ArrayBuffer.isView(value)) return value.constructor.name;
  if (value instanceof ArrayBuffer) return 'ArrayBuffer';
  return JSON.stringify(value) ?? String(value);
};

const INVALID = 'ERR_ANNAL_INVALID_ARGUMENT';
const CLOSED = 'ERR_ANNAL_CLOSED';
const payload = new Uint8Array([1]);

const rows: Row[] = [
  // Wal.open
  ...['', 1, null, undefined, {}, ['/tmp']].map((directory): Row => ({
    call: `Wal.open(${show(directory)})`,
    run: () => Wal.open(directory as never),
    code: INVALID,
    field: 'directory',
  })),
  ...[
    ['fast', 'options'],
    [{ segmentBytes: -1 }, 'segmentBytes'],
    [{ segmentBytes: 1.5 }, 'segmentBytes'],
    [{ segmentBytes: Number.NaN }, 'segmentBytes'],
    [{ segmentBytes: 2 ** 53 }, 'segmentBytes'],
    [{ maxPayloadBytes: 0 }, 'maxPayloadBytes'],
    [{ maxBatchRecords: 1.5 }, 'maxBatchRecords'],
    [{ sync: { everyMs: -5 } }, 'sync'],
    [{ sync: 'always' }, 'sync'],
    [{ retention: { maxAgeMs: Number.NaN } }, 'retention.maxAgeMs'],
    [{ quiet: 'yes' }, 'quiet'],
    [{ dir: '/tmp' }, 'dir'],
  ].map(([options, field]): Row => ({
    call: `Wal.open(dir, ${show(options)})`,
    run: () => Wal.open(temporaryDirectory(), options as never),
    code: 'ERR_ANNAL_INVALID_OPTION',
    field: field as string,
  })),
  ...[1, 'x', null].map((environment): Row => ({
    call: `parseWalOptions({}, ${show(environment)})`,
    run: () => parseWalOptions({}, { ANNAL_QUIET: String(environment) + '?' }),
    code: 'ERR_ANNAL_INVALID_OPTION',
    field: 'ANNAL_QUIET',
  })),
  // appends
  ...NOT_TOPICS.flatMap((topic): Row[] => [
    {
      call: `appendSync(${show(topic)})`,
      run: ({ wal }) => wal.appendSync(topic as never, payload),
      code: INVALID,
      field: 'topic',
    },
    {
      call: `append(${show(topic)})`,
      run: ({ wal }) => wal.append(topic as never, payload),
      code: INVALID,
      field: 'topic',
      async: true,
    },
    {
      call: `appendBatchSync(${show(topic)})`,
      run: ({ wal }) => wal.appendBatchSync(topic as never, [payload]),
      code: INVALID,
      field: 'topic',
    },
    {
      call: `appendBatch(${show(topic)})`,
      run: ({ wal }) => wal.appendBatch(topic as never, [payload]),
      code: INVALID,
      field: 'topic',
      async: true,
    },
    {
      call: `lastIndex(${show(topic)})`,
      run: ({ wal }) => wal.lastIndex(topic as never),
      code: INVALID,
      field: 'topic',
    },
    {
      call: `readFrom(${show(topic)})`,
      run: ({ wal }) => wal.readFrom(topic as never, 0),
      code: INVALID,
      field: 'topic',
    },
    {
      call: `reader(${show(topic)})`,
      run: ({ wal }) => wal.reader(topic as never),
      code: INVALID,
      field: 'topic',
    },
    {
      call: `readerNames(${show(topic)})`,
      run: ({ wal }) => wal.readerNames(topic as never),
      code: INVALID,
      field: 'topic',
    },
    {
      call: `events(${show(topic)})`,
      run: ({ wal }) => wal.events(topic as never),
      code: INVALID,
      field: 'topic',
    },
    ...(topic === undefined
      ? []
      : [
          {
            call: `retain(${show(topic)})`,
            run: ({ wal }: Fixture) => wal.retain(topic as never),
            code: INVALID,
            field: 'topic',
            async: true,
          },
        ]),
  ]),
  ...NOT_PAYLOADS.flatMap((bad): Row[] => [
    {
      call: `appendSync(t, ${show(bad)})`,
      run: ({ wal }) => wal.appendSync('t', bad as never),
      code: INVALID,
      field: 'payload',
    },
    {
      call: `append(t, ${show(bad)})`,
      run: ({ wal }) => wal.append('t', bad as never),
      code: INVALID,
      field: 'payload',
      async: true,
    },
    {
      call: `appendBatchSync(t, [${show(bad)}])`,
      run: ({ wal }) => wal.appendBatchSync('t', [bad as never]),
      code: INVALID,
      field: 'payloads[0]',
    },
    {
      call: `appendBatch(t, [${show(bad)}])`,
      run: ({ wal }) => wal.appendBatch('t', [payload, bad as never]),
      code: INVALID,
      field: 'payloads[1]',
      async: true,
    },
  ]),
  ...['x', null, undefined, {}, payload].map((bad): Row => ({
    call: `appendBatchSync(t, ${show(bad)})`,
    run: ({ wal }) => wal.appendBatchSync('t', bad as never),
    code: INVALID,
    field: 'payloads',
  })),
  {
    call: 'appendSync(t, 65 KiB)',
    run: ({ wal }) => wal.appendSync('t', new Uint8Array(65 * 1024)),
    code: 'ERR_ANNAL_TOO_LARGE',
    field: 'payload',
  },
  {
    call: 'appendBatchSync(t, 11 records)',
    run: ({ wal }) =>
      wal.appendBatchSync(
        't',
        Array.from({ length: 11 }, () => payload),
      ),
    code: 'ERR_ANNAL_TOO_LARGE',
    field: 'payloads',
  },
  // stateless reads
  ...NOT_INDEXES.map((index): Row => ({
    call: `readFrom(t, ${show(index)})`,
    run: ({ wal }) => wal.readFrom('t', index as never),
    code: INVALID,
    field: 'index',
  })),
  ...NOT_COUNTS.map((count): Row => ({
    call: `readFrom(t, 0, { maxRecords: ${show(count)} })`,
    run: ({ wal }) => wal.readFrom('t', 0, { maxRecords: count as never }),
    code: INVALID,
    field: 'maxRecords',
  })),
  ...[-1, 1.5, Number.NaN, 2 ** 53, 'all'].map((bytes): Row => ({
    call: `readFrom(t, 0, { maxBytes: ${show(bytes)} })`,
    run: ({ wal }) => wal.readFrom('t', 0, { maxBytes: bytes as never }),
    code: INVALID,
    field: 'maxBytes',
  })),
  ...['x', null, 5].map((limits): Row => ({
    call: `readFrom(t, 0, ${show(limits)})`,
    run: ({ wal }) => wal.readFrom('t', 0, limits as never),
    code: INVALID,
    field: 'limits',
  })),
  // readers
  ...['x', null, 5, ['r']].map((options): Row => ({
    call: `reader(t, ${show(options)})`,
    run: ({ wal }) => wal.reader('t', options as never),
    code: INVALID,
    field: 'options',
  })),
  ...['', 5, null, 'r'.repeat(89), 'a\nb'].map((name): Row => ({
    call: `reader(t, { name: ${show(name)} })`,
    run: ({ wal }) => wal.reader('t', { name: name as never }),
    code: INVALID,
    field: 'name',
  })),
  {
    call: 'reader(t, { name: open })',
    run: ({ wal }) => wal.reader('t', { name: 'open' }),
    code: 'ERR_ANNAL_LOCKED',
    field: 'name',
  },
  ...NOT_INDEXES.map((index): Row => ({
    call: `reader.seek(${show(index)})`,
    run: ({ reader }) => reader.seek(index as never),
    code: INVALID,
    field: 'index',
  })),
  ...['x', null, undefined, 5, {}].map((handler): Row => ({
    call: `reader.poll(${show(handler)})`,
    run: ({ reader }) => reader.poll(handler as never),
    code: INVALID,
    field: 'handler',
  })),
  ...NOT_COUNTS.map((limit): Row => ({
    call: `reader.poll(f, ${show(limit)})`,
    run: ({ reader }) => reader.poll(() => undefined, limit as never),
    code: INVALID,
    field: 'limit',
  })),
  ...['x', null, 5].map((options): Row => ({
    call: `reader.follow(${show(options)})`,
    run: ({ reader }) => reader.follow(options as never),
    code: INVALID,
    field: 'options',
  })),
  ...['x', {}, 5, new AbortController()].map((signal): Row => ({
    call: `reader.follow({ signal: ${show(signal)} })`,
    run: ({ reader }) => reader.follow({ signal: signal as never }),
    code: INVALID,
    field: 'signal',
  })),
  // events
  ...[-1, 1.5, Number.NaN, 65_536, 2 ** 53, '1', null].map((partition): Row => ({
    call: `events(t, ${show(partition)})`,
    run: ({ wal }) => wal.events('t', partition as never),
    code: INVALID,
    field: 'partition',
  })),
  ...NOT_INDEXES.map((index): Row => ({
    call: `events.readFrom(${show(index)}, 1)`,
    run: ({ events }) => events.readFrom(index as never, 1),
    code: INVALID,
    field: 'index',
  })),
  ...[...NOT_COUNTS, Infinity].map((limit): Row => ({
    call: `events.readFrom(0, ${show(limit)})`,
    run: ({ events }) => events.readFrom(0, limit as never),
    code: INVALID,
    field: 'limit',
  })),
  ...[null, 'x', 5, undefined].map((input): Row => ({
    call: `events.appendSync(${show(input)})`,
    run: ({ events }) => events.appendSync(input as never),
    code: INVALID,
    field: 'event',
  })),
  ...[null, 'x'].map((input): Row => ({
    call: `events.append(${show(input)})`,
    run: ({ events }) => events.append(input as never),
    code: INVALID,
    field: 'event',
    async: true,
  })),
  {
    call: 'events.appendSync({ type: "" })',
    run: ({ events }) => events.appendSync({ type: '', data: { json: 1 } }),
    code: INVALID,
    field: 'type',
  },
  {
    call: 'events.appendSync({ data: { json: NaN } })',
    run: ({ events }) => events.appendSync({ type: 't', data: { json: Number.NaN } }),
    code: INVALID,
    field: 'data.json',
  },
  {
    call: 'events.appendSync({ timestamp: NaN })',
    run: ({ events }) => events.appendSync({ type: 't', data: { json: 1 }, timestamp: Number.NaN }),
    code: INVALID,
    field: 'timestamp',
  },
];

/** Calls run after the fixture's wal is closed: every one is ERR_ANNAL_CLOSED. */
const closedRows: Row[] = [
  { call: 'appendSync', run: ({ wal }) => wal.appendSync('t', payload), code: CLOSED },
  { call: 'append', run: ({ wal }) => wal.append('t', payload), code: CLOSED, async: true },
  { call: 'appendBatchSync', run: ({ wal }) => wal.appendBatchSync('t', [payload]), code: CLOSED },
  {
    call: 'appendBatch',
    run: ({ wal }) => wal.appendBatch('t', [payload]),
    code: CLOSED,
    async: true,
  },
  { call: 'sync', run: ({ wal }) => wal.sync(), code: CLOSED, async: true },
  { call: 'syncSync', run: ({ wal }) => wal.syncSync(), code: CLOSED },
  { call: 'lastIndex', run: ({ wal }) => wal.lastIndex('t'), code: CLOSED },
  { call: 'readFrom', run: ({ wal }) => wal.readFrom('t', 0), code: CLOSED },
  { call: 'reader', run: ({ wal }) => wal.reader('t'), code: CLOSED },
  { call: 'readerNames', run: ({ wal }) => wal.readerNames('t'), code: CLOSED },
  { call: 'events', run: ({ wal }) => wal.events('t', 1), code: CLOSED },
  { call: 'retain', run: ({ wal }) => wal.retain(), code: CLOSED, async: true },
  { call: 'reader.next', run: ({ reader }) => reader.next(), code: CLOSED },
  { call: 'reader.peek', run: ({ reader }) => reader.peek(), code: CLOSED },
  { call: 'reader.poll', run: ({ reader }) => reader.poll(() => undefined), code: CLOSED },
  { call: 'reader.seek', run: ({ reader }) => reader.seek(0), code: CLOSED },
  { call: 'reader.toStart', run: ({ reader }) => reader.toStart(), code: CLOSED },
  { call: 'reader.toEnd', run: ({ reader }) => reader.toEnd(), code: CLOSED },
  { call: 'reader.follow', run: ({ reader }) => reader.follow(), code: CLOSED },
  {
    call: 'events.appendSync',
    run: ({ events }) => events.appendSync({ type: 't', data: { json: 1 } }),
    code: CLOSED,
  },
  {
    call: 'events.append',
    run: ({ events }) => events.append({ type: 't', data: { json: 1 } }),
    code: CLOSED,
    async: true,
  },
  { call: 'events.readFrom', run: ({ events }) => events.readFrom(0, 1), code: CLOSED },
  { call: 'events.lastIndex', run: ({ events }) => events.lastIndex(), code: CLOSED },
  { call: 'events.sync', run: ({ events }) => events.sync(), code: CLOSED, async: true },
  { call: 'events.syncSync', run: ({ events }) => events.syncSync(), code: CLOSED },
];

/** What a call did: threw synchronously, rejected, or returned. */
async function outcome(run: () => unknown): Promise<{ error: unknown; sync: boolean }> {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    return { error, sync: true };
  }
  if (result instanceof Promise) {
    try {
      await result;
    } catch (error) {
      return { error, sync: false };
    }
  }
  return { error: undefined, sync: false };
}

function openFixture(): Fixture {
  const wal = Wal.open(temporaryDirectory(), {
    segmentBytes: '1 MiB',
    maxPayloadBytes: '64 KiB',
    maxBatchRecords: 10,
    sync: 'none',
  });
  wal.appendSync('t', payload);
  wal.reader('t', { name: 'open' });
  return { wal, reader: wal.reader('t', { name: 'r' }), events: wal.events('t', 0) };
}

function check(row: Row, error: unknown, sync: boolean): void {
  expect(error, `${row.call} did not refuse`).toBeDefined();
  expect(AnnalError.isInstance(error), `${row.call} threw ${String(error)}`).toBe(true);
  expect(error).toMatchObject({
    code: row.code,
    ...(row.field === undefined ? {} : { field: row.field }),
  });
  if (row.async === true) expect(sync, `${row.call} threw instead of rejecting`).toBe(false);
}

describe('misuse of every public call is a coded error naming the argument', () => {
  const open = openFixture();
  afterAll(() => open.wal.closeSync());

  it.each(rows.map((row) => [row.call, row] as const))('%s', async (_, row) => {
    const { error, sync } = await outcome(() => row.run(open));
    check(row, error, sync);
  });

  it.each(closedRows.map((row) => [row.call, row] as const))('%s after close', async (_, row) => {
    const fixture = openFixture();
    await fixture.wal.close();
    const { error, sync } = await outcome(() => row.run(fixture));
    check(row, error, sync);
    // Closing again is a no-op, whichever way.
    await fixture.wal.close();
    fixture.wal.closeSync();
    fixture.reader.close();
  });

  it('ends a follow quietly for an aborted signal, and refuses nothing else', async () => {
    const reader = open.wal.reader('t');
    const seen: number[] = [];
    for await (const record of reader.follow({ signal: AbortSignal.abort() }))
      seen.push(record.index);
    expect(seen).toEqual([]);
    expect(reader.poll(() => undefined, Infinity)).toBe(1);
    reader.close();
    reader.close();
    expect(() => reader.next()).toThrow(expect.objectContaining({ code: CLOSED, field: 'reader' }));
  });
});
