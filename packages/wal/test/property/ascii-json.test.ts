import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { NOT_HANDLED, parseAsciiJson } from '../../src/events/ascii-json.js';

// The reference is JSON.parse of the text: the byte parser must give exactly its value (key
// order and -0 included) or leave the text to it, and never accept what JSON.parse refuses.
const encoder = new TextEncoder();

/** JSON.parse's value, or NOT_HANDLED when it throws. */
function reference(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_HANDLED;
  }
}

/** The parse of `text` lying at an offset inside larger bytes, as data lies in a segment. */
function parseAt(text: string, before: number, after: number): unknown {
  const bytes = encoder.encode(text);
  const segment = new Uint8Array(before + bytes.length + after).fill(0x31); // '1' around it
  segment.set(bytes, before);
  return parseAsciiJson(segment, before, bytes.length);
}

/** Deep equality that also tells -0 from 0 and compares key order. */
function expectSame(actual: unknown, expected: unknown): void {
  if (typeof expected === 'number') {
    expect(Object.is(actual, expected)).toBe(true);
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    expect(actual).toBe(expected);
    return;
  }
  expect(Array.isArray(actual)).toBe(Array.isArray(expected));
  expect(Object.getPrototypeOf(actual)).toBe(Object.getPrototypeOf(expected));
  const actualKeys = Object.keys(actual as object);
  expect(actualKeys).toEqual(Object.keys(expected));
  for (const key of actualKeys) {
    expectSame(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
    );
  }
}

function check(text: string, before = 0, after = 0): unknown {
  const actual = parseAt(text, before, after);
  const expected = reference(text);
  if (actual !== NOT_HANDLED) {
    expect(expected).not.toBe(NOT_HANDLED);
    expectSame(actual, expected);
  }
  return actual;
}

/** Numbers as JSON writes them and as other writers might: exponents, long digits, -0. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map(String),
  fc
    .tuple(fc.integer(), fc.nat(), fc.integer({ min: -400, max: 400 }))
    .map(([whole, fraction, exponent]) => `${whole}.${fraction}e${exponent}`),
  fc.constantFrom(
    '-0',
    '0',
    '-0.0',
    '1E+2',
    '1e-7',
    '5e-324',
    '1e400',
    '-1e400',
    '9007199254740993',
  ),
);

describe('parseAsciiJson', () => {
  it("equals JSON.parse on JSON.stringify's output, and handles the ASCII texts without escapes", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.nat({ max: 8 }),
        fc.nat({ max: 8 }),
        (value, before, after) => {
          const text = JSON.stringify(value);
          const result = check(text, before, after);
          // What the fast path leaves to JSON.parse.
          const simple = !/[\\\u0080-\uffff]|"__proto__"/.test(text);
          if (simple) expect(result).not.toBe(NOT_HANDLED);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('equals JSON.parse with whitespace between the tokens', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom(1, 2, '\t', '\r\n '),
        (value, space) => {
          check(` ${JSON.stringify(value, null, space)}\n`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads every number as JSON.parse does', () => {
    fc.assert(
      fc.property(numberText, (text) => {
        check(text);
        check(`[${text},${text}]`);
        check(`{"n":${text}}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('never accepts what JSON.parse refuses: any ASCII text, and damaged JSON', () => {
    const ascii = fc.string({
      unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    });
    const damaged = fc
      .tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.integer({ min: 0, max: 0x7f }))
      .map(([value, at, code]) => {
        const text = JSON.stringify(value);
        const k = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, k) + String.fromCharCode(code) + text.slice(k + 1);
      });
    const truncated = fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat()).map(([value, at]) => {
      const text = JSON.stringify(value);
      return text.slice(0, at % (text.length + 1));
    });
    fc.assert(
      fc.property(fc.oneof(ascii, damaged, truncated), (text) => {
        check(text, 1, 1);
      }),
      { numRuns: 5000 },
    );
  });

  it('leaves to JSON.parse: escapes, non-ASCII, "__proto__" keys, deep nesting', () => {
    expect(check('"a\\nb"')).toBe(NOT_HANDLED);
    expect(check('"é"')).toBe(NOT_HANDLED);
    expect(check('{"__proto__":1}')).toBe(NOT_HANDLED);
    expect(check('['.repeat(40) + ']'.repeat(40))).toBe(NOT_HANDLED);
    expectSame(check('['.repeat(10) + ']'.repeat(10)), JSON.parse('['.repeat(10) + ']'.repeat(10)));
    // Duplicate keys: the last value, at the first key's place, as JSON.parse.
    expectSame(check('{"a":1,"b":2,"a":3}'), { a: 3, b: 2 });
    // Index-like keys sort first, as in any object.
    expectSame(check('{"b":1,"2":2,"1":3}'), JSON.parse('{"b":1,"2":2,"1":3}'));
    expect(check('')).toBe(NOT_HANDLED);
    expect(check('01')).toBe(NOT_HANDLED);
    expect(check('1.')).toBe(NOT_HANDLED);
    expect(check('.5')).toBe(NOT_HANDLED);
    expect(check('+1')).toBe(NOT_HANDLED);
    expect(check('[1,]')).toBe(NOT_HANDLED);
    expect(check('{"a":1,}')).toBe(NOT_HANDLED);
    expect(check('tru')).toBe(NOT_HANDLED);
    expect(check('"\u0001"')).toBe(NOT_HANDLED);
  });

  it('keys met again in the same places are the same strings, whatever came between', () => {
    // The recent-keys cache: a text with other keys at the same places must not reuse them.
    expectSame(check('{"abc":1,"de":2}'), { abc: 1, de: 2 });
    expectSame(check('{"abd":1,"d":2}'), { abd: 1, d: 2 });
    expectSame(check('{"abc":{"de":1}}'), { abc: { de: 1 } });
    expectSame(check(`{"${'k'.repeat(100)}":1}`), { ['k'.repeat(100)]: 1 });
    expectSame(check(`{"${'k'.repeat(99)}j":1}`), { [`${'k'.repeat(99)}j`]: 1 });
  });
});
