import { describe, expect, it } from 'vitest';
import { BACK_PRESSURED, EMPTY, SpscRing, TooLargeError, type WriteClaim } from '@annal/logbuf';

function pair(capacity = 1024): { producer: SpscRing; consumer: SpscRing } {
  const buffer = SpscRing.allocate(capacity);
  return { producer: SpscRing.attach(buffer), consumer: SpscRing.attach(buffer) };
}

function claimed(ring: SpscRing, length: number): WriteClaim {
  const claim = ring.tryClaim(length);
  if (claim === BACK_PRESSURED) throw new Error('unexpected BACK_PRESSURED');
  return claim;
}

describe('SpscRing#tryClaim()', () => {
  it('shows the consumer nothing until commit (the length word is the commit marker)', () => {
    const { producer, consumer } = pair();
    const claim = claimed(producer, 5);
    claim.write(Uint8Array.of(1, 2, 3, 4, 5));
    expect(consumer.tryRead()).toBe(EMPTY);
    expect(consumer.recordsAvailable()).toBe(0);
    expect(claim.commit()).toBe(true);
    const record = consumer.tryRead();
    if (record === EMPTY) throw new Error('expected a record');
    expect([...record.bytes]).toEqual([1, 2, 3, 4, 5]);
    record.release();
    expect(consumer.tryRead()).toBe(EMPTY);
  });

  it('returns a Uint8Array view of exactly length bytes, and the same claim object every time', () => {
    const { producer } = pair();
    const first = claimed(producer, 13);
    expect(first.bytes.length).toBe(13);
    expect(first.bytes.buffer).toBe(producer.buffer);
    expect(first.offset % 8).toBe(0);
    const firstOffset = first.offset;
    first.commit();
    const second = claimed(producer, 3);
    expect(second).toBe(first);
    expect(second.offset).toBe(firstOffset + 24);
    second.abort();
  });

  it('makes zero-length records real records: committed, read back with length 0', () => {
    const { producer, consumer } = pair();
    claimed(producer, 0).commit();
    producer.trySend(new Uint8Array(0));
    expect(consumer.recordsAvailable()).toBe(2);
    const lengths: number[] = [];
    expect(consumer.poll((record) => lengths.push(record.length))).toBe(2);
    expect(lengths).toEqual([0, 0]);
    expect(producer.producerPosition()).toBe(16); // an 8-byte header each
  });

  it('turns an aborted claim into padding the consumer skips', () => {
    const { producer, consumer } = pair();
    const claim = claimed(producer, 40);
    claim.bytes.fill(0xee);
    claim.abort();
    producer.trySend(Uint8Array.of(9));
    const record = consumer.tryRead();
    if (record === EMPTY) throw new Error('expected a record');
    expect([...record.bytes]).toEqual([9]);
    record.release();
    // the aborted payload was zeroed with the rest
    expect(new Uint8Array(producer.buffer, 256, 64).every((byte) => byte === 0)).toBe(true);
  });

  it('aborts a claim left uncommitted when disposed, and not a committed one', () => {
    const { producer, consumer } = pair();
    {
      using claim = claimed(producer, 4);
      claim.write(Uint8Array.of(1, 1, 1, 1));
    }
    {
      using claim = claimed(producer, 1);
      claim.write(Uint8Array.of(2));
      claim.commit();
    }
    const seen: number[] = [];
    consumer.poll((record) => seen.push(...record.bytes));
    expect(seen).toEqual([2]);
  });

  it('throws ERR_ANNAL_TOO_LARGE up front for a record longer than capacity / 2 - 8', () => {
    const { producer } = pair(1024);
    expect(producer.maxPayloadBytes).toBe(504);
    expect(() => producer.tryClaim(505)).toThrow(TooLargeError);
    expect(() => producer.trySend(new Uint8Array(505))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_TOO_LARGE', field: 'length' }),
    );
    expect(producer.tryClaim(504)).not.toBe(BACK_PRESSURED);
  });

  it.each([-1, 1.5, Number.NaN, '8'])(
    'rejects length=%s with ERR_ANNAL_INVALID_ARGUMENT',
    (length) => {
      const { producer } = pair();
      expect(() => producer.tryClaim(length as number)).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'length' }),
      );
    },
  );

  it('refuses a second claim while the first is active, and commit on an inactive claim', () => {
    const { producer } = pair();
    const claim = claimed(producer, 8);
    expect(() => producer.tryClaim(8)).toThrow(/previous claim is still active/);
    claim.commit();
    expect(() => claim.commit()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'claim' }),
    );
    expect(() => claim.abort()).not.toThrow();
  });

  it('returns BACK_PRESSURED when the consumer has not freed enough space, and counts it', () => {
    const { producer, consumer } = pair(64); // room for two 24-byte payloads (32-byte frames)
    expect(producer.trySend(new Uint8Array(24))).toBe(24);
    expect(producer.trySend(new Uint8Array(24))).toBe(24);
    expect(producer.trySend(new Uint8Array(0))).toBe(BACK_PRESSURED);
    expect(producer.tryClaim(0)).toBe(BACK_PRESSURED);
    expect(producer.backPressureCount()).toBe(2);
    expect(consumer.poll(() => undefined, 1)).toBe(1);
    expect(producer.trySend(new Uint8Array(24))).toBe(24);
  });

  it('pads to the end of the data area and wraps a record that does not fit before it', () => {
    const { producer, consumer } = pair(64);
    producer.trySend(new Uint8Array(16)); // frame 24 at 0
    producer.trySend(new Uint8Array(16)); // frame 24 at 24; 16 bytes left before the end
    consumer.poll(() => undefined);
    expect(producer.trySend(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9))).toBe(9); // frame 24: pads 16, wraps
    expect(producer.producerPosition()).toBe(48 + 16 + 24);
    const record = consumer.tryRead();
    if (record === EMPTY) throw new Error('expected a record');
    expect(record.offset).toBe(256 + 8); // payload of the record at data offset 0
    expect([...record.bytes]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    record.release();
    expect(consumer.consumerPosition()).toBe(88);
  });
});
