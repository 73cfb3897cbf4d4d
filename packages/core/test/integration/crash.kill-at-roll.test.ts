import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { SOAK, seededRandom, spawnNode, temporaryDirectory, trialBudget } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';
import { payloadOf } from '../queue-helpers.js';

/** Records per one-second cycle: the child spends most of its time rolling. */
const PER_CYCLE = 5;

/** Where a check stopped: how many records were good, and the indexes of the last few. */
interface Checked {
  readonly count: number;
  /** Indexes of the last {@link RECHECKED} records checked (oldest first). */
  readonly tail: readonly number[];
  readonly firstCycle: number;
}

/** Records before the previous end that each check reads again: a crash must not damage them. */
const RECHECKED = 2 * PER_CYCLE;

/**
 * Reads the records as a reader that never saw the writer's options would, checking that record
 * n has record n's bytes and lies in cycle n / PER_CYCLE (counted from the first). Starts a few
 * records before where `from` ended (each kill is checked in time proportional to what it
 * added, so a long soak stays linear); `from` undefined reads everything.
 */
function verify(directory: string, from?: Checked): Checked {
  using queue = Queue.open(directory, { readOnly: true });
  const cycles = queue.cycles();
  const reader = queue.reader();
  let n = 0;
  let firstCycle = from?.firstCycle ?? 0;
  const resumeAt = from?.tail[0];
  if (from !== undefined && resumeAt !== undefined) {
    if (!reader.seek(resumeAt)) throw new Error(`record ${resumeAt} is gone after a kill`);
    n = from.count - from.tail.length;
  }
  const tail: number[] = [];
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    const expected = payloadOf(n, (n * 37) % 700);
    if (record.length !== expected.length || !record.copy().every((b, i) => b === expected[i])) {
      throw new Error(`record ${n} (index ${record.index}) is not what was appended`);
    }
    const cycle = queue.indices.cycleOf(record.index);
    if (n === 0) firstCycle = cycle;
    if (cycle - firstCycle !== Math.floor(n / PER_CYCLE)) {
      throw new Error(
        `record ${n} is in cycle ${cycle - firstCycle}, not ${Math.floor(n / PER_CYCLE)}`,
      );
    }
    tail.push(record.index);
    if (tail.length > RECHECKED) tail.shift();
    n++;
  }
  reader.close();
  if (from !== undefined && n < from.count) {
    throw new Error(`${from.count} records were checked before this kill, ${n} are left`);
  }
  // Every cycle file holds the records of one second of the child's clock, in order.
  expect(cycles.length).toBeGreaterThanOrEqual(Math.ceil(n / PER_CYCLE));
  return { count: n, tail, firstCycle };
}

describe('an appender killed with SIGKILL while it rolls cycle after cycle', () => {
  it.each([
    ['off', false],
    ['crc32c', false],
    ['crc32c', true],
  ] as const)(
    'loses no committed record and appending continues (checksums %s, shared %s)',
    async (checksums, shared) => {
      const budget = trialBudget({ min: 5, max: 12, seconds: 6, soak: 300 });
      const random = seededRandom(shared ? 7 : checksums === 'off' ? 5 : 6);
      const directory = temporaryDirectory();
      let checked: Checked | undefined;
      let total = 0;
      let trials = 0;
      while (budget.more(trials)) {
        const trial = trials++;
        const child = spawnNode(fixturePath('append-rolling.mjs'), [
          directory,
          checksums,
          String(total),
          String(PER_CYCLE),
          shared ? '1' : '0',
        ]);
        // Kill after a random number of progress lines (never after a sleep).
        const lines = 1 + Math.floor(random() * 3);
        let acknowledged = 0;
        for (let seen = 0; seen < lines; seen++) {
          const line = await child.waitForLine((text) => Number(text.split(' ')[1]) > acknowledged);
          acknowledged = Number(line.split(' ')[1]);
        }
        child.child.kill('SIGKILL');
        const result = await child.exited;
        expect(result.signal, result.stderr).toBe('SIGKILL');
        checked = verify(directory, checked);
        expect(checked.count, `trial ${trial}`).toBeGreaterThanOrEqual(acknowledged);
        total = checked.count;
      }
      expect(total).toBeGreaterThan(trials * 20);
      // And once from the start: nothing a later kill did damaged an earlier record.
      expect(verify(directory).count).toBe(total);
    },
    // Soak runs take minutes (no timing is asserted: the default bounds only the short run).
    SOAK ? 3_600_000 : undefined,
  );
});
