import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';

function fiveCycles(events: string[] = []): { queue: Queue; clock: ManualClock } {
  const clock = new ManualClock();
  const queue = Queue.open(temporaryDirectory(), {
    ...SMALL,
    clock: clock.read,
    onFileAcquired: (cycle) => events.push(`+${cycle}`),
    onFileReleased: (cycle) => events.push(`-${cycle}`),
  });
  const appender = queue.appender();
  for (let n = 0; n < 5; n++) {
    appender.appendSync(payloadOf(n, 16));
    clock.advance(1000);
  }
  return { queue, clock };
}

describe('Queue#deleteCycles (retention)', () => {
  it('keeps the newest `keep` cycles, and never the ones an open reader or the appender uses', () => {
    const { queue } = fiveCycles();
    const cycles = queue.cycles();
    expect(cycles).toHaveLength(5);
    const reader = queue.reader();
    reader.seek(queue.indices.compose(cycles[2]!, 0));
    expect(reader.cycle).toBe(cycles[2]);
    // keep 1 would delete four, but the reader sits in the third cycle.
    expect(queue.deleteCycles({ keep: 1 })).toEqual(cycles.slice(0, 2));
    expect(queue.cycles()).toEqual(cycles.slice(2));
    reader.close();
    expect(queue.deleteCycles({ keep: 1 })).toEqual(cycles.slice(2, 4));
    // The newest (the appender's) cycle is never deleted, even when asked for everything.
    expect(queue.deleteCycles({ where: () => true })).toEqual([]);
    expect(queue.reader().next()?.copy()).toEqual(payloadOf(4, 16));
    queue.close();
  });

  it('deletes what `where` selects, tells listeners, and a view over a deleted file reads empty', () => {
    const events: string[] = [];
    const { queue } = fiveCycles(events);
    const cycles = queue.cycles();
    const reader = queue.reader();
    const view = reader.next()!.payload; // in the first cycle
    reader.close();
    const selected = cycles[0]!;
    const path = `${queue.directory}/20261122T000000Z.annalq`;
    expect(
      queue.deleteCycles({ where: (cycle, file) => cycle === selected && file === path }),
    ).toEqual([selected]);
    expect(existsSync(path)).toBe(false);
    expect(view.length).toBe(0);
    expect(events).toContain(`+${selected}`);
    expect(events).toContain(`-${selected}`);
    queue.close();
    expect(events.filter((event) => event.startsWith('-'))).toHaveLength(5);
  });

  it('rejects a call without a rule, a bad keep, and a read-only queue', () => {
    const { queue } = fiveCycles();
    expect(() => queue.deleteCycles({})).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT' }),
    );
    expect(() => queue.deleteCycles({ keep: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'keep' }),
    );
    const directory = queue.directory;
    queue.close();
    using readOnly = Queue.open(directory, { readOnly: true });
    expect(() => readOnly.deleteCycles({ keep: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_READ_ONLY' }),
    );
  });
});
