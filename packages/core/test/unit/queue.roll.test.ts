import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL, payloadOf, readAll } from '../queue-helpers.js';

describe('Queue roll cycles', () => {
  it('rolls when the clock passes a boundary; readers cross cycles and gaps in order', () => {
    const clock = new ManualClock();
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    const indices = [appender.appendSync(payloadOf(0, 8)), appender.appendSync(payloadOf(1, 8))];
    clock.advance(1000);
    indices.push(appender.appendSync(payloadOf(2, 8)));
    clock.advance(5000); // four cycles with no file
    indices.push(appender.appendSync(payloadOf(3, 8)));
    expect(queue.cycles()).toHaveLength(3);
    const cycles = indices.map((index) => queue.indices.cycleOf(index));
    expect(cycles[2]).toBe(cycles[0]! + 1);
    expect(cycles[3]).toBe(cycles[0]! + 6);
    expect(indices.map((index) => queue.indices.sequenceOf(index))).toEqual([0, 1, 0, 0]);
    expect(readAll(queue).map((record) => record.index)).toEqual(indices);
    expect(readdirSync(directory).filter((name) => name.endsWith('.annalq'))).toEqual([
      '20261122T000000Z.annalq',
      '20261122T000001Z.annalq',
      '20261122T000006Z.annalq',
    ]);
  });

  it('a reader waiting at the end of a cycle continues in the next one after the roll', () => {
    const clock = new ManualClock();
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    appender.appendSync(payloadOf(0, 8));
    const reader = queue.reader();
    expect(reader.next()).toBeDefined();
    expect(reader.next()).toBeUndefined();
    clock.advance(1000);
    const index = appender.appendSync(payloadOf(1, 8));
    expect(reader.next()?.index).toBe(index);
  });

  it('an appender opened in a later cycle seals the previous, unsealed cycle', () => {
    const clock = new ManualClock();
    const directory = temporaryDirectory();
    const first = Queue.open(directory, { ...SMALL, clock: clock.read });
    first.appender().appendSync(payloadOf(0, 8));
    first.close(); // no roll happened: the cycle is not sealed
    clock.advance(3000);
    using second = Queue.open(directory, { ...SMALL, clock: clock.read });
    const reader = second.reader();
    expect(reader.next()).toBeDefined();
    const index = second.appender().appendSync(payloadOf(1, 8));
    expect(reader.next()?.index).toBe(index);
  });
});

describe('sync across rolls', () => {
  it("under sync: 'none', sync() and syncSync() after rolls cover the cycles rolled away from, and deleted ones are no error", async () => {
    const clock = new ManualClock();
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: clock.read });
    const appender = queue.appender();
    for (let cycle = 0; cycle < 4; cycle++) {
      appender.appendSync(payloadOf(cycle, 8));
      clock.advance(1000);
    }
    appender.appendSync(payloadOf(4, 8));
    await appender.sync();
    clock.advance(1000);
    appender.appendSync(payloadOf(5, 8));
    expect(queue.deleteCycles({ keep: 1 }).length).toBeGreaterThan(0);
    appender.syncSync();
    await appender.sync();
    expect(readAll(queue).map((record) => record.payload)).toEqual([payloadOf(5, 8)]);
  });
});
