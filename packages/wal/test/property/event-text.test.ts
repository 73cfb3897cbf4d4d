import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeText, internedText } from '../../src/events/text.js';

// The reference: a validating decoder. The fast paths (ASCII, the intern table, a Buffer kept
// over the last ArrayBuffer) must agree with it on every input, valid UTF-8 or not.
const reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const expected = (bytes: Uint8Array): string | undefined => {
  try {
    return reference.decode(bytes);
  } catch {
    return undefined;
  }
};

/** Bytes that are often ASCII, often valid UTF-8, and sometimes neither. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300, max: 0x7f }),
  fc.string({ unit: 'binary', maxLength: 100 }).map((s) => new TextEncoder().encode(s)),
  fc.uint8Array({ minLength: 1000, maxLength: 1100, max: 0x7f }),
);

describe('event text decoding', () => {
  it('decodeText and internedText equal a validating TextDecoder, at any offset', () => {
    fc.assert(
      fc.property(bytes, fc.nat({ max: 16 }), fc.nat({ max: 16 }), (text, before, after) => {
        // Inside a larger buffer at an offset, as a record lies in a segment.
        const segment = new Uint8Array(before + text.length + after).fill(0xff);
        segment.set(text, before);
        const view = segment.subarray(1);
        const want = expected(text);
        expect(decodeText(view, 0, 0)).toBe('');
        expect(decodeText(segment, before, text.length)).toBe(want);
        expect(internedText(segment, before, text.length)).toBe(want);
        // Again, now that the table may hold it, and through a view with its own byteOffset.
        if (before >= 1) {
          expect(internedText(view, before - 1, text.length)).toBe(want);
          expect(decodeText(view, before - 1, text.length)).toBe(want);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads the bytes as they are now when one array is refilled (the fd backend reuses its window)', () => {
    const window = new Uint8Array(64);
    window.set(new TextEncoder().encode('first text'), 8);
    expect(decodeText(window, 8, 10)).toBe('first text');
    window.set(new TextEncoder().encode('later text'), 8);
    expect(decodeText(window, 8, 10)).toBe('later text');
    expect(internedText(window, 8, 10)).toBe('later text');
    window.set(new TextEncoder().encode('other text'), 8);
    expect(internedText(window, 8, 10)).toBe('other text');
  });

  it('never returns an interned string for other bytes (hash collisions included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 6, max: 0x7f }), {
          minLength: 2,
          maxLength: 600,
        }),
        (texts) => {
          for (const text of texts) {
            expect(internedText(text, 0, text.length)).toBe(expected(text));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
