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
function blockOf(count: number, length: number) {
  const buffer = new ArrayBuffer(BLOCK_BYTES);
  const words = new Int32Array(buffer);
  const bytes = new Uint8Array(buffer);
  const offsets: number[] = [];
  let offset = 0;
  for (let sequence = 0; sequence < count; sequence++) {
    const payloadAt = offset + FRAME_HEADER_BYTES;
    for (let i = 0; i < length; i++) bytes[payloadAt + i] = (sequence * 31 + i) & 0xff;
    setChecksumWord(words, offset, payloadChecksumWords(words, bytes, payloadAt, length, sequence));
    words[offset >> 2] = packRecordWord(length);
    offsets.push(offset);
    offset += computeFrameLength(length);
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
});
