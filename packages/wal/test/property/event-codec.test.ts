import { CorruptError, ErrorCode } from '@annal/native';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeEvent, encodeEvent } from '../../src/events/event-codec.js';
import { checkEventInput, type PreparedEvent } from '../../src/events/event-input.js';
import type { Event, EventInput } from '../../src/events/event.js';
import { parseUuidInto } from '../../src/events/uuidv7.js';
import {
  EVENT_DATA_LENGTH_OFFSET,
  EVENT_HEADER_COUNT_OFFSET,
  EVENT_HEADER_KEY_LENGTH_BYTES,
  EVENT_TYPE_LENGTH_OFFSET,
  EVENT_TYPE_OFFSET,
} from '../../src/layout.js';

const SOURCE = { topic: 'orders', partition: 3 };
const INDEX = 41;
const encoder = new TextEncoder();
const utf8Bytes = (text: string): number => encoder.encode(text).length;

/** Strings of any code point (never a lone surrogate), within `maxBytes` of UTF-8. */
const text = (minLength: number, maxLength: number, maxBytes = Infinity): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary', minLength, maxLength }).filter((s) => utf8Bytes(s) <= maxBytes);

const data = fc.oneof(
  fc.record({ json: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ text: text(0, 80) }),
  fc.record({ bytes: fc.uint8Array({ maxLength: 200 }) }),
);

const input: fc.Arbitrary<EventInput & { id: string; timestamp: number }> = fc.record({
  type: text(1, 40, 255),
  data,
  headers: fc.dictionary(text(1, 12, 255), text(0, 30), { maxKeys: 6 }),
  // Any version, either case: stored as 16 bytes, read back lowercase.
  id: fc.tuple(fc.uuid(), fc.boolean()).map(([id, upper]) => (upper ? id.toUpperCase() : id)),
  timestamp: fc.double({ noNaN: true, noDefaultInfinity: true }),
});

function encode(event: EventInput & { id: string; timestamp: number }): Uint8Array {
  const id = new Uint8Array(16);
  parseUuidInto(event.id, id, 0);
  return encodeEvent(checkEventInput(event), id, event.timestamp);
}

/** Decodes, or returns the CorruptError; any other throw fails the test (a crash). */
function tryDecode(entry: Uint8Array): Event | CorruptError {
  try {
    return decodeEvent(entry, INDEX, SOURCE);
  } catch (error) {
    if (CorruptError.isInstance(error)) {
      expect(error.code).toBe(ErrorCode.CORRUPT);
      expect((error as CorruptError & { index?: number }).index).toBe(INDEX);
      expect(error.message).toContain('topic "orders" partition 3');
      expect(error.message).toContain(`index ${INDEX}`);
      return error;
    }
    throw error;
  }
}

/** A decoded event is valid when it would pass as an append's input again. */
function expectValid(event: Event): void {
  const { type, data: eventData, headers, id, timestamp } = event;
  expect(() => checkEventInput({ type, data: eventData, headers, id, timestamp })).not.toThrow();
}

/** Where the length fields of an encoding sit, with their widths in bytes. */
function lengthFields(prepared: PreparedEvent): [at: number, width: 2 | 4][] {
  const fields: [number, 2 | 4][] = [
    [EVENT_HEADER_COUNT_OFFSET, 2],
    [EVENT_DATA_LENGTH_OFFSET, 4],
    [EVENT_TYPE_LENGTH_OFFSET, 2],
  ];
  let at = EVENT_TYPE_OFFSET + prepared.type.length;
  for (let i = 0; i < prepared.headers.length; i += 2) {
    fields.push([at, 2]);
    at += EVENT_HEADER_KEY_LENGTH_BYTES + (prepared.headers[i] as Uint8Array).length;
    fields.push([at, 4]);
    at += 4 + (prepared.headers[i + 1] as Uint8Array).length;
  }
  return fields;
}

describe('encodeEvent() / decodeEvent()', () => {
  it('round-trips arbitrary events exactly, data kind included', () => {
    fc.assert(
      fc.property(input, (event) => {
        const decoded = decodeEvent(encode(event), INDEX, SOURCE);
        expect(decoded.id).toBe(event.id.toLowerCase());
        expect(decoded.index).toBe(INDEX);
        expect(Object.is(decoded.timestamp, event.timestamp)).toBe(true);
        expect(decoded.type).toBe(event.type);
        expect(Object.entries(decoded.headers)).toEqual(Object.entries(event.headers ?? {}));
        if ('json' in event.data) {
          expect(decoded.data).toEqual({ json: JSON.parse(JSON.stringify(event.data.json)) });
        } else if ('bytes' in event.data) {
          expect(decoded.data).toEqual({ bytes: new Uint8Array(event.data.bytes) });
        } else {
          expect(decoded.data).toEqual(event.data);
        }
      }),
    );
  });

  it('rejects every truncation of an encoding with ERR_ANNAL_CORRUPT', () => {
    fc.assert(
      fc.property(input, (event) => {
        const entry = encode(event);
        for (let length = 0; length < entry.length; length++) {
          const result = tryDecode(entry.slice(0, length));
          if (!(result instanceof CorruptError)) {
            expect.fail(`a cut to ${length} of ${entry.length} bytes decoded`);
          }
        }
      }),
    );
  });

  it('rejects a changed length field, or decodes a different valid event: never a crash', () => {
    fc.assert(
      fc.property(
        input,
        fc.nat(),
        fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constant(-1)),
        (event, pick, bit) => {
          const original = encode(event);
          const fields = lengthFields(checkEventInput(event));
          const [at, width] = fields[pick % fields.length] as [number, 2 | 4];
          const entry = original.slice();
          const view = new DataView(entry.buffer);
          const old = width === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
          // One flipped bit, or the largest value the field holds.
          const flipped =
            bit === -1 ? 2 ** (8 * width) - 1 : (old ^ (1 << (bit % (8 * width)))) >>> 0;
          if (flipped === old) return;
          if (width === 2) view.setUint16(at, flipped, true);
          else view.setUint32(at, flipped, true);
          const result = tryDecode(entry);
          if (result instanceof CorruptError) return;
          expectValid(result);
          expect(result).not.toEqual(decodeEvent(original, INDEX, SOURCE));
        },
      ),
    );
  });

  it('rejects any flipped byte with ERR_ANNAL_CORRUPT or decodes a valid event: never a crash', () => {
    fc.assert(
      fc.property(input, fc.nat(), fc.integer({ min: 1, max: 255 }), (event, pick, mask) => {
        const entry = encode(event);
        const at = pick % entry.length;
        entry[at] = (entry[at] as number) ^ mask;
        const result = tryDecode(entry);
        if (!(result instanceof CorruptError)) expectValid(result);
      }),
    );
  });
});
