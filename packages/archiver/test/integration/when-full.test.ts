import { join } from 'node:path';

import { Archiver, openRecording } from '@annal/archiver';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

/** Message n: 4 bytes of n (LE), then n's low byte; 1000 bytes, so a 64 KiB ring fills fast. */
function numbered(n: number): Uint8Array {
  const bytes = new Uint8Array(1000).fill(n & 0xff);
  new DataView(bytes.buffer).setUint32(0, n, true);
  return bytes;
}

function numbersIn(directory: string): {
  numbers: number[];
  droppedBefore: number;
  dropped: number;
} {
  using recording = openRecording(directory);
  const numbers: number[] = [];
  let droppedBefore = 0;
  for (const message of recording.messages()) {
    const view = new DataView(message.buffer.buffer, message.buffer.byteOffset + message.offset);
    numbers.push(view.getUint32(0, true));
    droppedBefore += message.droppedBefore;
  }
  return { numbers, droppedBefore, dropped: recording.summary().dropped };
}

// One synchronous burst far larger than the ring: the worker drains it concurrently, so how many
// messages find the ring full depends on the machine; what each policy guarantees does not.
const BURST = 20_000;

describe('when the ring is full', () => {
  it("'drop' (the default) drops and counts, never blocks, and the archive says where it lost messages", async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory, { ringBytes: '64 KiB' });
    const stream = archiver.stream('burst');
    const accepted: number[] = [];
    for (let n = 0; n < BURST; n++) if (stream.recordIn(numbered(n))) accepted.push(n);
    const stats = await archiver.close();
    expect(stats.recorded + stats.dropped).toBe(BURST);
    expect(stats.recorded).toBe(accepted.length);
    const { numbers, droppedBefore, dropped } = numbersIn(directory);
    // Exactly what record() accepted, in order; the GAP records account for every drop (those
    // after the last message accepted in the GAP that close() writes last, on no message).
    expect(numbers).toEqual(accepted);
    expect(droppedBefore).toBe(stats.dropped - (BURST - 1 - (accepted.at(-1) ?? -1)));
    expect(dropped).toBe(stats.dropped);
  });

  it("'wait' loses nothing: it spins, then keeps copies in order until the worker catches up", async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory, { ringBytes: '64 KiB', whenFull: 'wait' });
    const stream = archiver.stream('burst');
    // One buffer, rewritten for every message: what waits in the backlog must be a copy.
    const reused = Buffer.alloc(1000);
    for (let n = 0; n < BURST; n++) {
      reused.fill(n & 0xff);
      reused.writeUInt32LE(n, 0);
      expect(stream.recordIn(reused)).toBe(true);
    }
    const stats = await archiver.close();
    expect(stats).toMatchObject({ recorded: BURST, dropped: 0, backlogged: 0 });
    expect(numbersIn(directory).numbers).toEqual(Array.from({ length: BURST }, (_, n) => n));
  });

  it("'wait' drops and counts beyond backlogBytes", async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory, {
      ringBytes: '64 KiB',
      whenFull: 'wait',
      waitMicros: 0,
      backlogBytes: 10_000,
    });
    const stream = archiver.stream('burst');
    const accepted: number[] = [];
    for (let n = 0; n < BURST; n++) if (stream.recordIn(numbered(n))) accepted.push(n);
    const stats = await archiver.close();
    expect(stats.recorded + stats.dropped).toBe(BURST);
    const { numbers, droppedBefore, dropped } = numbersIn(directory);
    expect(numbers).toEqual(accepted);
    // Drops after the last message accepted are in the last GAP record, on no message.
    expect(droppedBefore).toBe(stats.dropped - (BURST - 1 - (accepted.at(-1) ?? -1)));
    expect(dropped).toBe(stats.dropped);
  });

  it("'fail' throws ERR_ANNAL_BACK_PRESSURED for a message it cannot take, and keeps the ones it did", async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory, { ringBytes: '64 KiB', whenFull: 'fail' });
    const stream = archiver.stream('burst');
    const accepted: number[] = [];
    let refused = 0;
    for (let n = 0; n < BURST; n++) {
      try {
        expect(stream.recordIn(numbered(n))).toBe(true);
        accepted.push(n);
      } catch (error) {
        expect(error).toMatchObject({ code: 'ERR_ANNAL_BACK_PRESSURED' });
        refused++;
      }
    }
    const stats = await archiver.close();
    expect(stats.dropped).toBe(0);
    expect(accepted.length + refused).toBe(BURST);
    expect(numbersIn(directory).numbers).toEqual(accepted);
  });

  it('counts a message over maxMessageBytes as dropped and oversized (or throws under fail)', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory, { ringBytes: '64 KiB' });
    expect(archiver.maxMessageBytes).toBe(32 * 1024 - 8 - 16);
    const stream = archiver.stream('big');
    expect(stream.recordIn(new Uint8Array(archiver.maxMessageBytes))).toBe(true);
    expect(stream.recordIn(new Uint8Array(archiver.maxMessageBytes + 1))).toBe(false);
    expect(archiver.stats()).toMatchObject({ dropped: 1, oversized: 1 });
    await archiver.close();

    const failing = await Archiver.open(join(temporaryDirectory(), 'archive'), {
      ringBytes: '64 KiB',
      whenFull: 'fail',
    });
    expect(() => failing.stream('big').recordIn(new Uint8Array(40_000))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_BACK_PRESSURED', field: 'bytes' }),
    );
    await failing.close();
  });
});
