import { describe, expect, it } from 'vitest';
import { BACK_PRESSURED, EMPTY, MpscRing, SpscRing } from '@annal/logbuf';

/** Every property name reachable on `object`, own and inherited, string or symbol. */
function reachableNames(object: object): Set<string | symbol> {
  const names = new Set<string | symbol>();
  for (let at: object | null = object; at !== null; at = Object.getPrototypeOf(at) as object | null)
    for (const key of Reflect.ownKeys(at)) names.add(key);
  return names;
}

describe.each(['spsc', 'mpsc'] as const)('%s claims keep the ring’s side private', (kind) => {
  it('offer no method that re-aims a claim, writes padding or publishes records', () => {
    const buffer = kind === 'spsc' ? SpscRing.allocate(1024) : MpscRing.allocate(1024);
    const attach = (): SpscRing | MpscRing =>
      kind === 'spsc' ? SpscRing.attach(buffer) : MpscRing.attach(buffer);
    const producer = attach();
    const consumer = attach();
    expect(producer.trySend(Uint8Array.of(1, 2, 3))).toBe(3);
    const writeClaim = producer.tryClaim(4);
    if (writeClaim === BACK_PRESSURED) throw new Error('unexpected BACK_PRESSURED');
    const readClaim = consumer.tryRead();
    if (readClaim === EMPTY) throw new Error('unexpected EMPTY');
    for (const claim of [writeClaim, readClaim]) {
      const names = reachableNames(claim);
      for (const internal of ['wrap', 'pad', 'publishDeferred', 'deactivate'])
        expect(names.has(internal)).toBe(false);
    }
    // The claims still work through their public side.
    expect(readClaim.copy()).toEqual(Uint8Array.of(1, 2, 3));
    readClaim.release();
    writeClaim.write(Uint8Array.of(4, 5, 6, 7));
    writeClaim.commit();
    const next = consumer.tryRead();
    if (next === EMPTY) throw new Error('unexpected EMPTY');
    expect(next.copy()).toEqual(Uint8Array.of(4, 5, 6, 7));
    next.release();
  });
});
