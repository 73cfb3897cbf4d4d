import { InvalidArgumentError, crc32c, hasHardwareCrc32c } from '@annal/native';
import {
  getBinding,
  CRC32C_NATIVE_THRESHOLD_BYTES,
  crc32cJs,
  crc32cJsInt32,
  crc32cJsWordsInt32,
  crc32cNative,
  crc32cRangesInt32,
  crc32cWordsInt32,
} from '@annal/native/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();

/**
 * `data` copied to byte `offset` of a fresh buffer that ends right after it (so a read past the
 * end reads `undefined` and shows in the result), with an Int32Array and a Uint8Array over the
 * buffer from `viewStart` (a multiple of 4), as a mapped block's views are.
 */
function alignedCopy(
  data: Uint8Array,
  offset: number,
  viewStart = 0,
): { words: Int32Array; bytes: Uint8Array; offset: number } {
  const buffer = new ArrayBuffer(viewStart + offset + data.length);
  const bytes = new Uint8Array(buffer, viewStart);
  bytes.set(data, offset);
  const words = new Int32Array(buffer, viewStart, Math.floor(bytes.length / 4));
  return { words, bytes, offset };
}

describe('crc32c()', () => {
  // Known answers: RFC 3720 (iSCSI) appendix B.4 and the common check value.
  it.each([
    ['123456789', 0xe3069283],
    ['', 0],
    ['a', 0xc1d04330],
  ])('crc32c(%j) = %i', (text, expected) => {
    const bytes = encoder.encode(text);
    expect(crc32c(bytes)).toBe(expected);
    expect(crc32cJs(bytes, 0, bytes.length)).toBe(expected);
    expect(crc32cNative(bytes, 0, bytes.length)).toBe(expected);
    const { words, bytes: aligned, offset } = alignedCopy(bytes, 8);
    expect(crc32cJsWordsInt32(words, aligned, offset, bytes.length)).toBe(expected | 0);
  });

  it.each([
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['0..31', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
  ])('matches RFC 3720 for %s', (_, bytes, expected) => {
    expect(crc32c(bytes)).toBe(expected);
    expect(crc32cNative(bytes, 0, 32)).toBe(expected);
    const { words, bytes: aligned, offset } = alignedCopy(bytes, 4);
    expect(crc32cJsWordsInt32(words, aligned, offset, 32)).toBe(expected | 0);
  });

  it('crc32cJsInt32 has the same bits as crc32cJs, as a signed integer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const unsigned = crc32cJs(bytes, 0, bytes.length);
        expect(crc32cJsInt32(bytes, 0, bytes.length)).toBe(unsigned | 0);
      }),
    );
  });

  it('crc32cJsWordsInt32 equals crc32cNative and crc32cJs at 4- and 8-byte aligned offsets', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat({ max: 16 }),
        fc.boolean(),
        fc.nat({ max: 4 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (data, slot, eightAligned, viewSlot, seed) => {
          const { words, bytes, offset } = alignedCopy(
            data,
            slot * (eightAligned ? 8 : 4),
            viewSlot * 4,
          );
          const expected = crc32cNative(bytes, offset, data.length, seed);
          expect(crc32cJs(bytes, offset, data.length, seed)).toBe(expected);
          expect(crc32cJsWordsInt32(words, bytes, offset, data.length, seed)).toBe(expected | 0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('crc32cWordsInt32 gives the same signed CRC on either side of the native threshold', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2 * CRC32C_NATIVE_THRESHOLD_BYTES }),
        fc.nat({ max: 8 }),
        fc.integer({ min: -(2 ** 31), max: 0xffffffff }),
        (data, slot, seed) => {
          const { words, bytes, offset } = alignedCopy(data, slot * 4);
          const expected = crc32cJs(bytes, offset, data.length, seed >>> 0) | 0;
          expect(crc32cWordsInt32(words, bytes, offset, data.length, seed)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('crc32cJsWordsInt32 chains: its signed result seeds the next call', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffffffff }),
        (data, cut, seed) => {
          const { words, bytes, offset } = alignedCopy(data, 8);
          const whole = crc32cJsWordsInt32(words, bytes, offset, data.length, seed);
          // The second call must start on a multiple of 4 too.
          const split = data.length === 0 ? 0 : (cut % (data.length + 1)) & ~3;
          const head = crc32cJsWordsInt32(words, bytes, offset, split, seed);
          const rest = data.length - split;
          expect(crc32cJsWordsInt32(words, bytes, offset + split, rest, head)).toBe(whole);
          expect(crc32cJs(bytes, offset + split, rest, head >>> 0) | 0).toBe(whole);
          expect(crc32cNative(bytes, offset + split, rest, head >>> 0) | 0).toBe(whole);
        },
      ),
    );
  });

  it('reports whether the CPU instruction is used', () => {
    expect(typeof hasHardwareCrc32c()).toBe('boolean');
  });

  it('accepts ArrayBuffers, SharedArrayBuffers and other views', () => {
    const bytes = encoder.encode('123456789');
    const shared = new SharedArrayBuffer(9);
    new Uint8Array(shared).set(bytes);
    expect(crc32c(bytes.buffer)).toBe(0xe3069283);
    expect(crc32c(shared)).toBe(0xe3069283);
    expect(crc32c(new DataView(bytes.buffer))).toBe(0xe3069283);
  });

  it.each([
    ['offset', () => crc32cNative(new Uint8Array(8), -1, 4)],
    ['length', () => crc32cNative(new Uint8Array(8), 4, 5)],
    ['seed', () => crc32c(new Uint8Array(8), -1)],
    ['bytes', () => crc32c('text' as unknown as Uint8Array)],
  ])('rejects a bad %s with a coded error naming it', (field, call) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(field);
  });
});

describe('crc32c() implementations agree', () => {
  it('hardware = software = JS on random inputs, offsets and seeds, including chaining', () => {
    const binding = getBinding();
    fc.assert(
      fc.property(
        // Up to 3000 bytes: past the addon's three-stream path (≥ 768 B) and the JS/native threshold.
        fc.uint8Array({ maxLength: Math.max(3000, 3 * CRC32C_NATIVE_THRESHOLD_BYTES) }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffffffff }),
        (bytes, start, cut, seed) => {
          const offset = bytes.length === 0 ? 0 : start % bytes.length;
          const length = bytes.length - offset;
          const hardware = binding.crc32c(bytes, offset, length, seed);
          expect(binding.crc32cSoftware(bytes, offset, length, seed)).toBe(hardware);
          expect(crc32cJs(bytes, offset, length, seed)).toBe(hardware);
          // Chaining: the CRC of a‖b equals the CRC of b seeded with the CRC of a.
          const split = length === 0 ? 0 : cut % length;
          const head = crc32cJs(bytes, offset, split, seed);
          expect(binding.crc32c(bytes, offset + split, length - split, head)).toBe(hardware);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('hardware = software for long inputs up to 100 003 bytes', () => {
    const binding = getBinding();
    for (const length of [0, 1, 7, 8, 9, 63, 64, 65, 4095, 4096, 65537, 100003]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 2654435761) >>> 24);
      expect(binding.crc32c(bytes, 0, length, 0)).toBe(binding.crc32cSoftware(bytes, 0, length, 0));
      expect(crc32c(bytes)).toBe(crc32cJs(bytes, 0, length));
    }
  });
});

describe('crc32cRangesInt32()', () => {
  it('gives each range the CRC crc32cNative gives it, seeded, as a signed integer', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 4096 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), {
          maxLength: 40,
        }),
        (data, picks) => {
          const ranges = new Int32Array(3 * picks.length + 3);
          const expected: number[] = [];
          picks.forEach(([a, b, seed], i) => {
            const offset = data.length === 0 ? 0 : a % (data.length + 1);
            const length = b % (data.length - offset + 1);
            ranges.set([offset, length, seed], 3 * i);
            expected.push(crc32cNative(data, offset, length, seed >>> 0) | 0);
          });
          ranges[3 * picks.length + 2] = 12345; // past `count`: left alone
          crc32cRangesInt32(data, ranges, picks.length);
          expect(picks.map((_, i) => ranges[3 * i + 2])).toEqual(expected);
          expect(ranges[3 * picks.length + 2]).toBe(12345);
        },
      ),
    );
  });

  it('checks every range before computing any, and names the bad one', () => {
    const data = new Uint8Array(64);
    const ranges = Int32Array.of(0, 8, 7, 60, 8, 9);
    expect(() => crc32cRangesInt32(data, ranges, 2)).toThrow(
      expect.objectContaining({
        code: 'ERR_ANNAL_INVALID_ARGUMENT',
        message: expect.stringMatching(/ranges\[3\]/),
      }),
    );
    expect(ranges[2]).toBe(7);
    expect(() => crc32cRangesInt32(data, ranges, 3)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT' }),
    );
    expect(() => crc32cRangesInt32(data, new Uint32Array(3) as never, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT' }),
    );
  });
});
