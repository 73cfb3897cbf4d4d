import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { fromArray, project, type ReplayRecord } from '@annal/replay';
import { SOAK, seededRandom, spawnNode, temporaryDirectory, trialBudget } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

function recordQueue(directory: string, count: number): void {
  const queue = Queue.open(directory, { blockBytes: '1 MiB' });
  const appender = queue.appender();
  const payload = new Uint8Array(16);
  const view = new DataView(payload.buffer);
  for (let sequence = 0; sequence < count; sequence++) {
    view.setUint32(0, sequence, true);
    appender.appendSync(payload);
  }
  queue.close();
}

describe('project', () => {
  it('folds every record, checkpoints, and a second run resumes after the checkpoint', async () => {
    const checkpoint = join(temporaryDirectory(), 'sum.json');
    const values = Array.from({ length: 100 }, (_, k) => k);
    const options = {
      checkpoint,
      checkpointEvery: 10,
      initialState: () => ({ sum: 0 }),
      evolve: (state: { sum: number }, record: ReplayRecord<number>) => ({
        sum: state.sum + record.value,
      }),
    };
    const first = await project(() => fromArray(values.slice(0, 60)), options);
    expect(first).toMatchObject({
      state: { sum: 1770 },
      index: 59,
      resumedAfter: undefined,
      folded: 60,
    });
    const second = await project((after) => {
      expect(after).toBe(59);
      return fromArray(values); // indexes 0…59 are passed over
    }, options);
    expect(second).toMatchObject({
      state: { sum: 4950 },
      index: 99,
      resumedAfter: 59,
      folded: 40,
    });
  });

  it('keeps the last checkpoint when evolve throws, and checkpoints what was folded on abort', async () => {
    const checkpoint = join(temporaryDirectory(), 'state.json');
    const failing = project(() => fromArray([1, 2, 3, 4]), {
      checkpoint,
      checkpointEvery: 2,
      initialState: () => ({ seen: [] as number[] }),
      evolve: (state, record) => {
        if (record.value === 4) {
          state.seen.push(-1); // a half-made change that must not be checkpointed
          throw new Error('bad record');
        }
        state.seen.push(record.value);
        return state;
      },
    });
    await expect(failing).rejects.toThrow('bad record');
    expect(JSON.parse(readFileSync(checkpoint, 'utf8'))).toMatchObject({
      index: 1,
      state: { seen: [1, 2] },
    });

    const controller = new AbortController();
    const aborted = project(() => fromArray([1, 2, 3, 4, 5]), {
      checkpoint,
      checkpointEvery: 100,
      initialState: () => ({ seen: [] as number[] }),
      evolve: (state, record) => {
        if (record.value === 4) controller.abort();
        return { seen: [...state.seen, record.value] };
      },
      signal: controller.signal,
    });
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ANNAL_ABORTED' });
    expect(JSON.parse(readFileSync(checkpoint, 'utf8'))).toMatchObject({
      index: 3,
      state: { seen: [1, 2, 3, 4] },
    });
  });

  it('refuses a checkpoint whose directory does not exist before folding anything', async () => {
    const directory = join(temporaryDirectory(), 'missing');
    let opened = false;
    await expect(
      project(
        () => {
          opened = true;
          return fromArray([1, 2]);
        },
        {
          checkpoint: join(directory, 'sum.json'),
          initialState: () => 0,
          evolve: (state: number, record: ReplayRecord<number>) => state + record.value,
        },
      ),
    ).rejects.toMatchObject({ code: 'ERR_ANNAL_NOT_FOUND', field: 'checkpoint', path: directory });
    expect(opened).toBe(false);
  });

  it('reports a damaged checkpoint as ERR_ANNAL_CORRUPT instead of folding on top of it', async () => {
    const checkpoint = join(temporaryDirectory(), 'sum.json');
    const options = {
      checkpoint,
      initialState: () => 0,
      evolve: (state: number, record: ReplayRecord<number>) => state + record.value,
    };
    await project(() => fromArray([5, 6]), options);
    const text = readFileSync(checkpoint, 'utf8');
    writeFileSync(checkpoint, text.replace('"state":11', '"state":12'));
    await expect(project(() => fromArray([5, 6]), options)).rejects.toMatchObject({
      code: 'ERR_ANNAL_CORRUPT',
      path: checkpoint,
      field: 'crc32c',
    });
    writeFileSync(checkpoint, text.slice(0, 20));
    await expect(project(() => fromArray([5, 6]), options)).rejects.toMatchObject({
      code: 'ERR_ANNAL_CORRUPT',
    });
  });

  it(
    'folds every record exactly once across kill -9 of the projecting process',
    async () => {
      const root = temporaryDirectory();
      const queue = join(root, 'queue');
      const checkpoint = join(root, 'projection.json');
      const count = SOAK ? 200_000 : 20_000;
      recordQueue(queue, count);
      const random = seededRandom(15);
      // Past the budget, the next child is left to finish.
      const budget = trialBudget({ min: 2, max: 1_000, seconds: 8, soak: 1_000_000 });
      let kills = 0;
      for (;;) {
        const child = spawnNode(fixturePath('project-queue.mjs'), [queue, checkpoint]);
        // Kill after a random number of further progress lines (never after a sleep).
        const lines = budget.more(kills) ? 1 + Math.floor(random() * 20) : Infinity;
        let finished: string | undefined;
        let folded = 0;
        for (let seen = 0; seen < lines && finished === undefined; seen++) {
          const line = await child.waitForLine(
            (text) =>
              text.startsWith('done') ||
              (text.startsWith('folded') && Number(text.split(' ')[1]) > folded),
          );
          if (line.startsWith('done')) finished = line;
          else folded = Number(line.split(' ')[1]);
        }
        if (finished !== undefined) {
          const result = await child.exited;
          expect(result.code, result.stderr).toBe(0);
          expect(finished).toBe(`done ${count} ${(count * (count - 1)) / 2}`);
          break;
        }
        child.child.kill('SIGKILL');
        const result = await child.exited;
        expect(result.signal, result.stderr).toBe('SIGKILL');
        kills++;
      }
      expect(kills).toBeGreaterThan(0);
      // No temporary file of an interrupted checkpoint is ever read as the checkpoint.
      expect(readdirSync(root).filter((name) => name.endsWith('.json'))).toEqual([
        'projection.json',
      ]);
      // Only a bound (no timing is asserted): a child process per kill; the budget lets the child
      // finish after 8 s of kills (at least 2), where twenty took over a minute on a loaded
      // two-core machine.
    },
    SOAK ? 6 * 3_600_000 : 240_000,
  );
});
