import { membarrier, membarrierRegister } from '@annal/native';
import { describe, expect, it } from 'vitest';

describe('membarrierRegister() and membarrier()', () => {
  it('say whether asymmetric fences work in this process, the same way each time, and never throw', () => {
    const registered = membarrierRegister();
    expect(typeof registered).toBe('boolean');
    expect(membarrierRegister()).toBe(registered);
    // Where registration works, the fence does too (callers rely on it to skip full fences).
    expect(membarrier() || !registered).toBe(true);
  });
});
