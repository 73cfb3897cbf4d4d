import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { APPENDER_LOCK_FILE, Queue } from '@annal/core';
import { FileLock } from '@annal/native';
import {
  SOAK,
  runNode,
  seededRandom,
  spawnNode,
  temporaryDirectory,
  trialBudget,
} from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';
import {
  checkTagged,
  taggedLength,
  taggedPayload,
  writeTagged,
} from '../fixtures/tagged-payload.mjs';
import { JOIN_BYTE, SENTINEL_BYTE } from '../../src/appender-lock-layout.js';
import { APPEND_HANDOFF_OFFSET, WRITE_POSITION_OFFSET } from '../../src/layout.js';
import { ManualClock, SMALL } from '../queue-helpers.js';

/** The u32 at `offset` of the newest cycle file's header (format.md, line 1), or 0. */
function headerWord(directory: string, offset: number): number {
  const name = readdirSync(directory)
    .filter((entry) => entry.endsWith('.annalq'))
    .sort()
    .at(-1);
  if (name === undefined) return 0;
  const word = Buffer.alloc(4);
  const fd = openSync(join(directory, name), 'r');
  try {
    readSync(fd, word, 0, 4, offset);
  } finally {
    closeSync(fd);
  }
  return word.readUInt32LE();
}

/** The write position stored in the newest cycle file's header (bytes of data). */
function endOf(directory: string): number {
  return headerWord(directory, WRITE_POSITION_OFFSET) * 8;
}

/** The hand-off request word of the newest cycle file. */
function handoffOf(directory: string): number {
  return headerWord(directory, APPEND_HANDOFF_OFFSET);
}

/**
 * Reads the whole queue and checks the promises of shared appending: indices strictly increase
 * (one total order), every record is intact, and each writer's records appear in the order it
 * appended them, each once. @returns the number of records of each writer
 */
function verifyShared(directory: string): Map<number, number> {
  using queue = Queue.open(directory, { readOnly: true });
  const reader = queue.reader();
  const next = new Map<number, number>();
  let lastIndex = -1;
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    if (record.index <= lastIndex) {
      throw new Error(`index ${record.index} follows ${lastIndex}: not one total order`);
    }
    lastIndex = record.index;
    const { writer, n } = checkTagged(record.copy());
    const expected = next.get(writer) ?? 0;
    if (n !== expected) {
      throw new Error(
        `writer ${writer}: record ${n} at index ${record.index}, expected ${expected}`,
      );
    }
    next.set(writer, n + 1);
  }
  return next;
}

function runWorker(directory: string, writer: number, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fixturePath('shared-appender.mjs'), {
      workerData: [directory, String(writer), 'count', String(count)],
    });
    let done = false;
    worker.on('message', (message) => {
      if (message === 'done') done = true;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code === 0 && done) resolve();
      else reject(new Error(`worker ${writer} exited with ${code} before finishing`));
    });
  });
}

describe('shared appenders', () => {
  it('interleave in one thread: one total order, indices handed back in that order', () => {
    const directory = temporaryDirectory();
    using first = Queue.open(directory, SMALL);
    using second = Queue.open(directory, SMALL);
    const a = first.appender({ shared: true });
    const b = second.appender({ shared: true });
    expect(a.shared).toBe(true);
    const indices: number[] = [];
    for (let n = 0; n < 3000; n++) {
      indices.push(a.appendSync(taggedPayload(0, n)));
      indices.push(b.appendSync(taggedPayload(1, n)));
      if (n % 7 === 0) {
        using claim = b.claim(5);
        claim.buffer.fill(9, claim.offset, claim.offset + 5);
        // dropped: `using` aborts it, and the next append goes on from there
      }
    }
    for (let k = 1; k < indices.length; k++) expect(indices[k]).toBeGreaterThan(indices[k - 1]!);
    // The index each append returned is the one a reader finds its record at.
    const reader = first.reader();
    const read: number[] = [];
    for (let record = reader.next(); record !== undefined; record = reader.next()) {
      read.push(record.index);
    }
    expect(read).toEqual(indices);
    expect(verifyShared(directory)).toEqual(
      new Map([
        [0, 3000],
        [1, 3000],
      ]),
    );
  });

  it('append from several worker threads and processes at once: no loss, no overlap', async () => {
    const directory = temporaryDirectory();
    const perWriter = SOAK ? 200_000 : 8_000;
    await Promise.all([
      runWorker(directory, 0, perWriter),
      runWorker(directory, 1, perWriter),
      runNode(fixturePath('shared-appender.mjs'), [directory, '2', 'count', String(perWriter)]),
      runNode(fixturePath('shared-appender.mjs'), [directory, '3', 'count', String(perWriter)]),
    ]).then(([, , ...processes]) => {
      for (const result of processes) {
        expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'done\n' });
      }
    });
    const counts = verifyShared(directory);
    expect([...counts.entries()].sort()).toEqual([
      [0, perWriter],
      [1, perWriter],
      [2, perWriter],
      [3, perWriter],
    ]);
    // A bound, as above: four writers of 20,000 records share two cores with the rest of the suite.
  }, 240_000);

  it('join while another joiner is probing for an exclusive appender (no false ERR_ANNAL_LOCKED)', () => {
    const directory = temporaryDirectory();
    using first = Queue.open(directory, SMALL);
    first.appender({ shared: true });
    // What a concurrent joiner holds for a moment while it checks that no exclusive appender
    // holds the queue. Under load that moment can be long; a joiner must not mistake it.
    const probe = FileLock.tryAcquire(join(directory, APPENDER_LOCK_FILE), {
      range: { start: SENTINEL_BYTE, length: 1 },
      exclusive: false,
    });
    expect(probe).not.toBeNull();
    // The join byte is held too, so the joiner waits and probes (its path under contention).
    const joining = FileLock.tryAcquire(join(directory, APPENDER_LOCK_FILE), {
      range: { start: JOIN_BYTE, length: 1 },
    });
    expect(joining).not.toBeNull();
    using second = Queue.open(directory, SMALL);
    // Waits for the join byte, never refused as if an exclusive appender held the queue.
    expect(() => second.appender({ shared: true, lockTimeoutMs: 50 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_TIMEOUT' }),
    );
    joining?.release();
    expect(second.appender({ shared: true }).shared).toBe(true);
    probe?.release();
    // An exclusive appender is still told apart.
    using third = Queue.open(directory, SMALL);
    expect(() => third.appender()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }));
  });

  it('follow a roll made by another appender whose clock is ahead', () => {
    const directory = temporaryDirectory();
    const early = new ManualClock();
    const late = new ManualClock();
    using first = Queue.open(directory, { ...SMALL, clock: early.read });
    using second = Queue.open(directory, { ...SMALL, clock: late.read });
    const a = first.appender({ shared: true });
    const b = second.appender({ shared: true });
    a.appendSync(taggedPayload(0, 0));
    b.appendSync(taggedPayload(1, 0));
    late.advance(2000); // b's clock is two cycles on: it seals this cycle and starts another
    b.appendSync(taggedPayload(1, 1));
    const rolledTo = b.cycle;
    a.appendSync(taggedPayload(0, 1)); // a's clock still says the old cycle: it follows b
    expect(a.cycle).toBe(rolledTo);
    expect(first.cycles()).toHaveLength(2);
    expect(verifyShared(directory)).toEqual(
      new Map([
        [0, 2],
        [1, 2],
      ]),
    );
  });

  it('and an exclusive appender exclude each other, each told why', () => {
    const directory = temporaryDirectory();
    {
      using queue = Queue.open(directory, SMALL);
      queue.appender();
      using other = Queue.open(directory, SMALL);
      expect(() => other.appender({ shared: true })).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }),
      );
      expect(() => other.appender({ shared: true })).toThrow(/exclusive appender/);
    }
    using queue = Queue.open(directory, SMALL);
    queue.appender({ shared: true });
    expect(() => queue.appender()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'shared' }),
    );
    using other = Queue.open(directory, SMALL);
    expect(() => other.appender()).toThrow(/shared appenders/);
    expect(() => other.appender({ shared: true, lockTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION' }),
    );
  });

  it('wait for a live holder at most lockTimeoutMs, then fail with ERR_ANNAL_TIMEOUT', () => {
    const directory = temporaryDirectory();
    using first = Queue.open(directory, SMALL);
    using second = Queue.open(directory, SMALL);
    const holder = first.appender({ shared: true });
    const waiter = second.appender({ shared: true, lockTimeoutMs: 20 });
    const claim = holder.claim(16);
    expect(() => waiter.appendSync(taggedPayload(1, 0))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_TIMEOUT', field: 'lockTimeoutMs' }),
    );
    expect(() => waiter.appendSync(taggedPayload(1, 0))).toThrow(
      /held .* by the shared appender in slot 0,/,
    );
    claim.abort();
    waiter.appendSync(taggedPayload(1, 0));
    expect(verifyShared(directory)).toEqual(new Map([[1, 1]]));
  });

  it('take over the lock of an appender killed while holding it, and drop its half-written record', async () => {
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, SMALL);
    const survivor = queue.appender({ shared: true });
    survivor.appendSync(taggedPayload(0, 0));
    const child = spawnNode(fixturePath('shared-appender.mjs'), [directory, '1', 'hold', '0']);
    await child.waitForLine((line) => line === 'holding');
    child.child.kill('SIGKILL');
    await child.exited;
    // The append lock word still names the dead appender: the survivor finds it dead and goes on.
    survivor.appendSync(taggedPayload(0, 1));
    // A newcomer takes the dead appender's slot; the lock is free and the end is right.
    using late = Queue.open(directory, SMALL);
    late.appender({ shared: true }).appendSync(taggedPayload(2, 0));
    survivor.appendSync(taggedPayload(0, 2));
    expect(verifyShared(directory)).toEqual(
      new Map([
        [0, 3],
        [2, 1],
      ]),
    );
  });

  it("take over from a killed holder whose slot a newcomer has taken since (the dead one's value names no live appender)", async () => {
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, SMALL);
    // A short timeout: mistaking the newcomer for the dead holder would make this append fail.
    const survivor = queue.appender({ shared: true, lockTimeoutMs: 2000 });
    survivor.appendSync(taggedPayload(0, 0));
    const child = spawnNode(fixturePath('shared-appender.mjs'), [directory, '1', 'hold', '0']);
    await child.waitForLine((line) => line === 'holding');
    child.child.kill('SIGKILL');
    await child.exited;
    // The newcomer takes the dead appender's slot and appends nothing yet.
    using late = Queue.open(directory, SMALL);
    const newcomer = late.appender({ shared: true, lockTimeoutMs: 2000 });
    survivor.appendSync(taggedPayload(0, 1));
    newcomer.appendSync(taggedPayload(2, 0));
    expect(verifyShared(directory)).toEqual(
      new Map([
        [0, 2],
        [2, 1],
      ]),
    );
  });

  it('hand the lock to a waiter killed while waiting, then take it over although its slot was reused', async () => {
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, SMALL);
    const holder = queue.appender({ shared: true, lockTimeoutMs: 2000 });
    holder.appendSync(taggedPayload(0, 0));
    const claim = holder.claim(taggedLength(0, 1));
    // The child blocks on the lock we hold and, past its spinning phase, asks for a hand-off.
    const child = spawnNode(fixturePath('shared-appender.mjs'), [directory, '1', 'count', '1']);
    while (handoffOf(directory) === 0) await new Promise(setImmediate);
    child.child.kill('SIGKILL');
    await child.exited;
    using late = Queue.open(directory, SMALL);
    const newcomer = late.appender({ shared: true, lockTimeoutMs: 2000 });
    // The commit hands the lock to the dead waiter; both live appenders still get it back.
    writeTagged(claim.buffer, claim.offset, 0, 1);
    claim.commit();
    holder.appendSync(taggedPayload(0, 2));
    newcomer.appendSync(taggedPayload(2, 0));
    expect(verifyShared(directory)).toEqual(
      new Map([
        [0, 3],
        [2, 1],
      ]),
    );
  });

  it('zero what an appender killed at a block boundary wrote into the next block', async () => {
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, SMALL);
    const survivor = queue.appender({ shared: true });
    // Fill block 0 until a large record no longer fits: the child's claim pads it and moves on.
    const blockBytes = 64 * 1024;
    let n = 0;
    while (survivor.appendSync(taggedPayload(0, n)) >= 0 && blockBytes - endOf(directory) > 500)
      n++;
    let big = 0;
    while (taggedLength(1, big) < 590) big++;
    const child = spawnNode(fixturePath('shared-appender.mjs'), [
      directory,
      '1',
      'hold',
      String(big),
    ]);
    await child.waitForLine((line) => line === 'holding');
    child.child.kill('SIGKILL');
    await child.exited;
    // The survivor takes over and writes a short record where the dead one's payload began.
    survivor.appendSync(taggedPayload(0, n + 1));
    expect(verifyShared(directory)).toEqual(new Map([[0, n + 2]]));
    queue.close();
    // Nothing stale is left for a later appender to trip over either.
    using again = Queue.open(directory, SMALL);
    again.appender({ shared: true }).appendSync(taggedPayload(0, n + 2));
    expect(verifyShared(directory)).toEqual(new Map([[0, n + 3]]));
  });

  it('take over from a worker thread terminated while holding the lock', async () => {
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, SMALL);
    const survivor = queue.appender({ shared: true });
    survivor.appendSync(taggedPayload(0, 0));
    const worker = new Worker(fixturePath('shared-appender.mjs'), {
      workerData: [directory, '1', 'hold', '0'],
    });
    const [message] = (await once(worker, 'message')) as [string];
    expect(message).toBe('holding');
    await worker.terminate();
    survivor.appendSync(taggedPayload(0, 1));
    expect(verifyShared(directory)).toEqual(new Map([[0, 2]]));
  });

  it('recover when the only shared appender was killed holding the lock (the next one joins alone)', async () => {
    const directory = temporaryDirectory();
    const child = spawnNode(fixturePath('shared-appender.mjs'), [directory, '1', 'hold', '0']);
    await child.waitForLine((line) => line === 'holding');
    child.child.kill('SIGKILL');
    await child.exited;
    using queue = Queue.open(directory, SMALL);
    queue.appender({ shared: true }).appendSync(taggedPayload(0, 0));
    expect(verifyShared(directory)).toEqual(new Map([[0, 1]]));
  });

  it(
    'killed with SIGKILL at random points lose no committed record; the others go on',
    async () => {
      const budget = trialBudget({ min: 4, max: 15, seconds: 10, soak: 300 });
      const random = seededRandom(4);
      const directory = temporaryDirectory();
      // Writer 0 lives throughout in another process; writers 1 and 2 are killed and restarted.
      const steady = spawnNode(fixturePath('shared-appender.mjs'), [directory, '0', 'paced', '0']);
      await steady.waitForLine((line) => line.startsWith('committed'));
      const next = [0, 0, 0];
      for (let trial = 0; budget.more(trial); trial++) {
        const acknowledged = [0, 0, 0];
        // Each victim appends flat out and is killed after a random number of progress lines.
        await Promise.all(
          [1, 2].map(async (writer) => {
            const victim = spawnNode(fixturePath('shared-appender.mjs'), [
              directory,
              String(writer),
              'forever',
              String(next[writer]),
            ]);
            const lines = 1 + Math.floor(random() * 3);
            for (let seen = 0; seen < lines; seen++) {
              const line = await victim.waitForLine(
                (text) => Number(text.split(' ')[1]) > acknowledged[writer]!,
              );
              acknowledged[writer] = Number(line.split(' ')[1]);
            }
            victim.child.kill('SIGKILL');
            expect((await victim.exited).signal).toBe('SIGKILL');
          }),
        );
        const counts = verifyShared(directory);
        for (const writer of [1, 2]) {
          const count = counts.get(writer) ?? 0;
          expect(count).toBeGreaterThanOrEqual(acknowledged[writer]!);
          next[writer] = count;
        }
      }
      // The steady writer was never blocked for good: it still commits after all the kills.
      const before = verifyShared(directory).get(0) ?? 0;
      await steady.waitForLine((line) => Number(line.split(' ')[1]) > before + 25);
      steady.child.kill('SIGKILL');
      await steady.exited;
      verifyShared(directory);
      // Only a bound (no timing is asserted): the budget runs 4 to 15 trials, fewer when the
      // machine is loaded, where each trial's two child processes take seconds to start.
    },
    SOAK ? 6 * 3_600_000 : 240_000,
  );
});
