import { describe, expect, it } from 'vitest';
import { EMPTY, SpscRing } from '@annal/logbuf';

function filled(count: number): { producer: SpscRing; consumer: SpscRing } {
  const buffer = SpscRing.allocate(4096);
  const producer = SpscRing.attach(buffer);
  for (let i = 0; i < count; i++) producer.trySend(Uint8Array.of(i, i, i));
  return { producer, consumer: SpscRing.attach(buffer) };
}

describe('SpscRing#poll()', () => {
  it('hands over records in order up to the limit', () => {
    const { consumer } = filled(10);
    const seen: number[] = [];
    expect(consumer.poll((record) => seen.push(record.buffer[record.offset] as number), 4)).toBe(4);
    expect(consumer.poll((record) => seen.push(record.buffer[record.offset] as number))).toBe(6);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(consumer.poll(() => undefined)).toBe(0);
  });

  it('publishes the consumer position once per batch, not once per record', () => {
    const { producer, consumer } = filled(5);
    const positions: number[] = [];
    consumer.poll(() => positions.push(producer.consumerPosition()));
    expect(positions).toEqual([0, 0, 0, 0, 0]);
    expect(producer.consumerPosition()).toBe(5 * 16);
  });

  it('counts the record whose handler threw as read, publishes, and rethrows', () => {
    const { producer, consumer } = filled(5);
    let calls = 0;
    expect(() =>
      consumer.poll((record) => {
        calls++;
        if (record.buffer[record.offset] === 2) throw new Error('bad record');
      }),
    ).toThrow('bad record');
    expect(calls).toBe(3);
    expect(producer.consumerPosition()).toBe(3 * 16);
    const rest: number[] = [];
    consumer.poll((record) => rest.push(record.buffer[record.offset] as number));
    expect(rest).toEqual([3, 4]);
  });

  it('refuses release() inside the handler (poll releases)', () => {
    const { consumer } = filled(1);
    expect(() => consumer.poll((record) => record.release())).toThrow(/inside a poll handler/);
  });

  it('reuses one ReadClaim object for every record', () => {
    const { consumer } = filled(3);
    const claims = new Set<unknown>();
    consumer.poll((record) => claims.add(record));
    expect(claims.size).toBe(1);
  });
});

describe('SpscRing#pollBytes()', () => {
  it('stops once maxBytes of payload were handed over', () => {
    const { consumer } = filled(10); // 3-byte payloads
    expect(consumer.pollBytes(() => undefined, 7)).toBe(3); // 3, 6, then 9 ≥ 7
    expect(consumer.pollBytes(() => undefined, 1)).toBe(1);
    expect(consumer.pollBytes(() => undefined, 1000)).toBe(6);
  });
});

describe('SpscRing#tryRead()', () => {
  it('zeroes a released record so the next lap sees 0', () => {
    const { producer, consumer } = filled(1);
    const record = consumer.tryRead();
    if (record === EMPTY) throw new Error('expected a record');
    expect([...record.copy()]).toEqual([0, 0, 0]);
    record.release();
    expect(new Uint8Array(producer.buffer, 256, 4096).every((byte) => byte === 0)).toBe(true);
    expect(() => record.release()).toThrow(/not active/);
  });

  it('refuses to read the next record before the previous is released', () => {
    const { consumer } = filled(2);
    expect(consumer.tryRead()).not.toBe(EMPTY);
    expect(() => consumer.tryRead()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'claim' }),
    );
  });
});

describe('SpscRing#tryRead() on a damaged buffer', () => {
  it('throws ERR_ANNAL_CORRUPT for a padding frame of length 0 instead of spinning', () => {
    const buffer = SpscRing.allocate(1024);
    const consumer = SpscRing.attach(buffer);
    new Int32Array(buffer)[256 / 4] = -0x40000000; // skip + committed flags, length 0
    expect(() => consumer.tryRead()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', field: 'lengthWord', offset: 0 }),
    );
  });
});
