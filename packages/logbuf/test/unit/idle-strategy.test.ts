import { describe, expect, it } from 'vitest';
import { DEFAULT_IDLE_PAUSE_MICROS, IdleStrategy, InvalidOptionError } from '@annal/logbuf';

describe('IdleStrategy', () => {
  it('defaults to a short pause and accepts 0 (poll again at once)', () => {
    expect(new IdleStrategy().pauseMicros).toBe(DEFAULT_IDLE_PAUSE_MICROS);
    const eager = new IdleStrategy({ pauseMicros: 0 });
    eager.idle(0);
    eager.idle(5);
    expect(eager.pauseMicros).toBe(0);
  });

  it('returns after an empty poll and after one that did work', () => {
    const idle = new IdleStrategy({ pauseMicros: 1 });
    let polls = 0;
    for (let round = 0; round < 100; round++) idle.idle(round % 2 === 0 ? 0 : ++polls);
    expect(polls).toBe(50);
  });

  it.each([-1, Number.NaN, Infinity, '5'])(
    'rejects pauseMicros=%s with ERR_ANNAL_INVALID_OPTION naming the field',
    (pauseMicros) => {
      expect(() => new IdleStrategy({ pauseMicros: pauseMicros as number })).toThrow(
        InvalidOptionError,
      );
      expect(() => new IdleStrategy({ pauseMicros: pauseMicros as number })).toThrow(/pauseMicros/);
    },
  );
});
