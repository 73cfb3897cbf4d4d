import { describe, expect, it } from 'vitest';
import {
  DATA_OFFSET,
  HEAD_OFFSET,
  RECEIVER_SLEEPING_OFFSET,
  TAIL_OFFSET,
  computeFrameLength,
  computeMaxPayloadLength,
  isClaimed,
  isSkipFrame,
  isSkipCheck,
  isRecordCheck,
  packSkipCheck,
  packRecordCheck,
  isRecord,
  packClaimedWord,
  packSkipWord,
  packRecordWord,
  unpackLength,
  unpackRecordLength,
} from '../../src/layout.js';

describe('layout', () => {
  it('puts the producer, consumer and sender/receiver words on separate 64-byte lines', () => {
    expect([TAIL_OFFSET, HEAD_OFFSET, RECEIVER_SLEEPING_OFFSET, DATA_OFFSET]).toEqual([
      64, 128, 192, 256,
    ]);
  });

  it.each([
    [0, 8],
    [1, 16],
    [8, 16],
    [9, 24],
    [56, 64],
    [57, 72],
  ])('computeFrameLength(%i) = %i', (payload, frame) => {
    expect(computeFrameLength(payload)).toBe(frame);
  });

  it.each([
    [64, 24],
    [1024, 504],
    [2 ** 30, 2 ** 29 - 8],
  ])('computeMaxPayloadLength(%i) = %i', (capacity, max) => {
    expect(computeMaxPayloadLength(capacity)).toBe(max);
    expect(computeFrameLength(max)).toBeLessThanOrEqual(capacity / 2);
  });

  it.each([
    ['record of 0 bytes', packRecordWord(0), true, false, false, 0],
    ['record of 100 bytes', packRecordWord(100), true, false, false, 100],
    ['largest record', packRecordWord(2 ** 29 - 8), true, false, false, 2 ** 29 - 8],
    ['padding of 8 bytes', packSkipWord(8), false, true, false, 8],
    ['padding of 2^30 - 8 bytes', packSkipWord(2 ** 30 - 8), false, true, false, 2 ** 30 - 8],
    ['claim of 16 bytes', packClaimedWord(16), false, false, true, 16],
    ['claim of 2^29 bytes', packClaimedWord(2 ** 29), false, false, true, 2 ** 29],
  ])('packs a %s', (_name, word, record, padding, claimed, length) => {
    expect(word).not.toBe(0);
    expect(word | 0).toBe(word); // fits an Int32Array element unchanged
    expect(isRecord(word)).toBe(record);
    expect(isSkipFrame(word)).toBe(padding);
    expect(isClaimed(word)).toBe(claimed);
    expect(record ? unpackRecordLength(word) : unpackLength(word)).toBe(length);
  });

  it('keeps every record word at least two bits from 0, and checks its length in the check word', () => {
    for (const length of [0, 1, 100, 2 ** 29 - 8]) {
      const word = packRecordWord(length);
      for (let bit = 0; bit < 32; bit++) expect(word ^ (1 << bit)).not.toBe(0);
      expect(isRecordCheck(packRecordCheck(length), length)).toBe(true);
      for (let bit = 0; bit < 32; bit++) {
        expect(isRecordCheck(packRecordCheck(length) ^ (1 << bit), length)).toBe(false);
      }
    }
    expect(isSkipCheck(packSkipCheck(64), 64)).toBe(true);
    expect(isSkipCheck(packRecordCheck(50), 64)).toBe(true); // an aborted 50-byte claim
    expect(isSkipCheck(packSkipCheck(64), 72)).toBe(false);
  });

  it('reads the word 0 as not written', () => {
    expect([isRecord(0), isSkipFrame(0), isClaimed(0)]).toEqual([false, false, false]);
  });
});
