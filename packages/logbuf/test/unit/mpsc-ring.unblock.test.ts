import { describe, expect, it } from 'vitest';
import { BACK_PRESSURED, EMPTY, MpscRing, type WriteClaim } from '@annal/logbuf';
import { TAIL_OFFSET } from '../../src/layout.js';

function claimed(ring: MpscRing, length: number): WriteClaim {
  const claim = ring.tryClaim(length);
  if (claim === BACK_PRESSURED) throw new Error('unexpected BACK_PRESSURED');
  return claim;
}

function readAll(ring: MpscRing): number[][] {
  const seen: number[][] = [];
  ring.poll((record) => seen.push([...record.bytes]));
  return seen;
}

describe('MpscRing#tryRead() unblocking a stuck claim', () => {
  it('waits for a claim in progress while the timeout has not passed', () => {
    const buffer = MpscRing.allocate(1024);
    const producer = MpscRing.attach(buffer);
    const consumer = MpscRing.attach(buffer, { unblockTimeoutMs: Infinity });
    const stuck = claimed(producer, 4);
    const other = MpscRing.attach(buffer);
    other.trySend(Uint8Array.of(7));
    for (let i = 0; i < 100; i++) expect(consumer.tryRead()).toBe(EMPTY);
    stuck.write(Uint8Array.of(1, 2, 3, 4));
    expect(stuck.commit()).toBe(true);
    expect(readAll(consumer)).toEqual([[1, 2, 3, 4], [7]]);
    expect(consumer.unblockedCount()).toBe(0);
  });

  it('turns a claimed frame into padding after the timeout, and the late commit fails detectably', () => {
    const buffer = MpscRing.allocate(1024);
    const producer = MpscRing.attach(buffer);
    const consumer = MpscRing.attach(buffer, { unblockTimeoutMs: 0 });
    const stuck = claimed(producer, 4);
    stuck.write(Uint8Array.of(1, 2, 3, 4));
    MpscRing.attach(buffer).trySend(Uint8Array.of(7));
    expect(consumer.tryRead()).toBe(EMPTY); // first sight of the stuck claim starts its clock
    expect(readAll(consumer)).toEqual([[7]]); // timeout 0 has passed: unblocked, skipped
    expect(consumer.unblockedCount()).toBe(1);
    expect(stuck.commit()).toBe(false);
    expect(producer.lateCommitCount()).toBe(1);
    expect(readAll(consumer)).toEqual([]);
    // the ring goes on working, and the unblocked frame was zeroed
    expect(producer.trySend(Uint8Array.of(8))).toBe(1);
    expect(readAll(consumer)).toEqual([[8]]);
    expect(consumer.consumerPosition()).toBe(producer.producerPosition());
  });

  it('pads a zero gap left by a producer that died between its tail CAS and its claimed mark', () => {
    const buffer = MpscRing.allocate(1024);
    const consumer = MpscRing.attach(buffer, { unblockTimeoutMs: 0 });
    // A producer moved the tail by 24 bytes and died before marking its frame.
    Atomics.add(new Int32Array(buffer), TAIL_OFFSET / 4, 24);
    const producer = MpscRing.attach(buffer);
    producer.trySend(Uint8Array.of(5, 5));
    expect(consumer.tryRead()).toBe(EMPTY);
    expect(readAll(consumer)).toEqual([[5, 5]]);
    expect(consumer.unblockedCount()).toBe(1);
    expect(consumer.consumerPosition()).toBe(24 + 16);
  });

  it('does not count an empty ring as stuck', () => {
    const consumer = MpscRing.attach(MpscRing.allocate(1024), { unblockTimeoutMs: 0 });
    for (let i = 0; i < 10; i++) expect(consumer.tryRead()).toBe(EMPTY);
    expect(consumer.unblockedCount()).toBe(0);
  });

  it.each([-1, Number.NaN, '5'])(
    'rejects unblockTimeoutMs=%s with ERR_ANNAL_INVALID_OPTION',
    (value) => {
      expect(() =>
        MpscRing.attach(MpscRing.allocate(64), { unblockTimeoutMs: value as number }),
      ).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'unblockTimeoutMs' }),
      );
    },
  );
});
