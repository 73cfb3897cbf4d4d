import { describe, expect, it } from 'vitest';
import { BACK_PRESSURED, MpscRing, SpscRing } from '@annal/logbuf';
import { seededRandom } from '@annal/test-utils';

const LAPS = process.env['ANNAL_SOAK'] === '1' ? 10_000 : 150;

describe.each([
  ['SpscRing', SpscRing],
  ['MpscRing', MpscRing],
] as const)('%s over many laps', (_name, Ring) => {
  it.each([64, 512, 4096])(
    `keeps order and content with random sizes from 0 to the maximum (capacity %i, ${LAPS} laps)`,
    (capacity) => {
      const seed = (Date.now() ^ capacity) >>> 0;
      const random = seededRandom(seed);
      const buffer = Ring.allocate(capacity);
      const producer = Ring.attach(buffer);
      const consumer = Ring.attach(buffer);
      const max = producer.maxPayloadBytes;
      const scratch = new Uint8Array(max);
      let sent = 0;
      let received = 0;
      let mismatch = '';
      const check = (record: { buffer: Uint8Array; offset: number; length: number }): void => {
        // payload: its length in the first byte (when any), then bytes derived from the sequence
        const sequence = received++;
        for (let i = 0; i < record.length; i++) {
          const expected = (sequence * 7 + i) & 255;
          if (record.buffer[record.offset + i] !== expected && mismatch === '') {
            mismatch = `record ${sequence} byte ${i} (seed ${seed})`;
          }
        }
      };
      while (consumer.consumerPosition() < LAPS * capacity) {
        const length =
          random() < 0.1 ? (random() < 0.5 ? 0 : max) : Math.floor(random() * (max + 1));
        for (let i = 0; i < length; i++) scratch[i] = (sent * 7 + i) & 255;
        if (producer.trySend(scratch.subarray(0, length)) !== BACK_PRESSURED) sent++;
        else consumer.poll(check, 1 + Math.floor(random() * 8));
        if (random() < 0.3) consumer.pollBytes(check, Math.floor(random() * capacity));
      }
      consumer.poll(check);
      expect(mismatch, `seed ${seed}`).toBe('');
      expect(received, `seed ${seed}`).toBe(sent);
      expect(consumer.consumerPosition()).toBe(producer.producerPosition());
      expect(
        new Uint8Array(buffer, 256).every((byte) => byte === 0),
        `seed ${seed}`,
      ).toBe(true);
    },
  );
});
