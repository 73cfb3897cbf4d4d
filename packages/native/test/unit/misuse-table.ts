/* eslint-disable max-lines -- one table with a row per bad value; split, it would be two tables to keep in step. */
/**
 * The rows of the misuse table (misuse.test.ts): for each export and method of `@annal/native`,
 * each kind of wrong value for each argument, and the error code it must give.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FileLock,
  MappedFile,
  NativeFile,
  SyncScheduler,
  crc32c,
  fsyncDirectorySync,
  futexWait,
  futexWaitSync,
  futexWake,
  type SyncPolicy,
} from '@annal/native';
import { temporaryDirectory } from '@annal/test-utils';

export const INVALID_ARGUMENT = 'ERR_ANNAL_INVALID_ARGUMENT';
const INVALID_OPTION = 'ERR_ANNAL_INVALID_OPTION';
export const CLOSED = 'ERR_ANNAL_CLOSED';
const ABORTED = 'ERR_ANNAL_ABORTED';

/** Values that are not a safe integer ≥ 0, by what is wrong with them. */
const NOT_A_COUNT: readonly (readonly [string, unknown])[] = [
  ['a string', '1'],
  ['null', null],
  ['an object', {}],
  ['a bigint', 1n],
  ['NaN', Number.NaN],
  ['negative', -1],
  ['fractional', 1.5],
  ['Infinity', Infinity],
  ['huge (2^53)', 2 ** 53],
];
/** The same, plus 0, for arguments that must be ≥ 1. */
const NOT_POSITIVE: readonly (readonly [string, unknown])[] = [...NOT_A_COUNT, ['zero', 0]];
/** Values that are not a path. */
const NOT_A_PATH: readonly (readonly [string, unknown])[] = [
  ['an empty string', ''],
  ['a string with NUL', 'a\0b'],
  ['a number', 1],
  ['null', null],
  ['an object', {}],
];
/** Options objects that are not options. */
const NOT_OPTIONS: readonly (readonly [string, unknown])[] = [
  ['a string', 'x'],
  ['a number', 1],
  ['an array', []],
  ['an unknown key', { bogus: 1 }],
  ['a misspelled key', { readonly: true }],
];
/** Option values where a boolean belongs. */
const NOT_A_BOOLEAN: readonly (readonly [string, unknown])[] = [
  ['a string', 'yes'],
  ['a number', 1],
  ['null', null],
];
/** Option values where a timeout in milliseconds belongs (Infinity is allowed). */
const NOT_A_TIMEOUT: readonly (readonly [string, unknown])[] = [
  ['a string', '1'],
  ['NaN', Number.NaN],
  ['negative', -1],
  ['huge (2^31)', 2 ** 31],
];

export interface Fixture {
  readonly directory: string;
  readonly path: string;
  readonly file: NativeFile;
  readonly mapping: MappedFile;
  readonly words: Int32Array;
}

export function fixture(): Fixture {
  const directory = temporaryDirectory();
  const path = join(directory, 'a.bin');
  writeFileSync(path, Buffer.alloc(8192));
  const mapping = MappedFile.open(path, { shared: true });
  return {
    directory,
    path,
    file: NativeFile.open(path),
    mapping,
    words: new Int32Array(mapping.buffer),
  };
}

/** One row: what is called, with which bad value, and the error it must give. */
export interface Row {
  readonly call: string;
  readonly act: (f: Fixture) => unknown;
  readonly code: string;
  /** The argument or option the error must name, when one is to blame. */
  readonly field?: string;
  /** True when the call returns a Promise: it must reject, not throw. */
  readonly async?: boolean;
}

export const rows: Row[] = [];
const lockIn = (f: Fixture): string => join(f.directory, 'l');
const newIn = (f: Fixture): string => join(f.directory, 'c.bin');
/** Adds one row per bad value for one argument. */
function each(
  values: readonly (readonly [string, unknown])[],
  call: string,
  act: (f: Fixture, value: never) => unknown,
  code: string,
  field: string | undefined,
  async = false,
): void {
  for (const [name, value] of values) {
    rows.push({
      call: `${call} with ${name}`,
      act: (f) => act(f, value as never),
      code,
      ...(field === undefined ? {} : { field }),
      async,
    });
  }
}

// ---- NativeFile ---------------------------------------------------------------------------
each(NOT_A_PATH, 'NativeFile.open(path)', (_f, v) => NativeFile.open(v), INVALID_ARGUMENT, 'path');
each(
  NOT_OPTIONS,
  'NativeFile.open(options)',
  (f, v) => NativeFile.open(f.path, v),
  INVALID_OPTION,
  undefined,
);
for (const key of ['create', 'exclusive', 'truncate', 'readOnly']) {
  each(
    NOT_A_BOOLEAN,
    `NativeFile.open({ ${key} })`,
    (f, v) => NativeFile.open(f.path, { [key]: v }),
    INVALID_OPTION,
    key,
  );
}
each(
  [...NOT_A_COUNT, ['not permission bits', 0o10000]],
  'NativeFile.open({ mode })',
  (f, v) => NativeFile.open(f.path, { mode: v }),
  INVALID_OPTION,
  'mode',
);
each(
  NOT_A_COUNT,
  'NativeFile#allocate(offset)',
  (f, v) => f.file.allocate(v, 1),
  INVALID_ARGUMENT,
  'offset',
);
each(
  NOT_POSITIVE,
  'NativeFile#allocate(length)',
  (f, v) => f.file.allocate(0, v),
  INVALID_ARGUMENT,
  'length',
);
each(
  [['an end past 2^53', Number.MAX_SAFE_INTEGER]],
  'NativeFile#allocate(offset + length)',
  (f, v) => f.file.allocate(v, 1),
  INVALID_ARGUMENT,
  'length',
);
each(
  NOT_A_COUNT,
  'NativeFile#truncate(lengthBytes)',
  (f, v) => f.file.truncate(v),
  INVALID_ARGUMENT,
  'lengthBytes',
);
for (const method of ['readvSync', 'writevSync'] as const) {
  each(
    NOT_A_COUNT,
    `NativeFile#${method}(position)`,
    (f, v) => f.file[method]([new Uint8Array(1)], v),
    INVALID_ARGUMENT,
    'position',
  );
  each(
    [
      ['a string', 'x'],
      ['null', null],
      ['a Uint8Array', new Uint8Array(1)],
    ],
    `NativeFile#${method}(buffers)`,
    (f, v) => f.file[method](v, 0),
    INVALID_ARGUMENT,
    'buffers',
  );
  each(
    [
      ['a string', 'x'],
      ['a number', 1],
      ['an ArrayBuffer', new ArrayBuffer(1)],
    ],
    `NativeFile#${method}(buffers[0])`,
    (f, v) => f.file[method]([v], 0),
    INVALID_ARGUMENT,
    'buffers[0]',
  );
}
each(
  NOT_A_PATH,
  'fsyncDirectorySync(path)',
  (_f, v) => fsyncDirectorySync(v),
  INVALID_ARGUMENT,
  'path',
);

// ---- MappedFile -----------------------------------------------------------------------------
each(
  NOT_A_PATH,
  'MappedFile.create(path)',
  (_f, v) => MappedFile.create(v, { lengthBytes: 4096 }),
  INVALID_ARGUMENT,
  'path',
);
each(
  [['undefined', undefined], ['null', null], ...NOT_OPTIONS],
  'MappedFile.create(options)',
  (f, v) => MappedFile.create(newIn(f), v),
  INVALID_OPTION,
  undefined,
);
each(
  NOT_POSITIVE,
  'MappedFile.create({ lengthBytes })',
  (f, v) => MappedFile.create(newIn(f), { lengthBytes: v }),
  INVALID_OPTION,
  'lengthBytes',
);
for (const key of ['exclusive', 'shared', 'prefault']) {
  each(
    NOT_A_BOOLEAN,
    `MappedFile.create({ ${key} })`,
    (f, v) => MappedFile.create(newIn(f), { lengthBytes: 4096, [key]: v }),
    INVALID_OPTION,
    key,
  );
}
each(NOT_A_PATH, 'MappedFile.open(path)', (_f, v) => MappedFile.open(v), INVALID_ARGUMENT, 'path');
each(
  NOT_OPTIONS,
  'MappedFile.open(options)',
  (f, v) => MappedFile.open(f.path, v),
  INVALID_OPTION,
  undefined,
);
for (const key of ['readOnly', 'shared', 'prefault', 'closeDescriptor']) {
  each(
    NOT_A_BOOLEAN,
    `MappedFile.open({ ${key} })`,
    (f, v) => MappedFile.open(f.path, { [key]: v }),
    INVALID_OPTION,
    key,
  );
}
each(
  NOT_A_COUNT,
  'MappedFile.open({ offsetBytes })',
  (f, v) => MappedFile.open(f.path, { offsetBytes: v }),
  INVALID_OPTION,
  'offsetBytes',
);
each(
  [['not page-aligned', 100]],
  'MappedFile.open({ offsetBytes })',
  (f, v) => MappedFile.open(f.path, { offsetBytes: v }),
  INVALID_ARGUMENT,
  'offsetBytes',
);
each(
  NOT_POSITIVE,
  'MappedFile.open({ lengthBytes })',
  (f, v) => MappedFile.open(f.path, { lengthBytes: v }),
  INVALID_OPTION,
  'lengthBytes',
);
each(
  [['past the end of the file', 1 << 20]],
  'MappedFile.open({ lengthBytes })',
  (f, v) => MappedFile.open(f.path, { lengthBytes: v }),
  INVALID_ARGUMENT,
  'lengthBytes',
);
each(
  NOT_POSITIVE,
  'MappedFile#grow(lengthBytes)',
  (f, v) => f.mapping.grow(v),
  INVALID_ARGUMENT,
  'lengthBytes',
);
each(
  [['less than mapped', 4096]],
  'MappedFile#grow(lengthBytes)',
  (f, v) => f.mapping.grow(v),
  INVALID_ARGUMENT,
  'lengthBytes',
);
for (const method of ['msyncSync', 'msyncStart', 'msync', 'prefault'] as const) {
  const async = method === 'msync' || method === 'prefault';
  each(
    NOT_A_COUNT,
    `MappedFile#${method}(offset)`,
    (f, v) => f.mapping[method](v),
    INVALID_ARGUMENT,
    'offset',
    async,
  );
  each(
    NOT_A_COUNT,
    `MappedFile#${method}(0, length)`,
    (f, v) => f.mapping[method](0, v),
    INVALID_ARGUMENT,
    'length',
    async,
  );
  each(
    [['past the end', 8192]],
    `MappedFile#${method}(4096, length)`,
    (f, v) => f.mapping[method](4096, v),
    INVALID_ARGUMENT,
    'length',
    async,
  );
}
each(
  [
    ['an unknown word', 'fast'],
    ['a prototype key', 'toString'],
    ['a number', 1],
    ['null', null],
  ],
  'MappedFile#advise(advice)',
  (f, v) => f.mapping.advise(v),
  INVALID_ARGUMENT,
  'advice',
);
each(
  NOT_A_COUNT,
  'MappedFile#advise(advice, offset)',
  (f, v) => f.mapping.advise('normal', v),
  INVALID_ARGUMENT,
  'offset',
);

// ---- FileLock -------------------------------------------------------------------------------
each(
  NOT_A_PATH,
  'FileLock.tryAcquire(path)',
  (_f, v) => FileLock.tryAcquire(v),
  INVALID_ARGUMENT,
  'path',
);
each(
  NOT_OPTIONS,
  'FileLock.tryAcquire(options)',
  (f, v) => FileLock.tryAcquire(lockIn(f), v),
  INVALID_OPTION,
  undefined,
);
each(
  NOT_A_BOOLEAN,
  'FileLock.tryAcquire({ exclusive })',
  (f, v) => FileLock.tryAcquire(lockIn(f), { exclusive: v }),
  INVALID_OPTION,
  'exclusive',
);
each(
  [
    ['null', null],
    ['a number', 1],
  ],
  'FileLock.tryAcquire({ range })',
  (f, v) => FileLock.tryAcquire(lockIn(f), { range: v }),
  INVALID_OPTION,
  'range',
);
each(
  NOT_A_COUNT,
  'FileLock.tryAcquire({ range.start })',
  (f, v) => FileLock.tryAcquire(lockIn(f), { range: { start: v, length: 1 } }),
  INVALID_OPTION,
  'range.start',
);
each(
  NOT_POSITIVE,
  'FileLock.tryAcquire({ range.length })',
  (f, v) => FileLock.tryAcquire(lockIn(f), { range: { start: 0, length: v } }),
  INVALID_OPTION,
  'range.length',
);
each(
  NOT_A_PATH,
  'FileLock.acquireOrThrow(path)',
  (_f, v) => FileLock.acquireOrThrow(v),
  INVALID_ARGUMENT,
  'path',
);
each(
  NOT_OPTIONS,
  'FileLock.acquireOrThrow(options)',
  (f, v) => FileLock.acquireOrThrow(lockIn(f), v),
  INVALID_OPTION,
  undefined,
);
each(
  NOT_A_PATH,
  'FileLock.acquire(path)',
  (_f, v) => FileLock.acquire(v),
  INVALID_ARGUMENT,
  'path',
  true,
);
each(
  NOT_OPTIONS,
  'FileLock.acquire(options)',
  (f, v) => FileLock.acquire(lockIn(f), v),
  INVALID_OPTION,
  undefined,
  true,
);
each(
  [...NOT_A_TIMEOUT, ['Infinity', Infinity]],
  'FileLock.acquire({ timeoutMs })',
  (f, v) => FileLock.acquire(lockIn(f), { timeoutMs: v }),
  INVALID_OPTION,
  'timeoutMs',
  true,
);
each(
  [
    ['an object', {}],
    ['a string', 'x'],
    ['null', null],
  ],
  'FileLock.acquire({ signal })',
  (f, v) => FileLock.acquire(lockIn(f), { signal: v }),
  INVALID_OPTION,
  'signal',
  true,
);
each(
  [['an aborted signal', AbortSignal.abort()]],
  'FileLock.acquire({ signal })',
  (f, v) => FileLock.acquire(lockIn(f), { signal: v }),
  ABORTED,
  undefined,
  true,
);

// ---- futexes --------------------------------------------------------------------------------
const NOT_A_VIEW: readonly (readonly [string, unknown])[] = [
  ['null', null],
  ['a number', 1],
  ['a Uint32Array', new Uint32Array(4)],
  ['a SharedArrayBuffer', new SharedArrayBuffer(16)],
];
for (const [name, act] of [
  [
    'futexWaitSync',
    (f: Fixture, view: never, index = 0, expected = 1) =>
      futexWaitSync(view, index, expected, { timeoutMs: 0 }),
  ],
  [
    'futexWait',
    (f: Fixture, view: never, index = 0, expected = 1) =>
      futexWait(view, index, expected, { timeoutMs: 0 }),
  ],
] as const) {
  const async = name === 'futexWait';
  each(NOT_A_VIEW, `${name}(view)`, (_f, v) => act(_f, v), INVALID_ARGUMENT, 'view', async);
  each(
    NOT_A_COUNT,
    `${name}(view, index)`,
    (f, v) => act(f, f.words as never, v),
    INVALID_ARGUMENT,
    'index',
    async,
  );
  each(
    [['past the view', 2048]],
    `${name}(view, index)`,
    (f, v) => act(f, f.words as never, v),
    INVALID_ARGUMENT,
    'index',
    async,
  );
  each(
    [
      ['a string', '1'],
      ['NaN', Number.NaN],
      ['fractional', 0.5],
      ['huge (2^32)', 2 ** 32],
      ['below -2^31', -(2 ** 31) - 1],
    ],
    `${name}(view, index, expected)`,
    (f, v) => act(f, f.words as never, 0, v),
    INVALID_ARGUMENT,
    'expected',
    async,
  );
}
each(
  NOT_OPTIONS,
  'futexWaitSync(…, options)',
  (f, v) => futexWaitSync(f.words, 0, 1, v),
  INVALID_OPTION,
  undefined,
);
each(
  NOT_A_TIMEOUT,
  'futexWaitSync(…, { timeoutMs })',
  (f, v) => futexWaitSync(f.words, 0, 1, { timeoutMs: v }),
  INVALID_OPTION,
  'timeoutMs',
);
each(
  NOT_OPTIONS,
  'futexWait(…, options)',
  (f, v) => futexWait(f.words, 0, 1, v),
  INVALID_OPTION,
  undefined,
  true,
);
each(
  NOT_A_TIMEOUT,
  'futexWait(…, { timeoutMs })',
  (f, v) => futexWait(f.words, 0, 1, { timeoutMs: v }),
  INVALID_OPTION,
  'timeoutMs',
  true,
);
each(
  [
    ['an object', {}],
    ['null', null],
  ],
  'futexWait(…, { signal })',
  (f, v) => futexWait(f.words, 0, 0, { signal: v }),
  INVALID_OPTION,
  'signal',
  true,
);
each(
  [['an aborted signal', AbortSignal.abort()]],
  'futexWait(…, { signal })',
  (f, v) => futexWait(f.words, 0, 0, { signal: v }),
  ABORTED,
  undefined,
  true,
);
each(NOT_A_VIEW, 'futexWake(view)', (_f, v) => futexWake(v, 0), INVALID_ARGUMENT, 'view');
each(
  NOT_A_COUNT.filter(([name]) => name !== 'Infinity' && name !== 'huge (2^53)'),
  'futexWake(view, index, count)',
  (f, v) => futexWake(f.words, 0, v),
  INVALID_ARGUMENT,
  'count',
);

// ---- checksums ------------------------------------------------------------------------------
each(
  [
    ['a string', 'abc'],
    ['a number', 1],
    ['null', null],
    ['an array', [1, 2]],
  ],
  'crc32c(bytes)',
  (_f, v) => crc32c(v),
  INVALID_ARGUMENT,
  'bytes',
);
each(
  [
    ['a string', '1'],
    ['NaN', Number.NaN],
    ['negative', -1],
    ['fractional', 1.5],
    ['huge (2^32)', 2 ** 32],
  ],
  'crc32c(bytes, seed)',
  (_f, v) => crc32c(new Uint8Array(4), v),
  INVALID_ARGUMENT,
  'seed',
);

// ---- SyncScheduler --------------------------------------------------------------------------
const resolved = (): Promise<void> => Promise.resolve();
each(
  [
    ['undefined', undefined],
    ['null', null],
    ['a string', 'each'],
  ],
  'new SyncScheduler(options)',
  (_f, v) => new SyncScheduler(v),
  INVALID_OPTION,
  'options',
);
each(
  [['an unknown key', { policy: 'each', sync: resolved, bogus: 1 }]],
  'new SyncScheduler(options)',
  (_f, v) => new SyncScheduler(v),
  INVALID_OPTION,
  'bogus',
);
each(
  [
    ['an unknown word', 'always'],
    ['a number', 1],
    ['a negative interval', { everyMs: -1 }],
    ['NaN ms', { everyMs: Number.NaN }],
  ],
  'new SyncScheduler({ policy })',
  (_f, v) => new SyncScheduler({ policy: v as SyncPolicy, sync: resolved }),
  INVALID_OPTION,
  'policy',
);
each(
  [
    ['undefined', undefined],
    ['a string', 'sync'],
    ['a Promise', Promise.resolve()],
  ],
  'new SyncScheduler({ sync })',
  (_f, v) => new SyncScheduler({ policy: 'manual', sync: v }),
  INVALID_OPTION,
  'sync',
);
each(
  [['a string', 'log']],
  'new SyncScheduler({ onError })',
  (_f, v) => new SyncScheduler({ policy: 'manual', sync: resolved, onError: v }),
  INVALID_OPTION,
  'onError',
);
each(
  [...NOT_A_COUNT, ['not yet written', 1]],
  'SyncScheduler#synced(generation)',
  (_f, v) => new SyncScheduler({ policy: 'manual', sync: resolved }).synced(v),
  INVALID_ARGUMENT,
  'generation',
  true,
);
