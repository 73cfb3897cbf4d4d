import { describe, expect, it } from 'vitest';
import {
  BACK_PRESSURED,
  EMPTY,
  IdleStrategy,
  LogbufError,
  MpscRing,
  Receiver,
  Sender,
  SpscRing,
  type ReadClaim,
  type WriteClaim,
} from '@annal/logbuf';

/** Everything that is not a Uint8Array, which every method taking bytes must refuse. */
const NOT_BYTES: readonly (readonly [string, unknown])[] = [
  ['a string', 'hello'],
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
  ['a plain object', { length: 3 }],
  ['an array', [1, 2, 3]],
  ['an ArrayBuffer', new ArrayBuffer(3)],
  ['a DataView', new DataView(new ArrayBuffer(3))],
  ['an Int16Array', new Int16Array(3)],
  ['a Uint8ClampedArray', new Uint8ClampedArray(3)],
];

type Ring = SpscRing | MpscRing;

/** A producer and a consumer over a fresh ring of `kind`, with one record (1, 2, 3) waiting. */
function withOneRecord(kind: 'spsc' | 'mpsc'): { producer: Ring; consumer: Ring } {
  const buffer = kind === 'spsc' ? SpscRing.allocate(1024) : MpscRing.allocate(1024);
  const attach = (): Ring =>
    kind === 'spsc' ? SpscRing.attach(buffer) : MpscRing.attach(buffer, { unblockTimeoutMs: 0 });
  const producer = attach();
  expect(producer.trySend(Uint8Array.of(1, 2, 3))).toBe(3);
  return { producer, consumer: attach() };
}

/** Reads everything left: the record (1, 2, 3) must still be there, alone. */
function expectOnlyTheWaitingRecord(consumer: Ring): void {
  const seen: number[][] = [];
  consumer.poll((record) => seen.push([...record.bytes]));
  expect(seen).toEqual([[1, 2, 3]]);
}

const invalidArgument = (field: string): unknown =>
  expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field });

describe.each(['spsc', 'mpsc'] as const)('%s ring misuse', (kind) => {
  describe.each(NOT_BYTES)('bytes given as %s', (_name, value) => {
    const bytesMethods: readonly (readonly [string, string, (producer: Ring) => unknown])[] = [
      ['ring.trySend', 'payload', (producer) => producer.trySend(value as Uint8Array)],
      [
        'sender.trySend',
        'payload',
        (producer) => new Sender(producer).trySend(value as Uint8Array),
      ],
      [
        'sender.sendSync',
        'payload',
        (producer) => new Sender(producer).sendSync(value as Uint8Array),
      ],
      [
        'claim.write',
        'source',
        (producer) => {
          const claim = producer.tryClaim(3);
          if (claim === BACK_PRESSURED) throw new Error('unexpected BACK_PRESSURED');
          try {
            return (claim as WriteClaim).write(value as Uint8Array);
          } finally {
            claim.abort();
          }
        },
      ],
    ];
    it.each(bytesMethods)('%s refuses it, writes nothing', (_method, field, call) => {
      const { producer, consumer } = withOneRecord(kind);
      const before = producer.producerPosition();
      expect(() => call(producer)).toThrow(invalidArgument(field));
      if (!_method.startsWith('claim')) expect(producer.producerPosition()).toBe(before);
      expectOnlyTheWaitingRecord(consumer);
    });
  });

  const notFunctions: readonly unknown[] = ['x', 1, null, undefined, {}, new Uint8Array(1)];
  it.each(notFunctions)(
    'poll(%o) and pollBytes(%o) refuse a handler that is not a function, consuming nothing',
    (handler) => {
      const { consumer } = withOneRecord(kind);
      expect(() => consumer.poll(handler as never)).toThrow(invalidArgument('handler'));
      expect(() => consumer.pollBytes(handler as never, 100)).toThrow(invalidArgument('handler'));
      expect(consumer.recordsAvailable()).toBe(1);
      expectOnlyTheWaitingRecord(consumer);
    },
  );

  it.each([
    ['limit', (consumer: Ring) => consumer.poll(() => undefined, 'x' as never)],
    ['limit', (consumer: Ring) => consumer.poll(() => undefined, Number.NaN)],
    ['limit', (consumer: Ring) => consumer.poll(() => undefined, -1)],
    ['maxBytes', (consumer: Ring) => consumer.pollBytes(() => undefined, null as never)],
  ])('refuses a bad %s before consuming anything', (field, call) => {
    const { consumer } = withOneRecord(kind);
    expect(() => call(consumer)).toThrow(invalidArgument(field));
    expectOnlyTheWaitingRecord(consumer);
  });

  it('refuses a receive with a bad timeout or signal before reading anything', async () => {
    const { consumer } = withOneRecord(kind);
    const receiver = new Receiver(consumer);
    expect(() => receiver.recvSync('1' as never)).toThrow(invalidArgument('timeoutMs'));
    expect(() => receiver.recvSync(Number.NaN)).toThrow(invalidArgument('timeoutMs'));
    expect(() => receiver.recvSync(1, {} as never)).toThrow(invalidArgument('signal'));
    await expect(receiver.recv(1, { aborted: false } as never)).rejects.toEqual(
      invalidArgument('signal'),
    );
    await expect(receiver.follow({ signal: {} } as never).next()).rejects.toEqual(
      invalidArgument('signal'),
    );
    expectOnlyTheWaitingRecord(consumer);
  });

  it('refuses sendSync with a bad maxSpins, writing nothing', () => {
    const { producer, consumer } = withOneRecord(kind);
    for (const maxSpins of [0, 1.5, Number.NaN, '3']) {
      expect(() => new Sender(producer).sendSync(Uint8Array.of(9), maxSpins as never)).toThrow(
        invalidArgument('maxSpins'),
      );
    }
    expectOnlyTheWaitingRecord(consumer);
  });

  it('refuses claim.write at a bad offset, and after commit', () => {
    const { producer } = withOneRecord(kind);
    const claim = producer.tryClaim(4);
    if (claim === BACK_PRESSURED) throw new Error('unexpected BACK_PRESSURED');
    expect(() => claim.write(Uint8Array.of(1), 1.5)).toThrow(invalidArgument('at'));
    expect(() => claim.write(Uint8Array.of(1), -1)).toThrow(invalidArgument('at'));
    expect(() => claim.write(Uint8Array.of(1, 2), 3)).toThrow(invalidArgument('source'));
    claim.write(Uint8Array.of(1, 2, 3, 4));
    claim.commit();
    expect(() => claim.write(Uint8Array.of(5))).toThrow(invalidArgument('claim'));
  });
});

describe('options objects refuse unknown keys (misspellings)', () => {
  const invalidOption = (field: string): unknown =>
    expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field });
  const spsc = (): SpscRing => SpscRing.attach(SpscRing.allocate(1024));

  it.each([
    [
      'MpscRing.attach',
      'unblockTimeoutMS',
      () => MpscRing.attach(MpscRing.allocate(1024), { unblockTimeoutMS: 5 } as never),
    ],
    ['Receiver', 'spincount', () => new Receiver(spsc(), { spincount: 5 } as never)],
    ['Receiver', 'spinCounts', () => new Receiver(spsc(), { spinCounts: 5 } as never)],
    ['IdleStrategy', 'pauseMicro', () => new IdleStrategy({ pauseMicro: 5 } as never)],
  ])('%s refuses "%s"', (where, key, call) => {
    expect(call).toThrow(invalidOption(key));
    expect(call).toThrow(new RegExp(`${where}: "${key}" is not an option`));
  });

  it('names the option meant when only its case differs', () => {
    expect(() => new IdleStrategy({ PauseMicros: 5 } as never)).toThrow(
      /did you mean "pauseMicros"/,
    );
  });

  it.each([
    ['a string', 'fast'],
    ['a number', 5],
    ['an array', []],
  ])('refuses options given as %s', (_name, options) => {
    expect(() => new IdleStrategy(options as never)).toThrow(invalidOption('options'));
    expect(() => new Receiver(spsc(), options as never)).toThrow(invalidOption('options'));
    expect(() => MpscRing.attach(MpscRing.allocate(1024), options as never)).toThrow(
      invalidOption('options'),
    );
  });

  it('still takes undefined and null as "no options"', () => {
    expect(new IdleStrategy(undefined).pauseMicros).toBe(10);
    expect(new IdleStrategy(null as never).pauseMicros).toBe(10);
    expect(MpscRing.attach(MpscRing.allocate(1024), null as never).unblockTimeoutMs).toBe(5000);
  });
});

/**
 * The table: every export and method, each argument given wrong types, negative, fractional,
 * huge and NaN numbers, on closed objects and with aborted signals; the `code` (and `field`)
 * each must give. A method that returns a Promise (or an async iterator) must reject, not throw.
 */
describe('misuse table', () => {
  const INVALID_ARGUMENT = 'ERR_ANNAL_INVALID_ARGUMENT';
  const INVALID_OPTION = 'ERR_ANNAL_INVALID_OPTION';
  const CLOSED_CODE = 'ERR_ANNAL_CLOSED';
  const ABORTED = 'ERR_ANNAL_ABORTED';
  const TOO_LARGE = 'ERR_ANNAL_TOO_LARGE';
  const CORRUPT = 'ERR_ANNAL_CORRUPT';

  const NOT_A_NUMBER: readonly (readonly [string, unknown])[] = [
    ['a string', '1'],
    ['null', null],
    ['an object', {}],
    ['a bigint', 1n],
    ['NaN', Number.NaN],
  ];
  const NOT_A_COUNT: readonly (readonly [string, unknown])[] = [
    ...NOT_A_NUMBER,
    ['negative', -1],
    ['fractional', 1.5],
  ];
  const NOT_A_CAPACITY: readonly (readonly [string, unknown])[] = [
    ...NOT_A_COUNT,
    ['zero', 0],
    ['not a power of two', 1000],
    ['below the minimum', 32],
    ['huge (2^31)', 2 ** 31],
    ['Infinity', Infinity],
  ];
  const NOT_A_RING: readonly (readonly [string, unknown])[] = [
    ['null', null],
    ['a SharedArrayBuffer', new SharedArrayBuffer(1024)],
    ['a plain object', { views: {} }],
  ];
  const NOT_A_SIGNAL: readonly (readonly [string, unknown])[] = [
    ['an object', { aborted: false }],
    ['a string', 'stop'],
  ];

  interface Row {
    readonly call: string;
    readonly act: (value: never) => unknown;
    readonly values: readonly (readonly [string, unknown])[];
    readonly code: string;
    readonly field?: string;
    readonly async?: boolean;
  }
  const spsc = (): SpscRing => SpscRing.attach(SpscRing.allocate(1024));
  const mpsc = (): MpscRing => MpscRing.attach(MpscRing.allocate(1024));
  const closedSender = (): Sender => {
    const sender = new Sender(spsc());
    sender.close();
    return sender;
  };
  const closedReceiver = (): Receiver => {
    const receiver = new Receiver(spsc(), { spinCount: 0 });
    receiver.close();
    return receiver;
  };
  const once: readonly (readonly [string, unknown])[] = [['(any value)', undefined]];
  /** A record read and released: its claim object must refuse further use. */
  const releasedRecord = (): ReadClaim => {
    const ring = spsc();
    ring.trySend(Uint8Array.of(1));
    const record = ring.tryRead();
    if (record === EMPTY) throw new Error('empty');
    record.release();
    return record;
  };

  const rows: Row[] = [];
  for (const [name, Ring] of [
    ['SpscRing', SpscRing],
    ['MpscRing', MpscRing],
  ] as const) {
    const ring = name === 'SpscRing' ? spsc : mpsc;
    rows.push(
      {
        call: `${name}.bytesFor(capacity)`,
        act: (v) => Ring.bytesFor(v),
        values: NOT_A_CAPACITY,
        code: INVALID_ARGUMENT,
        field: 'capacity',
      },
      {
        call: `${name}.allocate(capacity)`,
        act: (v) => Ring.allocate(v),
        values: NOT_A_CAPACITY,
        code: INVALID_ARGUMENT,
        field: 'capacity',
      },
      {
        call: `${name}.attach(buffer)`,
        act: (v) => Ring.attach(v),
        values: [
          ['null', null],
          ['an ArrayBuffer', new ArrayBuffer(1280)],
          ['a Uint8Array', new Uint8Array(1280)],
        ],
        code: INVALID_ARGUMENT,
        field: 'buffer',
      },
      {
        call: `${name}.attach(buffer)`,
        act: (v) => Ring.attach(v),
        values: [['a zeroed SharedArrayBuffer', new SharedArrayBuffer(1280)]],
        code: CORRUPT,
      },
      {
        call: `${name}#tryClaim(length)`,
        act: (v) => ring().tryClaim(v),
        values: [...NOT_A_COUNT, ['Infinity', Infinity]],
        code: INVALID_ARGUMENT,
        field: 'length',
      },
      {
        call: `${name}#tryClaim(length)`,
        act: (v) => ring().tryClaim(v),
        values: [
          ['above maxPayloadBytes', 505],
          ['huge (2^31)', 2 ** 31],
        ],
        code: TOO_LARGE,
        field: 'length',
      },
      {
        call: `${name}#poll(handler)`,
        act: (v) => ring().poll(v),
        values: [
          ['null', null],
          ['a number', 1],
        ],
        code: INVALID_ARGUMENT,
        field: 'handler',
      },
      {
        call: `${name}#poll(handler, limit)`,
        act: (v) => ring().poll(() => undefined, v),
        values: [...NOT_A_NUMBER, ['negative', -1]],
        code: INVALID_ARGUMENT,
        field: 'limit',
      },
      {
        call: `${name}#pollBytes(handler, maxBytes)`,
        act: (v) => ring().pollBytes(() => undefined, v),
        values: [...NOT_A_NUMBER, ['negative', -1]],
        code: INVALID_ARGUMENT,
        field: 'maxBytes',
      },
    );
  }
  rows.push(
    {
      call: 'MpscRing.attach(buffer, { unblockTimeoutMs })',
      act: (v) => MpscRing.attach(MpscRing.allocate(1024), { unblockTimeoutMs: v }),
      values: [...NOT_A_NUMBER, ['negative', -1]],
      code: INVALID_OPTION,
      field: 'unblockTimeoutMs',
    },
    {
      call: 'new Sender(ring)',
      act: (v) => new Sender(v),
      values: NOT_A_RING,
      code: INVALID_ARGUMENT,
      field: 'ring',
    },
    {
      call: 'Sender#tryClaim(length)',
      act: (v) => new Sender(spsc()).tryClaim(v),
      values: [...NOT_A_COUNT, ['Infinity', Infinity]],
      code: INVALID_ARGUMENT,
      field: 'length',
    },
    {
      call: 'Sender#sendSync(payload, maxSpins)',
      act: (v) => new Sender(spsc()).sendSync(Uint8Array.of(1), v),
      values: [...NOT_A_COUNT, ['zero', 0]],
      code: INVALID_ARGUMENT,
      field: 'maxSpins',
    },
    {
      call: 'closed Sender#tryClaim()',
      act: () => closedSender().tryClaim(1),
      values: once,
      code: CLOSED_CODE,
    },
    {
      call: 'closed Sender#trySend()',
      act: () => closedSender().trySend(Uint8Array.of(1)),
      values: once,
      code: CLOSED_CODE,
    },
    {
      call: 'closed Sender#sendSync()',
      act: () => closedSender().sendSync(Uint8Array.of(1)),
      values: once,
      code: CLOSED_CODE,
    },
    {
      call: 'new Receiver(ring)',
      act: (v) => new Receiver(v),
      values: NOT_A_RING,
      code: INVALID_ARGUMENT,
      field: 'ring',
    },
    {
      call: 'new Receiver(ring, options)',
      act: (v) => new Receiver(spsc(), v),
      values: [
        ['a string', 'x'],
        ['an unknown key', { spins: 1 }],
      ],
      code: INVALID_OPTION,
    },
    {
      call: 'new Receiver(ring, { spinCount })',
      act: (v) => new Receiver(spsc(), { spinCount: v }),
      values: [...NOT_A_COUNT, ['Infinity', Infinity]],
      code: INVALID_OPTION,
      field: 'spinCount',
    },
    {
      call: 'Receiver#recvSync(timeoutMs)',
      act: (v) => new Receiver(spsc()).recvSync(v),
      values: [...NOT_A_NUMBER, ['negative', -1]],
      code: INVALID_ARGUMENT,
      field: 'timeoutMs',
    },
    {
      call: 'Receiver#recvSync(timeoutMs, signal)',
      act: (v) => new Receiver(spsc()).recvSync(1, v),
      values: NOT_A_SIGNAL,
      code: INVALID_ARGUMENT,
      field: 'signal',
    },
    {
      call: 'Receiver#recvSync(timeoutMs, signal)',
      act: (v) => new Receiver(spsc()).recvSync(1000, v),
      values: [['an aborted signal', AbortSignal.abort()]],
      code: ABORTED,
    },
    {
      call: 'Receiver#recv(timeoutMs)',
      act: (v) => new Receiver(spsc()).recv(v),
      values: [...NOT_A_NUMBER, ['negative', -1]],
      code: INVALID_ARGUMENT,
      field: 'timeoutMs',
      async: true,
    },
    {
      call: 'Receiver#recv(timeoutMs, signal)',
      act: (v) => new Receiver(spsc()).recv(1, v),
      values: NOT_A_SIGNAL,
      code: INVALID_ARGUMENT,
      field: 'signal',
      async: true,
    },
    {
      call: 'Receiver#recv(timeoutMs, signal)',
      act: (v) => new Receiver(spsc()).recv(1000, v),
      values: [['an aborted signal', AbortSignal.abort()]],
      code: ABORTED,
      async: true,
    },
    {
      call: 'Receiver#follow(options)',
      act: (v) => new Receiver(spsc()).follow(v).next(),
      values: [
        ['a string', 'x'],
        ['an unknown key', { sigal: 1 }],
      ],
      code: INVALID_OPTION,
      async: true,
    },
    {
      call: 'Receiver#follow({ signal })',
      act: (v) => new Receiver(spsc()).follow({ signal: v }).next(),
      values: NOT_A_SIGNAL,
      code: INVALID_ARGUMENT,
      field: 'signal',
      async: true,
    },
    {
      call: 'Receiver#follow({ signal })',
      act: (v) => new Receiver(spsc()).follow({ signal: v }).next(),
      values: [['an aborted signal', AbortSignal.abort()]],
      code: ABORTED,
      async: true,
    },
    {
      call: 'closed Receiver#tryRecv()',
      act: () => closedReceiver().tryRecv(),
      values: once,
      code: CLOSED_CODE,
    },
    {
      call: 'closed Receiver#recvSync()',
      act: () => closedReceiver().recvSync(1),
      values: once,
      code: CLOSED_CODE,
    },
    {
      call: 'closed Receiver#recv()',
      act: () => closedReceiver().recv(1),
      values: once,
      code: CLOSED_CODE,
      async: true,
    },
    {
      call: 'closed Receiver#follow()',
      act: () => closedReceiver().follow().next(),
      values: once,
      code: CLOSED_CODE,
      async: true,
    },
    {
      call: 'new IdleStrategy(options)',
      act: (v) => new IdleStrategy(v),
      values: [
        ['a string', 'x'],
        ['an array', []],
      ],
      code: INVALID_OPTION,
      field: 'options',
    },
    {
      call: 'new IdleStrategy({ pauseMicros })',
      act: (v) => new IdleStrategy({ pauseMicros: v }),
      values: [...NOT_A_NUMBER, ['negative', -1], ['Infinity', Infinity]],
      code: INVALID_OPTION,
      field: 'pauseMicros',
    },
    {
      call: 'IdleStrategy#idle(workCount)',
      act: (v) => new IdleStrategy().idle(v),
      values: [...NOT_A_NUMBER, ['negative', -1]],
      code: INVALID_ARGUMENT,
      field: 'workCount',
    },
    {
      call: 'WriteClaim#write(source, at)',
      act: (v) => {
        const claim = spsc().tryClaim(4);
        if (claim === BACK_PRESSURED) throw new Error('full');
        return claim.write(Uint8Array.of(1), v);
      },
      values: [...NOT_A_COUNT, ['past the payload', 4], ['huge (2^53)', 2 ** 53]],
      code: INVALID_ARGUMENT,
    },
    {
      call: 'WriteClaim#bytes after commit',
      act: () => {
        const claim = spsc().tryClaim(1);
        if (claim === BACK_PRESSURED) throw new Error('full');
        claim.commit();
        return claim.bytes;
      },
      values: once,
      code: INVALID_ARGUMENT,
      field: 'claim',
    },
    {
      call: 'ReadClaim#bytes after release',
      act: () => releasedRecord().bytes,
      values: once,
      code: INVALID_ARGUMENT,
      field: 'claim',
    },
    {
      call: 'ReadClaim#copy() after release',
      act: () => releasedRecord().copy(),
      values: once,
      code: INVALID_ARGUMENT,
      field: 'claim',
    },
    {
      call: 'WriteClaim#commit() after commit',
      act: () => {
        const claim = spsc().tryClaim(1);
        if (claim === BACK_PRESSURED) throw new Error('full');
        claim.commit();
        return claim.commit();
      },
      values: once,
      code: INVALID_ARGUMENT,
      field: 'claim',
    },
    {
      call: 'WriteClaim#commitDeferred() after abort',
      act: () => {
        const claim = spsc().tryClaim(1);
        if (claim === BACK_PRESSURED) throw new Error('full');
        claim.abort();
        claim.commitDeferred();
      },
      values: once,
      code: INVALID_ARGUMENT,
      field: 'claim',
    },
    {
      call: 'ReadClaim#release() twice',
      act: () => releasedRecord().release(),
      values: once,
      code: INVALID_ARGUMENT,
      field: 'claim',
    },
  );

  const cases = rows.flatMap((row) =>
    row.values.map(([name, value]) => [`${row.call} with ${name}`, row, value] as const),
  );

  it.each(cases)('%s', async (_name, row, value) => {
    const expected = { code: row.code, ...(row.field === undefined ? {} : { field: row.field }) };
    let error: unknown = new Error('no error');
    if (row.async === true) {
      let result: unknown;
      expect(() => (result = row.act(value as never)), 'must reject, not throw').not.toThrow();
      error = await (result as Promise<unknown>).then(
        () => new Error('resolved'),
        (reason: unknown) => reason,
      );
    } else {
      try {
        row.act(value as never);
      } catch (thrown) {
        error = thrown;
      }
    }
    expect(LogbufError.isInstance(error), String(error)).toBe(true);
    expect(error).toMatchObject(expected);
  });
});
