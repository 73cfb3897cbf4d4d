import { describe, expect, it } from 'vitest';

import {
  Uuidv7Generator,
  formatUuid,
  isUuid,
  parseUuidInto,
  uuidVersion,
  uuidv7Timestamp,
} from '../../src/events/uuidv7.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** rand_a, the 12-bit counter, of a v7 id. */
const counterOf = (id: string): number => Number.parseInt(id.slice(15, 18), 16);

describe('Uuidv7Generator#next()', () => {
  it('gives canonical lowercase v7 ids with the RFC 9562 variant', () => {
    const ids = new Uuidv7Generator();
    for (let i = 0; i < 1000; i++) {
      const id = ids.next(Date.now());
      expect(id).toMatch(V7);
      expect(uuidVersion(id)).toBe(7);
      // variant: the top two bits of byte 8 are 10
      expect(Number.parseInt(id.charAt(19), 16) >> 2).toBe(0b10);
      expect(isUuid(id)).toBe(true);
    }
  });

  it('gives strictly increasing ids over a tight loop of 100,000 on the real clock', () => {
    const ids = new Uuidv7Generator();
    let previous = ids.next(Date.now());
    for (let i = 1; i < 100_000; i++) {
      const id = ids.next(Date.now());
      if (!(id > previous)) expect.fail(`id ${i} ${id} does not sort after ${previous}`);
      previous = id;
    }
  });

  it('counts within a millisecond and borrows the next one when the counter is spent', () => {
    const ids = new Uuidv7Generator();
    const nowMs = 1_700_000_000_000;
    let previous = ids.next(nowMs);
    expect(uuidv7Timestamp(previous)).toBe(nowMs);
    // The counter starts below 2,048: at least 2,048 ids fit in the millisecond.
    expect(counterOf(previous)).toBeLessThan(0x800);
    for (let i = 1; i < 10_000; i++) {
      const id = ids.next(nowMs);
      expect(id > previous).toBe(true);
      const ms = uuidv7Timestamp(id);
      if (ms === uuidv7Timestamp(previous)) expect(counterOf(id)).toBe(counterOf(previous) + 1);
      else expect(ms).toBe(uuidv7Timestamp(previous) + 1);
      previous = id;
    }
    // 10,000 ids at one clock reading ran ahead of it by at most 10,000 / 2,048 ms.
    expect(uuidv7Timestamp(previous) - nowMs).toBeLessThanOrEqual(5);
  });

  it('keeps increasing when the clock steps back', () => {
    const ids = new Uuidv7Generator();
    const first = ids.next(2_000_000);
    const back = ids.next(1_000_000);
    const further = ids.next(0);
    expect(back > first).toBe(true);
    expect(further > back).toBe(true);
    expect(uuidv7Timestamp(further)).toBe(2_000_000);
    // Once the clock passes the last millisecond, ids follow it again.
    expect(uuidv7Timestamp(ids.next(2_000_010))).toBe(2_000_010);
  });

  it.each([0, 1, 1_700_000_000_123, 2 ** 32, 2 ** 48 - 1])(
    'round-trips the timestamp %i',
    (nowMs) => {
      expect(uuidv7Timestamp(new Uuidv7Generator().next(nowMs))).toBe(nowMs);
    },
  );

  it('keeps one state per generator: two interleaved generators never interfere', () => {
    const a = new Uuidv7Generator();
    const b = new Uuidv7Generator();
    let lastA = a.next(5000);
    let lastB = b.next(9000);
    for (let i = 0; i < 1000; i++) {
      const idA = a.next(5000);
      const idB = b.next(1000);
      expect(idA > lastA && idB > lastB).toBe(true);
      lastA = idA;
      lastB = idB;
    }
    expect(uuidv7Timestamp(lastA)).toBeLessThan(5002);
  });
});

describe('Uuidv7Generator#observe()', () => {
  it('makes later ids sort after a v7 id from the future', () => {
    const ids = new Uuidv7Generator();
    const ahead = new Uuidv7Generator().next(9_000_000);
    const bytes = new Uint8Array(16);
    parseUuidInto(ahead, bytes, 0);
    ids.observe(bytes, 0);
    expect(ids.next(1_000_000) > ahead).toBe(true);
  });

  it('ignores ids of other versions', () => {
    const ids = new Uuidv7Generator();
    const bytes = new Uint8Array(16);
    parseUuidInto('ffffffff-ffff-4fff-bfff-ffffffffffff', bytes, 0);
    ids.observe(bytes, 0);
    expect(uuidv7Timestamp(ids.next(1234))).toBe(1234);
  });
});

describe('parseUuidInto() and formatUuid()', () => {
  it.each([
    ['00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'],
    ['0189ABCD-EF01-7234-8567-89ABCDEF0123', '0189abcd-ef01-7234-8567-89abcdef0123'],
    ['ffffffff-ffff-ffff-ffff-ffffffffffff', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  ])('%s → 16 bytes → %s', (input, canonical) => {
    const bytes = new Uint8Array(20);
    parseUuidInto(input, bytes, 2);
    expect(formatUuid(bytes, 2)).toBe(canonical);
  });

  it.each(['', 'not-a-uuid', '0189abcd-ef01-7234-8567-89abcdef012', '0189abcdef0172348567', 42])(
    'isUuid(%j) is false',
    (value) => {
      expect(isUuid(value)).toBe(false);
    },
  );
});
