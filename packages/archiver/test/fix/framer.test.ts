import { ErrorCode } from '@annal/native';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FixFramer, type FixMalformedReason } from '../../src/fix/index.js';
import {
  concat,
  fixMessage,
  garbageWithoutEight,
  hasValidChecksum,
  split,
  validMessage,
} from './support/fix-messages.js';

interface Run {
  readonly messages: Uint8Array[];
  readonly malformed: { reason: FixMalformedReason; bytes: Uint8Array }[];
  readonly framer: FixFramer;
  readonly maxBuffered: number;
}

/** Pushes `chunks` through a new framer, copying what it hands on. */
function frame(
  chunks: readonly Uint8Array[],
  options: { maxMessageBytes?: number; finish?: boolean } = {},
): Run {
  const messages: Uint8Array[] = [];
  const malformed: Run['malformed'] = [];
  const framer = new FixFramer(
    (buffer, offset, length) => messages.push(buffer.slice(offset, offset + length)),
    {
      ...(options.maxMessageBytes === undefined
        ? {}
        : { maxMessageBytes: options.maxMessageBytes }),
      onMalformed: (reason, bytes) => malformed.push({ reason, bytes: bytes.slice() }),
    },
  );
  let maxBuffered = 0;
  for (const chunk of chunks) {
    framer.push(chunk);
    maxBuffered = Math.max(maxBuffered, framer.buffered);
  }
  if (options.finish === true) framer.finish();
  return { messages, malformed, framer, maxBuffered };
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const cuts = fc.array(fc.nat(), { maxLength: 30 });

describe('FixFramer', () => {
  it('hands on any sequence of valid messages, split at any points, exactly', () => {
    fc.assert(
      fc.property(fc.array(validMessage, { maxLength: 12 }), cuts, (messages, points) => {
        const run = frame(split(concat(messages), points));
        expect(run.messages.map(text)).toEqual(messages.map(text));
        expect(run.framer.messages).toBe(messages.length);
        expect(run.framer.malformed).toBe(0);
        expect(run.framer.buffered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('hands on messages pushed one byte at a time', () => {
    const messages = [
      fixMessage('A', [
        [98, '0'],
        [108, '30'],
      ]),
      fixMessage(
        'D',
        [
          [11, 'order-1'],
          [55, '8=FIX.4.4'],
          [54, '1'],
        ],
        { bodyLengthDigits: 7 },
      ),
      fixMessage('0'),
    ];
    const bytes = concat(messages);
    const run = frame(Array.from(bytes, (byte) => Uint8Array.of(byte)));
    expect(run.messages.map(text)).toEqual(messages.map(text));
    expect(run.framer.malformed).toBe(0);
  });

  it('hands on a message inside one chunk as a view of that chunk (no copy)', () => {
    const chunk = concat([fixMessage('0'), fixMessage('1', [[112, 'test']])]);
    const seen: [Uint8Array, number, number][] = [];
    const framer = new FixFramer((buffer, offset, length) => seen.push([buffer, offset, length]));
    framer.push(chunk);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.[0]).toBe(chunk);
    expect(seen[1]?.[0]).toBe(chunk);
    expect(seen[1]?.[1]).toBe(seen[0]?.[2]);
  });

  it('counts garbage between messages once per run, never hands it on, and finds the next message', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(validMessage, fc.option(garbageWithoutEight, { nil: undefined })), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.option(garbageWithoutEight, { nil: undefined }),
        cuts,
        (pairs, leading, points) => {
          const parts: Uint8Array[] = leading === undefined ? [] : [leading];
          for (const [message, garbage] of pairs) {
            parts.push(message);
            if (garbage !== undefined) parts.push(garbage);
          }
          const runs = parts.length - pairs.length;
          const run = frame(split(concat(parts), points), { finish: true });
          expect(run.messages.map(text)).toEqual(pairs.map(([message]) => text(message)));
          expect(run.framer.malformed).toBe(runs);
          expect(run.malformed.every(({ reason }) => reason === 'begin-string')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds every valid message after arbitrary garbage, counting at least one malformed frame per run', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 80 }), validMessage), {
          minLength: 1,
          maxLength: 8,
        }),
        cuts,
        (pairs, points) => {
          const run = frame(split(concat(pairs.flat()), points), { finish: true });
          expect(run.messages.map(text)).toEqual(pairs.map(([, message]) => text(message)));
          expect(run.framer.malformed).toBeGreaterThanOrEqual(1);
          for (const message of run.messages) expect(hasValidChecksum(message)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a frame with a wrong checksum, a wrong BodyLength or no CheckSum, and resynchronises', () => {
    const good = fixMessage('0');
    const cases: [FixMalformedReason, Uint8Array][] = [
      ['checksum', fixMessage('D', [[11, 'x']], { checksum: '999' })],
      ['checksum', fixMessage('D', [[11, 'x']], { checksum: '0a0' })],
      ['trailer', fixMessage('D', [[11, 'x']], { bodyLength: 5 })],
      ['trailer', new TextEncoder().encode('8=FIX.4.4\x019=5\x0135=0\x01')],
      ['body-length', new TextEncoder().encode('8=FIX.4.4\x019=abc\x0135=0\x0110=000\x01')],
      ['body-length', new TextEncoder().encode('8=FIX.4.4\x0135=0\x0110=000\x01')],
      ['body-length', new TextEncoder().encode('8=FIX.4.4\x019=12345678901\x01')],
      ['body-length', new TextEncoder().encode('8=FIX.4.4\x019=\x01')],
      ['begin-string', new TextEncoder().encode('8=FIX.4.4.this.is.far.too.long\x019=5\x01')],
      ['begin-string', new TextEncoder().encode('hello')],
    ];
    for (const [reason, bad] of cases) {
      for (const chunks of [
        [concat([good, bad, good])],
        Array.from(concat([good, bad, good]), (b) => Uint8Array.of(b)),
      ]) {
        const run = frame(chunks, { finish: true });
        expect(run.messages.map(text), `${reason}: ${text(bad)}`).toEqual([text(good), text(good)]);
        expect(run.malformed.map((m) => m.reason)[0], text(bad)).toBe(reason);
      }
    }
  });

  it('reports the rejected bytes of a frame with a bad checksum', () => {
    const bad = fixMessage('D', [[11, 'x']], { checksum: '999' });
    const run = frame([concat([bad, fixMessage('0')])]);
    expect(run.malformed).toHaveLength(1);
    expect(text(run.malformed[0]?.bytes ?? new Uint8Array())).toBe(text(bad));
  });

  it('refuses a BodyLength beyond maxMessageBytes without buffering it', () => {
    const huge = new TextEncoder().encode('8=FIX.4.4\x019=5000\x0135=D\x01');
    const good = fixMessage('0', [[112, 'after']]);
    const run = frame([huge, new Uint8Array(6000).fill(0x41), good], { maxMessageBytes: 1024 });
    expect(run.malformed.map((m) => m.reason)).toEqual(['too-large']);
    expect(run.messages.map(text)).toEqual([text(good)]);
    expect(run.maxBuffered).toBeLessThanOrEqual(1024);
  });

  it('never buffers more than maxMessageBytes, whatever arrives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(validMessage, fc.uint8Array({ maxLength: 300 })), { maxLength: 10 }),
        cuts,
        (parts, points) => {
          const run = frame(split(concat(parts), points), { maxMessageBytes: 256 });
          expect(run.maxBuffered).toBeLessThanOrEqual(256);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a message longer than maxMessageBytes is too large, one that fits exactly is not', () => {
    const message = fixMessage('D', [[58, 'x'.repeat(100)]]);
    expect(frame([message], { maxMessageBytes: message.length }).messages).toHaveLength(1);
    const run = frame([message], { maxMessageBytes: message.length - 1 });
    expect(run.messages).toHaveLength(0);
    expect(run.malformed.map((m) => m.reason)).toEqual(['too-large']);
  });

  it('finish() counts a message cut off by the end of the stream, and recovers the messages behind a BodyLength that claimed too much', () => {
    const good = fixMessage('0');
    const cut = frame([concat([good, good.subarray(0, 20)])], { finish: true });
    expect(cut.messages).toHaveLength(1);
    expect(cut.malformed.map((m) => m.reason)).toEqual(['truncated']);

    const liar = new TextEncoder().encode('8=FIX.4.4\x019=900\x01');
    const held = frame([concat([liar, good, good])]);
    expect(held.messages).toHaveLength(0);
    held.framer.finish();
    expect(held.messages.map(text)).toEqual([text(good), text(good)]);
    expect(held.malformed.map((m) => m.reason)).toEqual(['truncated']);

    const tail = frame(
      [concat([new TextEncoder().encode('zz'), good, new TextEncoder().encode('xx8=F')])],
      { finish: true },
    );
    expect(tail.framer.malformed).toBe(2);
  });

  it('refuses bad arguments and options with coded errors naming them', () => {
    const noop = (): void => undefined;
    expect(() => new FixFramer('x' as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, field: 'onMessage' }),
    );
    expect(() => new FixFramer(noop, { maxMessageBytes: 10 })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTION, field: 'maxMessageBytes' }),
    );
    expect(() => new FixFramer(noop, { maxMessageBytes: 'lots' })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTION, field: 'maxMessageBytes' }),
    );
    expect(() => new FixFramer(noop, { maxMesageBytes: 100 } as never)).toThrow(
      /did you mean "maxMessageBytes"/,
    );
    expect(new FixFramer(noop, { maxMessageBytes: '64 KiB' }).maxMessageBytes).toBe(65536);
    expect(new FixFramer(noop).maxMessageBytes).toBe(1024 * 1024);
    expect(() => new FixFramer(noop).push('8=FIX' as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, field: 'chunk' }),
    );
  });
});
