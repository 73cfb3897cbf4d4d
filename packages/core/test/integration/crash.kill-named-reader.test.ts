import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { seededRandom, spawnNode, temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';

const SOAK = process.env['ANNAL_SOAK'] === '1';

/** `readers.annalr`: slots of 80 bytes after an 80-byte header (docs/format.md). */
const POSITIONS_FILE = 'readers.annalr';
const SLOT_BYTES = 80;

function filled(count: number): { directory: string; indices: number[] } {
  const directory = temporaryDirectory();
  const clock = new ManualClock();
  using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
  const appender = queue.appender();
  const indices: number[] = [];
  for (let n = 0; n < count; n++) {
    if (n === Math.floor(count / 2)) clock.advance(1000); // across two cycles
    indices.push(appender.appendSync(payloadOf(n, 10)));
  }
  return { directory, indices };
}

describe('named-reader positions', () => {
  it('survive a SIGKILL of a process storing them in a loop: reopened, the reader is at a record', async () => {
    const { directory, indices } = filled(40);
    const random = seededRandom(7);
    const trials = SOAK ? 200 : 12;
    for (let trial = 0; trial < trials; trial++) {
      const child = spawnNode(fixturePath('named-reader-loop.mjs'), [directory, 'looper']);
      // Kill after a random number of passes (no sleep: progress lines).
      const laps = 1 + Math.floor(random() * 20);
      await child.waitForLine((line) => line.startsWith('lap ') && Number(line.slice(4)) >= laps);
      child.child.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      using queue = Queue.open(directory);
      const reader = queue.reader({ name: 'looper' });
      // The last position stored whole: some record of the queue, never a torn or made-up one.
      const index = reader.next()?.index;
      expect(indices).toContain(index);
      reader.close();
    }
  }, 120_000);

  it('report a flipped bit in a stored position as ERR_ANNAL_CORRUPT, never as another position', () => {
    const { directory, indices } = filled(10);
    {
      using queue = Queue.open(directory);
      const reader = queue.reader({ name: 'billing' });
      for (let n = 0; n < 4; n++) reader.next();
      reader.close();
    }
    const path = join(directory, POSITIONS_FILE);
    const original = readFileSync(path);
    // Slot 0: u32 name length, u32 name CRC, copy A (8..23), copy B (24..39), then the name.
    for (let byte = 0; byte < 40 + 'billing'.length; byte++) {
      const damaged = new Uint8Array(original);
      damaged[SLOT_BYTES + byte]! ^= 1 << (byte % 8);
      writeFileSync(path, damaged);
      using queue = Queue.open(directory);
      expect(() => queue.reader({ name: 'billing' }), `byte ${byte}`).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_CORRUPT', path }),
      );
      // Other readers are not held up by it.
      expect(queue.reader().next()?.index).toBe(indices[0]);
    }
    writeFileSync(path, original);
    using queue = Queue.open(directory);
    expect(queue.reader({ name: 'billing' }).next()?.index).toBe(indices[4]);
  });
});
