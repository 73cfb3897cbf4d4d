import {
  CRC32C_NATIVE_THRESHOLD_BYTES,
  InvalidArgumentError,
  crc32c,
  crc32cJs,
  crc32cJsInt32,
  crc32cNative,
  hasHardwareCrc32c,
} from '@annal/native';
import { getBinding } from '@annal/native/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();

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
  });

  it.each([
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['0..31', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
  ])('matches RFC 3720 for %s', (_, bytes, expected) => {
    expect(crc32c(bytes)).toBe(expected);
    expect(crc32cNative(bytes, 0, 32)).toBe(expected);
  });

  it('crc32cJsInt32 has the same bits as crc32cJs, as a signed integer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const unsigned = crc32cJs(bytes, 0, bytes.length);
        expect(crc32cJsInt32(bytes, 0, bytes.length)).toBe(unsigned | 0);
      }),
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
