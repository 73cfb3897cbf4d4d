import { describe, expect, it } from 'vitest';
import { MAX_READ_AHEAD, ReadAheadWindow } from '@annal/native/internal';

describe('ReadAheadWindow', () => {
  it('allows nothing ahead right after a move, then doubles per look up to MAX_READ_AHEAD', () => {
    const window = new ReadAheadWindow();
    const looks = Array.from({ length: 9 }, () => window.take());
    expect(looks).toEqual([0, 0, 4, 8, 16, 32, MAX_READ_AHEAD, MAX_READ_AHEAD, MAX_READ_AHEAD]);
    window.reset();
    expect([window.take(), window.take(), window.take()]).toEqual([0, 0, 4]);
  });
});
