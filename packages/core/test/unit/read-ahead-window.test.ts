import { describe, expect, it } from 'vitest';
import { payloadChecksumWords } from '../../src/checksum.js';
import {
  FRAME_HEADER_BYTES,
  computeFrameLength,
  packRecordWord,
  setChecksumWord,
} from '../../src/layout.js';
import { MAX_AHEAD, ReadAheadCheck } from '../../src/read-ahead-check.js';

const BLOCK_BYTES = 64 * 1024;

/** A block of `count` committed records of `length` bytes each, sequences 0 …; their offsets. */
function blockOf(count: number, length: number | ((sequence: number) => number)) {
  const buffer = new ArrayBuffer(BLOCK_BYTES);
  const words = new Int32Array(buffer);
  const bytes = new Uint8Array(buffer);
  const offsets: number[] = [];
  let offset = 0;
  for (let sequence = 0; sequence < count; sequence++) {
    const size = typeof length === 'number' ? length : length(sequence);
    const payloadAt = offset + FRAME_HEADER_BYTES;
    for (let i = 0; i < size; i++) bytes[payloadAt + i] = (sequence * 31 + i) & 0xff;
    setChecksumWord(words, offset, payloadChecksumWords(words, bytes, payloadAt, size, sequence));
    words[offset >> 2] = packRecordWord(size);
    offsets.push(offset);
    offset += computeFrameLength(size);
  }
  offsets.push(offset);
  return { words, bytes, offsets };
}

// After a move (seek, attach) a reader may read one record and move again: the first look must
// not hash 64 records ahead (with 4 KiB records, 256 KiB per seek: seek + next 8× slower).
describe('ReadAheadCheck window', () => {
  it('checks nothing ahead on the first look after a reset, then grows to MAX_AHEAD', () => {
    const { words, bytes, offsets } = blockOf(200, 100);
    const ahead = new ReadAheadCheck();
    ahead.reset();
    expect(ahead.check(words, bytes, 0, BLOCK_BYTES, 16_000, 0, 0)).toBe(false);
    expect(ahead.verifiedEnd).toBe(0);
    // Reading on sequentially: the records the reader did not find in the span it checks itself.
    const spans: number[] = [];
    for (let sequence = 1; sequence < 200; sequence++) {
      const position = offsets[sequence]!;
      if (position >= ahead.verifiedStart && position < ahead.verifiedEnd) continue;
      if (ahead.check(words, bytes, 0, BLOCK_BYTES, 16_000, position, sequence)) {
        spans.push(offsets.indexOf(ahead.verifiedEnd) - sequence);
      }
    }
    expect(Math.max(...spans)).toBe(MAX_AHEAD);
    expect(spans[0]).toBeLessThan(MAX_AHEAD);
  });

  it('passes a record whose CRC is 0 (stored as NONZERO_CHECK) and sequences above 2^31', () => {
    // An empty payload's CRC is its seed: record 0, empty, has CRC 0.
    const { words, bytes, offsets } = blockOf(100, (sequence) => (sequence === 0 ? 0 : 20));
    const ahead = new ReadAheadCheck();
    for (let look = 0; look < 6; look++) ahead.check(words, bytes, 0, BLOCK_BYTES, 16_000, 0, 0);
    expect(ahead.check(words, bytes, 0, BLOCK_BYTES, 16_000, 0, 0)).toBe(true);
    expect(ahead.verifiedEnd).toBe(offsets[MAX_AHEAD]);
    // The same bytes under sequences 2^31 + k: written for those seeds, they pass; the others fail.
    const high = 2 ** 31 + 5;
    const { words: highWords, bytes: highBytes } = blockOf(100, 20);
    for (let k = 0; k < 100; k++) {
      const at = k * computeFrameLength(20);
      highWords[(at + 4) >> 2] = payloadChecksumWords(
        highWords,
        highBytes,
        at + FRAME_HEADER_BYTES,
        20,
        high + k,
      );
    }
    for (let look = 0; look < 7; look++) {
      ahead.check(highWords, highBytes, 0, BLOCK_BYTES, 16_000, 0, high);
    }
    expect(ahead.check(highWords, highBytes, 0, BLOCK_BYTES, 16_000, 0, high)).toBe(true);
    expect(ahead.verifiedEnd).toBe(MAX_AHEAD * computeFrameLength(20));
    expect(ahead.check(highWords, highBytes, 0, BLOCK_BYTES, 16_000, 0, high + 1)).toBe(false);
  });
});
