import { describe, expect, it } from 'vitest';
import {
  BACK_PRESSURED,
  IdleStrategy,
  MpscRing,
  Receiver,
  Sender,
  SpscRing,
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
