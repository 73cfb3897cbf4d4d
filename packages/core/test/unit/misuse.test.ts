/**
 * Every exported function and method of @annal/core, called the wrong way: wrong types,
 * negative, fractional, huge and NaN numbers, misspelled options, closed objects and aborted
 * signals. Each call must be refused with a coded AnnalError naming the argument — never a
 * plain TypeError, never silently accepted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Channel,
  IndexCodec,
  Queue,
  indexFromBigInt,
  indexToBigInt,
  type Appender,
  type ChannelReader,
  type ChannelWriter,
  type Reader,
} from '@annal/core';
import { AnnalError } from '@annal/native';

/**
 * Small blocks keep the fixtures cheap: TEST_SECONDLY's index pages fit 64 KiB. The clock stands
 * still: on the wall clock a test whose appends straddle a second would roll between them and
 * see indexes of two cycles.
 */
const SMALL = {
  rollCycle: 'TEST_SECONDLY',
  blockBytes: '64 KiB',
  clock: () => Date.UTC(2026, 10, 22),
} as const;

/** Values of the wrong type for an argument that takes a number. */
const NOT_NUMBERS: readonly unknown[] = ['3', null, {}, [3], true, 3n, Symbol('x')];
/** Numbers no count, length or index may be. */
const BAD_NUMBERS: readonly unknown[] = [-1, 1.5, Number.NaN, 2 ** 60, -Infinity];

interface World {
  queue: Queue;
  appender: Appender;
  reader: Reader;
  closedQueue: Queue;
  closedAppender: Appender;
  closedReader: Reader;
  writer: ChannelWriter;
  channelReader: ChannelReader;
  closedWriter: ChannelWriter;
  closedChannelReader: ChannelReader;
  directory: string;
  aborted: AbortSignal;
}

interface Case {
  /** What is called, for the test's name. */
  readonly call: string;
  readonly code: string;
  /** The argument or option the error must name (`field`); omitted for closed objects. */
  readonly field?: string;
  readonly run: (world: World) => unknown;
}

/** One case per wrong value of `values`, for the argument `field`. */
function each(
  call: string,
  field: string,
  values: readonly unknown[],
  run: (world: World, value: never) => unknown,
  code = 'ERR_ANNAL_INVALID_ARGUMENT',
): Case[] {
  return values.map((value) => ({
    call: `${call} with ${field}=${show(value)}`,
    code,
    field,
    run: (world: World) => run(world, value as never),
  }));
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return 'Symbol()';
  if (typeof value === 'number') return String(value);
  if (value instanceof Uint8Array || ArrayBuffer.isView(value)) return value.constructor.name;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

const INVALID_OPTION = 'ERR_ANNAL_INVALID_OPTION';

const cases: Case[] = [
  // ---- Queue.open -------------------------------------------------------------------------
  ...each('Queue.open', 'directory', [42, '', null, {}, 'a\0b'], (_, value) => Queue.open(value)),
  ...each(
    'Queue.open',
    'blockBytes',
    [...BAD_NUMBERS, '64 MB', 'big', 1000, true],
    (world, value) => Queue.open(world.directory, { blockBytes: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'maxPayloadBytes',
    [-1, 1.5, Number.NaN, 2 ** 60, 'x'],
    (world, value) => Queue.open(world.directory, { ...SMALL, maxPayloadBytes: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'epochMs',
    [-1, 1.5, Number.NaN, '0'],
    (world, value) => Queue.open(world.directory, { epochMs: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'indexCount',
    [3, -8, 8.5, Number.NaN, 2 ** 20],
    (world, value) => Queue.open(world.directory, { indexCount: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'indexSpacing',
    [3, -8, 0.5, Number.NaN, 2 ** 20],
    (world, value) => Queue.open(world.directory, { indexSpacing: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'sync',
    ['always', 'fsync', 1, true, { everyMs: -1 }, { everyMs: Number.NaN }, { every: 5 }],
    (world, value) => Queue.open(world.directory, { sync: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'rollCycle',
    ['DAILY', 1, null],
    (world, value) => Queue.open(world.directory, { rollCycle: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'checksums',
    ['crc32', true],
    (world, value) => Queue.open(world.directory, { checksums: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'onCorrupt',
    ['ignore', 1],
    (world, value) => Queue.open(world.directory, { onCorrupt: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'readOnly',
    ['yes', 1],
    (world, value) => Queue.open(world.directory, { readOnly: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'clock',
    [5, 'now'],
    (world, value) => Queue.open(world.directory, { clock: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'onFileAcquired',
    [5],
    (world, value) => Queue.open(world.directory, { onFileAcquired: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Queue.open',
    'blocksize',
    [65536],
    (world, value) => Queue.open(world.directory, { blocksize: value } as never),
    INVALID_OPTION,
  ),

  // ---- queue.appender / reader / deleteCycles ---------------------------------------------
  ...each(
    'queue.appender',
    'shared',
    ['yes', 1],
    (world, value) => world.queue.appender({ shared: value }),
    INVALID_OPTION,
  ),
  ...each(
    'queue.appender',
    'lockTimeoutMs',
    [...BAD_NUMBERS, '5'],
    (world, value) => world.queue.appender({ shared: true, lockTimeoutMs: value }),
    INVALID_OPTION,
  ),
  ...each(
    'queue.appender',
    'share',
    [true],
    (world, value) => world.queue.appender({ share: value } as never),
    INVALID_OPTION,
  ),
  ...each('queue.reader', 'name', [42, '', 'x'.repeat(41), null, {}], (world, value) =>
    world.queue.reader({ name: value }),
  ),
  ...each('queue.reader', 'options', ['reader-a', 42], (world, value) => world.queue.reader(value)),
  ...each(
    'queue.reader',
    'nme',
    ['a'],
    (world, value) => world.queue.reader({ nme: value } as never),
    INVALID_OPTION,
  ),
  // ---- queue.verify / Queue.repair ---------------------------------------------------------
  ...each('queue.verify', 'options', [null, 'all', 3], (world, value) => world.queue.verify(value)),
  ...each('queue.verify', 'maxProblems', [0, ...BAD_NUMBERS, '5', null], (world, value) =>
    world.queue.verify({ maxProblems: value }),
  ),
  ...each('queue.verify', 'onProgress', [5, 'log', null], (world, value) =>
    world.queue.verify({ onProgress: value }),
  ),
  ...each(
    'queue.verify',
    'maxProblem',
    [5],
    (world, value) => world.queue.verify({ maxProblem: value } as never),
    INVALID_OPTION,
  ),
  ...each('Queue.repair', 'directory', [42, '', null, {}, 'a\0b'], (world, value) =>
    Queue.repair(value, { backupDirectory: join(world.directory, 'backup') }),
  ),
  ...each('Queue.repair', 'backupDirectory', [42, '', null, {}, 'a\0b'], (world, value) =>
    Queue.repair(world.directory, { backupDirectory: value }),
  ),
  ...each('Queue.repair', 'options', [null, 'backup', 3], (world, value) =>
    Queue.repair(world.directory, value),
  ),
  ...each(
    'Queue.repair',
    'backup',
    ['b'],
    (world, value) => Queue.repair(world.directory, { backup: value } as never),
    INVALID_OPTION,
  ),
  ...each('queue.deleteCycles', 'options', [undefined, null, 'all', 3], (world, value) =>
    world.queue.deleteCycles(value),
  ),
  ...each('queue.deleteCycles', 'keep', [0, ...BAD_NUMBERS, '1'], (world, value) =>
    world.queue.deleteCycles({ keep: value }),
  ),
  ...each('queue.deleteCycles', 'where', [5, 'all'], (world, value) =>
    world.queue.deleteCycles({ where: value }),
  ),
  ...each(
    'queue.deleteCycles',
    'kep',
    [1],
    (world, value) => world.queue.deleteCycles({ kep: value } as never),
    INVALID_OPTION,
  ),

  // ---- appender ---------------------------------------------------------------------------
  ...each(
    'appender.appendSync',
    'payload',
    [
      'hello',
      { length: 3 },
      new Float64Array([1.5]),
      new Uint16Array(2),
      new DataView(new ArrayBuffer(4)),
      new ArrayBuffer(4),
      [1, 2, 3],
      null,
      undefined,
      5,
    ],
    (world, value) => world.appender.appendSync(value),
  ),
  ...each('appender.append', 'payload', ['hello', { length: 3 }, null], (world, value) =>
    world.appender.append(value),
  ),
  ...each(
    'appender.claim',
    'length',
    [...NOT_NUMBERS, -1, 1.5, Number.NaN, -Infinity, Infinity],
    (world, value) => world.appender.claim(value),
  ),
  ...each(
    'appender.claim',
    'length',
    [2 ** 60, 2 ** 31],
    (world, value) => world.appender.claim(value),
    'ERR_ANNAL_TOO_LARGE',
  ),
  ...each(
    'appender.appendSync',
    'length',
    [new Uint8Array(70_000)],
    (world, value) => world.appender.appendSync(value),
    'ERR_ANNAL_TOO_LARGE',
  ),
  ...each(
    'appender.appendString',
    'text',
    [5, null, Uint8Array.of(1), { toString: () => 'x' }],
    (world, value) => world.appender.appendString(value),
  ),
  ...each('appender.appendJson', 'value', [undefined, () => 1, 1n, cyclic()], (world, value) =>
    world.appender.appendJson(value),
  ),

  // ---- reader -----------------------------------------------------------------------------
  ...each('reader.seek', 'index', [...NOT_NUMBERS, ...BAD_NUMBERS], (world, value) =>
    world.reader.seek(value),
  ),
  ...each('reader.poll', 'handler', [undefined, null, 'f', {}], (world, value) =>
    world.reader.poll(value),
  ),
  ...each('reader.poll', 'limit', [0, ...BAD_NUMBERS, '1', null], (world, value) =>
    world.reader.poll(() => undefined, value),
  ),
  ...each('reader.waitNext', 'timeoutMs', [-1, Number.NaN, '5', null], (world, value) =>
    world.reader.waitNext({ timeoutMs: value }),
  ),
  ...each('reader.waitNext', 'signal', ['abort', {}, 5], (world, value) =>
    world.reader.waitNext({ signal: value }),
  ),
  ...each('reader.waitNext', 'options', ['x', 5], (world, value) => world.reader.waitNext(value)),
  ...each('reader.waitNextSync', 'timeoutMs', [-1, Number.NaN, '5', null], (world, value) =>
    world.reader.waitNextSync({ timeoutMs: value }),
  ),
  ...each('reader.waitNextSync', 'signal', [new AbortController().signal], (world, value) =>
    world.reader.waitNextSync({ signal: value } as never),
  ),
  ...each('reader.waitNextSync', 'options', [5, 'x'], (world, value) =>
    world.reader.waitNextSync(value),
  ),
  ...each('reader.follow', 'signal', ['abort', {}, 5], (world, value) =>
    world.reader.follow({ signal: value }),
  ),
  ...each('reader.follow', 'options', ['x', 5], (world, value) => world.reader.follow(value)),
  ...each('reader.direction', 'direction', ['up', 1, null], (world, value) =>
    world.reader.direction(value),
  ),
  {
    call: 'record.json of a payload that is not JSON',
    code: 'ERR_ANNAL_INVALID_ARGUMENT',
    field: 'payload',
    run: (world) => {
      const reader = world.queue.reader();
      try {
        return reader.next()?.json();
      } finally {
        reader.close();
      }
    },
  },
  ...each('indexCodec.check', 'index', [...NOT_NUMBERS, ...BAD_NUMBERS], (_, value) =>
    new IndexCodec(20).check(value),
  ),
  {
    call: 'reader.waitNext with an aborted signal',
    code: 'ERR_ANNAL_ABORTED',
    field: 'signal',
    run: (world) => world.reader.waitNext({ signal: world.aborted }),
  },

  // ---- index helpers ----------------------------------------------------------------------
  ...each(
    'new IndexCodec',
    'sequenceBits',
    [0, 33, 1.5, Number.NaN, '20'],
    (_, value) => new IndexCodec(value),
  ),
  ...each('indexCodec.compose', 'cycle', [...NOT_NUMBERS, -1, 1.5, Number.NaN], (_, value) =>
    new IndexCodec(20).compose(value, 0),
  ),
  ...each('indexCodec.compose', 'sequence', [...NOT_NUMBERS, -1, 1.5, Number.NaN], (_, value) =>
    new IndexCodec(20).compose(0, value),
  ),
  ...each(
    'indexCodec.compose',
    'sequence',
    [2 ** 20],
    (_, value) => new IndexCodec(20).compose(0, value),
    'ERR_ANNAL_TOO_LARGE',
  ),
  ...each('indexCodec.cycleOf', 'index', [...NOT_NUMBERS, ...BAD_NUMBERS], (_, value) =>
    new IndexCodec(20).cycleOf(value),
  ),
  ...each('indexCodec.sequenceOf', 'index', [...NOT_NUMBERS, ...BAD_NUMBERS], (_, value) =>
    new IndexCodec(20).sequenceOf(value),
  ),
  ...each('indexToBigInt', 'index', [...NOT_NUMBERS, ...BAD_NUMBERS], (_, value) =>
    indexToBigInt(value),
  ),
  ...each('indexFromBigInt', 'value', [-1n, 2n ** 53n, 5, '5', null], (_, value) =>
    indexFromBigInt(value),
  ),

  // ---- channels ---------------------------------------------------------------------------
  ...each('Channel.create', 'path', [42, '', null], (_, value) =>
    Channel.create(value, { capacity: '64 KiB' }),
  ),
  ...each(
    'Channel.create',
    'capacity',
    [...BAD_NUMBERS, 'lots', null],
    (world, value) => Channel.create(join(world.directory, 'c.channel'), { capacity: value }),
    INVALID_OPTION,
  ),
  ...each(
    'Channel.create',
    'maxPayloadBytes',
    [-1, 1.5, Number.NaN, 2 ** 40],
    (world, value) =>
      Channel.create(join(world.directory, 'c.channel'), {
        capacity: '64 KiB',
        maxPayloadBytes: value,
      }),
    INVALID_OPTION,
  ),
  ...each(
    'Channel.create',
    'writerTimeoutMs',
    [-1, Number.NaN, 'soon'],
    (world, value) =>
      Channel.create(join(world.directory, 'c.channel'), {
        capacity: '64 KiB',
        writerTimeoutMs: value,
      }),
    INVALID_OPTION,
  ),
  ...each(
    'Channel.create',
    'checksums',
    ['crc32'],
    (world, value) =>
      Channel.create(join(world.directory, 'c.channel'), { capacity: '64 KiB', checksums: value }),
    INVALID_OPTION,
  ),
  ...each('Channel.open', 'path', [42, '', null], (_, value) => Channel.open(value)),
  ...each(
    'Channel.open',
    'path',
    ['/nonexistent/annal.channel'],
    (_, value) => Channel.open(value),
    'ERR_ANNAL_NOT_FOUND',
  ),
  ...each(
    'channelWriter.write',
    'payload',
    ['hello', { length: 3 }, new Float64Array(1), null],
    (world, value) => world.writer.write(value),
  ),
  ...each('channelReader.status', 'nowMs', ['now', Number.NaN, null], (world, value) =>
    world.channelReader.status(value),
  ),
  ...each('channelReader.follow', 'pollMs', [-1, Number.NaN, 'often', Infinity], (world, value) =>
    world.channelReader.follow({ pollMs: value }),
  ),
  ...each('channelReader.follow', 'signal', ['abort', 5], (world, value) =>
    world.channelReader.follow({ signal: value }),
  ),
  ...each(
    'channelReader.follow',
    'poll',
    [1],
    (world, value) => world.channelReader.follow({ poll: value } as never),
    INVALID_OPTION,
  ),

  // ---- closed objects ---------------------------------------------------------------------
  ...closed('queue.appender', (world) => world.closedQueue.appender()),
  ...closed('queue.reader', (world) => world.closedQueue.reader()),
  ...closed('queue.deleteCycles', (world) => world.closedQueue.deleteCycles({ keep: 1 })),
  ...closed('queue.readerNames', (world) => world.closedQueue.readerNames()),
  ...closed('queue.cycles', (world) => world.closedQueue.cycles()),
  ...closed('queue.describe', (world) => world.closedQueue.describe()),
  ...closed('queue.verify', (world) => world.closedQueue.verify()),
  ...closed('appender.appendSync', (world) => world.closedAppender.appendSync(Uint8Array.of(1))),
  ...closed('appender.append', (world) => world.closedAppender.append(Uint8Array.of(1))),
  ...closed('appender.claim', (world) => world.closedAppender.claim(1)),
  ...closed('appender.appendString', (world) => world.closedAppender.appendString('x')),
  ...closed('appender.appendJson', (world) => world.closedAppender.appendJson(1)),
  ...closed('appender.sync', (world) => world.closedAppender.sync()),
  ...closed('appender.syncSync', (world) => world.closedAppender.syncSync()),
  ...closed('reader.next', (world) => world.closedReader.next()),
  ...closed('reader.peek', (world) => world.closedReader.peek()),
  ...closed('reader.poll', (world) => world.closedReader.poll(() => undefined)),
  ...closed('reader.seek', (world) => world.closedReader.seek(0)),
  ...closed('reader.toStart', (world) => world.closedReader.toStart()),
  ...closed('reader.toEnd', (world) => world.closedReader.toEnd()),
  ...closed('reader.direction', (world) => world.closedReader.direction('backward')),
  ...closed('reader.waitNext', (world) => world.closedReader.waitNext({ timeoutMs: 0 })),
  ...closed('reader.waitNextSync', (world) => world.closedReader.waitNextSync({ timeoutMs: 0 })),
  ...closed('reader.follow', (world) => world.closedReader.follow()),
  ...closed('channelWriter.write', (world) => world.closedWriter.write(Uint8Array.of(1))),
  ...closed('channelWriter.sync', (world) => world.closedWriter.sync()),
  ...closed('channelWriter.syncSync', (world) => world.closedWriter.syncSync()),
  ...closed('channelReader.next', (world) => world.closedChannelReader.next()),
  ...closed('channelReader.status', (world) => world.closedChannelReader.status()),
  ...closed('channelReader.follow', (world) => world.closedChannelReader.follow()),
];

function closed(call: string, run: (world: World) => unknown): Case[] {
  return [{ call: `${call} after close`, code: 'ERR_ANNAL_CLOSED', run }];
}

function cyclic(): unknown {
  const value: { self?: unknown } = {};
  value.self = value;
  return value;
}

/** What `run` threw, or what the Promise or async iterator it returned rejected with. */
async function outcome(run: () => unknown): Promise<unknown> {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    return error;
  }
  if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) {
    // A follow(): what it was given is checked at once, the rest when it is iterated.
    return outcome(() => (result as unknown as AsyncIterator<unknown>).next());
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => ({ returned: value }),
      (error: unknown) => error,
    );
  }
  return { returned: result };
}

let world: World;

/** The fixtures live for the whole file (temporaryDirectory() is removed after each test). */
let fixtures: string;

beforeAll(() => {
  fixtures = mkdtempSync(join(tmpdir(), 'annal-misuse-'));
  const directory = fixtures;
  const queue = Queue.open(join(directory, 'queue'), SMALL);
  const appender = queue.appender();
  appender.appendSync(Uint8Array.of(1, 2, 3));
  const reader = queue.reader();
  const closedQueue = Queue.open(join(directory, 'closed-queue'), SMALL);
  closedQueue.close();
  const other = Queue.open(join(directory, 'closed-appender'), SMALL);
  const closedAppender = other.appender();
  closedAppender.close();
  const closedReader = other.reader();
  closedReader.close();
  const writer = Channel.create(join(directory, 'open.channel'), { capacity: '64 KiB' });
  writer.write(Uint8Array.of(1));
  const channelReader = Channel.open(join(directory, 'open.channel'));
  const closedWriter = Channel.create(join(directory, 'closed.channel'), { capacity: '64 KiB' });
  closedWriter.close();
  const closedChannelReader = Channel.open(join(directory, 'closed.channel'));
  closedChannelReader.close();
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  world = {
    queue,
    appender,
    reader,
    closedQueue,
    closedAppender,
    closedReader,
    writer,
    channelReader,
    closedWriter,
    closedChannelReader,
    directory: join(directory, 'options'),
    aborted: controller.signal,
  };
});

afterAll(() => {
  world.queue.close();
  world.writer.close();
  world.channelReader.close();
  rmSync(fixtures, { recursive: true, force: true });
});

describe('misuse of every exported function and method', () => {
  it.each(cases.map((entry) => [entry.call, entry] as const))('%s', async (_, entry) => {
    const error = await outcome(() => entry.run(world));
    expect(AnnalError.isInstance(error), `${entry.call} gave ${String(error)}`).toBe(true);
    expect(error).toMatchObject({ code: entry.code });
    if (entry.field !== undefined) expect(error).toMatchObject({ field: entry.field });
  });

  it('nothing a refused call was given reached the queue', () => {
    // Only the one record appended in beforeAll is there: every refused append stored nothing.
    const reader = world.queue.reader();
    const payloads: number[][] = [];
    reader.poll((record) => payloads.push([...record.payload]));
    reader.close();
    expect(payloads).toEqual([[1, 2, 3]]);
  });
});
