import { describe, expect, it } from 'vitest';
import type { AppendPosition } from '../../src/append-position.js';
import { PendingFrames } from '../../src/append-batch.js';
import { FRAME_HEADER_BYTES, computeFrameLength } from '../../src/layout.js';

// FAST_DAILY and FAST_HOURLY allow 2^32 records a cycle. The batch keeps each waiting frame's
// sequence in an Int32Array slot: a sequence of 2^31 or more reads back negative, and the index
// entry of an indexed record in a batch must still go to its slot of the index page, not before it.
describe('a batch of records with sequences above 2^31', () => {
  it('stores the index entry of an indexed record in its own slot', () => {
    const indexCount = 8192;
    const indexSpacing = 64;
    const blockBytes = 256 * 1024;
    const buffer = new ArrayBuffer(blockBytes);
    const words = new Int32Array(buffer);
    const pageOffset = 64 * 1024; // the index page, after some records
    const at = {
      words,
      bytes: new Uint8Array(buffer),
      checksums: false,
      fenceless: false,
      blockStart: 0,
      headerBytes: 36_864,
      indexCount,
      indexSpacing,
      indexMask: indexSpacing - 1,
      indexPageWords: words,
      indexPageOffset: pageOffset,
    } as unknown as AppendPosition;
    const frames = new PendingFrames();
    const first = 2 ** 31 + indexSpacing - 1; // the second is indexed: 2^31 + 64
    let offset = 128 * 1024;
    for (let k = 0; k < 3; k++) {
      frames.add(offset, 16, first + k);
      offset += computeFrameLength(16);
    }
    frames.publish(at);
    const entry = ((first + 1) / indexSpacing) % indexCount; // 1
    const entryWord = ((pageOffset + FRAME_HEADER_BYTES) >> 2) + entry;
    expect(words[entryWord]).toBe((at.headerBytes + 128 * 1024 + computeFrameLength(16)) / 8);
    // Nothing written anywhere else below the frames (the records and the page before them).
    const written = [...words.subarray(0, (128 * 1024) >> 2).entries()]
      .filter(([, value]) => value !== 0)
      .map(([index]) => index);
    expect(written).toEqual([entryWord]);
  });
});
