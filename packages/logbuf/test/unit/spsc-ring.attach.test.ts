import { describe, expect, it } from 'vitest';
import { CorruptError, InvalidArgumentError, LogbufError, MpscRing, SpscRing } from '@annal/logbuf';

import {
  CAPACITY_OFFSET,
  KIND_OFFSET,
  MAGIC_OFFSET,
  VERSION_OFFSET,
  wordIndex,
} from '../../src/layout.js';

function corrupted(mutate: (words: Int32Array) => void): SharedArrayBuffer {
  const buffer = SpscRing.allocate(1024);
  mutate(new Int32Array(buffer));
  return buffer;
}

describe('SpscRing.allocate()', () => {
  it('sizes the buffer as header plus capacity', () => {
    expect(SpscRing.allocate(1024).byteLength).toBe(SpscRing.bytesFor(1024));
    expect(SpscRing.bytesFor(1024)).toBe(256 + 1024);
  });

  it.each([0, 63, 100, 1000, 2 ** 31, -64, 1.5, Number.NaN])(
    'rejects capacity=%s with ERR_ANNAL_INVALID_ARGUMENT',
    (capacity) => {
      expect(() => SpscRing.allocate(capacity)).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'capacity' }),
      );
    },
  );
});

describe('SpscRing.attach()', () => {
  it('attaches to a fresh buffer and reports its capacity', () => {
    const ring = SpscRing.attach(SpscRing.allocate(4096));
    expect(ring.capacity).toBe(4096);
    expect(ring.maxPayloadBytes).toBe(2040);
    expect(ring.kind).toBe('spsc');
    expect([ring.bytesAvailable(), ring.recordsAvailable()]).toEqual([0, 0]);
  });

  it.each([
    ['magic', (words: Int32Array) => (words[wordIndex(MAGIC_OFFSET)] = 0x12345678)],
    ['version', (words: Int32Array) => (words[wordIndex(VERSION_OFFSET)] = 99)],
    ['kind', (words: Int32Array) => (words[wordIndex(KIND_OFFSET)] = 7)],
    ['capacity', (words: Int32Array) => (words[wordIndex(CAPACITY_OFFSET)] = 2048)],
    ['capacity', (words: Int32Array) => (words[wordIndex(CAPACITY_OFFSET)] = 1000)],
  ])('throws ERR_ANNAL_CORRUPT naming the bad %s', (field, mutate) => {
    const attempt = (): unknown => SpscRing.attach(corrupted(mutate));
    expect(attempt).toThrow(CorruptError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', field }));
  });

  it('refuses an MPSC ring, and MpscRing refuses an SPSC ring', () => {
    expect(() => SpscRing.attach(MpscRing.allocate(1024))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', field: 'kind' }),
    );
    expect(() => MpscRing.attach(SpscRing.allocate(1024))).toThrow(/kind=1 \(spsc\)/);
  });

  it('refuses a buffer too short for the header, or a size that does not match', () => {
    expect(() => SpscRing.attach(new SharedArrayBuffer(64))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', field: 'byteLength' }),
    );
    const longer = new SharedArrayBuffer(256 + 2048);
    new Uint8Array(longer).set(new Uint8Array(SpscRing.allocate(1024)).subarray(0, 256));
    expect(() => SpscRing.attach(longer)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', field: 'capacity' }),
    );
  });

  it('refuses what is not a SharedArrayBuffer with ERR_ANNAL_INVALID_ARGUMENT', () => {
    const attempt = (): unknown => SpscRing.attach(new ArrayBuffer(1280) as never);
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(/buffer must be a SharedArrayBuffer/);
  });

  it('throws errors that LogbufError.isInstance recognises by marker', () => {
    let caught: unknown;
    try {
      SpscRing.attach(corrupted((words) => (words[0] = 0)));
    } catch (error) {
      caught = error;
    }
    expect(LogbufError.isInstance(caught)).toBe(true);
    expect(CorruptError.isInstance(caught)).toBe(true);
    expect(InvalidArgumentError.isInstance(caught)).toBe(false);
    expect((caught as Error).name).toBe('CorruptError');
  });
});
