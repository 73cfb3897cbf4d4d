import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { SOAK, seededRandom, spawnNode, temporaryDirectory, trialBudget } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';
import { payloadOf } from '../queue-helpers.js';

/** Reads every record, checking that record n has record n's length and bytes. */
function verify(directory: string): number {
  using queue = Queue.open(directory, { readOnly: true });
  const reader = queue.reader();
  let n = 0;
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    const expected = payloadOf(n, (n * 37) % 3000);
    if (record.length !== expected.length || !record.copy().every((b, i) => b === expected[i])) {
      throw new Error(`record ${n} (index ${record.index}) is not what was appended`);
    }
    n++;
  }
  return n;
}

describe('an appender killed with SIGKILL at random points', () => {
  it.each([
    ['off', 'mixed'],
    ['crc32c', 'mixed'],
    ['crc32c', 'batched'],
  ])(
    'loses no committed record, never shows a torn one, and appending continues (checksums %s, %s appends)',
    async (checksums, mode) => {
      // 'batched': appendBatchSync and deferred commits; a record counts once flushed.
      const budget = trialBudget({
        min: mode === 'batched' ? 8 : 15,
        max: mode === 'batched' ? 25 : 50,
        seconds: 8,
        soak: 1000,
      });
      const random = seededRandom(checksums === 'off' ? 1 : mode === 'mixed' ? 2 : 3);
      const directory = temporaryDirectory();
      let total = 0;
      for (let trial = 0; budget.more(trial); trial++) {
        const child = spawnNode(fixturePath('append-forever.mjs'), [
          directory,
          checksums,
          String(total),
          mode,
        ]);
        // Wait for some progress, then kill at a random later moment (no sleep: a random
        // number of further progress lines).
        const lines = 1 + Math.floor(random() * 4);
        let acknowledged = 0;
        for (let seen = 0; seen < lines;) {
          const line = await child.waitForLine((text) => {
            const count = Number(text.split(' ')[1]);
            return count > acknowledged;
          });
          acknowledged = Number(line.split(' ')[1]);
          seen++;
        }
        child.child.kill('SIGKILL');
        const result = await child.exited;
        expect(result.signal).toBe('SIGKILL');
        const recovered = verify(directory);
        expect(recovered).toBeGreaterThanOrEqual(acknowledged);
        total = recovered;
      }
      expect(total).toBeGreaterThan(0);
    },
    // Only a bound (no timing is asserted): the budget runs fewer child processes on a loaded
    // machine, where 50 of them took 45–60 s, above vitest's 60 s default.
    SOAK ? 6 * 3_600_000 : 240_000,
  );
});
