import { describe, expect, it } from 'vitest';
import {
  BACK_PRESSURED,
  EMPTY,
  MpscRing,
  Sender,
  SpscRing,
  type ReadClaim,
  type WriteClaim,
} from '@annal/logbuf';

function pair(capacity = 1024): { producer: SpscRing; consumer: SpscRing } {
  const buffer = SpscRing.allocate(capacity);
  return { producer: SpscRing.attach(buffer), consumer: SpscRing.attach(buffer) };
}

function claimByte(ring: SpscRing | MpscRing, value: number, length = 1): WriteClaim {
  const claim = ring.tryClaim(length);
  if (claim === BACK_PRESSURED) throw new Error('back-pressured');
  claim.buffer[claim.offset] = value;
  return claim;
}

function readAll(ring: SpscRing | MpscRing): number[] {
  const seen: number[] = [];
  ring.poll((record: ReadClaim) => seen.push(record.buffer[record.offset] as number));
  return seen;
}

describe('WriteClaim#commitDeferred() on an SpscRing', () => {
  it('keeps records invisible until the next commit(), then publishes them all in order', () => {
    const { producer, consumer } = pair();
    claimByte(producer, 1).commitDeferred();
    claimByte(producer, 2).commitDeferred();
    expect(consumer.tryRead()).toBe(EMPTY);
    expect(consumer.recordsAvailable()).toBe(0);
    claimByte(producer, 3).commit();
    expect(readAll(consumer)).toEqual([1, 2, 3]);
  });

  it('publishes on flush(), which reports whether anything waited', () => {
    const { producer, consumer } = pair();
    expect(producer.flush()).toBe(false);
    claimByte(producer, 7).commitDeferred();
    expect(readAll(consumer)).toEqual([]);
    expect(producer.flush()).toBe(true);
    expect(producer.flush()).toBe(false);
    expect(readAll(consumer)).toEqual([7]);
  });

  it('publishes before answering BACK_PRESSURED, so a producer spinning on a full ring never deadlocks', () => {
    const { producer, consumer } = pair(64); // frames of 16 bytes: 4 fit
    for (let value = 0; value < 4; value++) claimByte(producer, value).commitDeferred();
    expect(producer.tryClaim(1)).toBe(BACK_PRESSURED);
    expect(readAll(consumer)).toEqual([0, 1, 2, 3]);
    expect(producer.tryClaim(1)).not.toBe(BACK_PRESSURED);
  });

  it('keeps an abort and a wrap inside a deferred batch invisible until the batch is published', () => {
    const { producer, consumer } = pair(128);
    claimByte(producer, 1, 40).commit(); // 48-byte frame at 0
    claimByte(producer, 2, 40).commit(); // at 48
    expect(readAll(consumer)).toEqual([1, 2]);
    claimByte(producer, 3, 8).commitDeferred(); // 16-byte frame at 96
    claimByte(producer, 4, 0).abort(); // 8-byte padding at 112, inside the batch
    claimByte(producer, 5, 16).commitDeferred(); // 24-byte frame: 8 bytes of wrap padding, then 0
    expect(producer.producerPosition()).toBe(152);
    expect(consumer.tryRead()).toBe(EMPTY);
    expect(consumer.consumerPosition()).toBe(96);
    producer.flush();
    expect(readAll(consumer)).toEqual([3, 5]);
    expect(consumer.consumerPosition()).toBe(152);
  });

  it('is published by Sender#close(), so the receiver reads it before CLOSED', () => {
    const buffer = SpscRing.allocate(1024);
    const sender = new Sender(SpscRing.attach(buffer));
    const claim = sender.tryClaim(1);
    if (typeof claim === 'number') throw new Error(`unexpected ${claim}`);
    claim.buffer[claim.offset] = 9;
    claim.commitDeferred();
    expect(sender.flush()).toBe(true);
    const again = sender.tryClaim(1);
    if (typeof again === 'number') throw new Error(`unexpected ${again}`);
    again.buffer[again.offset] = 10;
    again.commitDeferred();
    sender.close();
    expect(readAll(SpscRing.attach(buffer))).toEqual([9, 10]);
  });

  it('throws ERR_ANNAL_INVALID_ARGUMENT on a claim that is not active', () => {
    const { producer } = pair();
    const claim = claimByte(producer, 1);
    claim.commit();
    expect(() => claim.commitDeferred()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'claim' }),
    );
  });
});

describe('WriteClaim#commitDeferred() on an MpscRing', () => {
  it('commits at once (each producer publishes its own claim by CAS)', () => {
    const buffer = MpscRing.allocate(1024);
    const producer = MpscRing.attach(buffer);
    claimByte(producer, 4).commitDeferred();
    expect(producer.flush()).toBe(false);
    expect(readAll(MpscRing.attach(buffer))).toEqual([4]);
  });
});
