import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';

function filled(
  count: number,
  clock = new ManualClock(),
): { directory: string; indices: number[] } {
  const directory = temporaryDirectory();
  const queue = Queue.open(directory, { ...SMALL, clock: clock.read });
  const appender = queue.appender();
  const indices: number[] = [];
  for (let n = 0; n < count; n++) {
    if (n === Math.floor(count / 2)) clock.advance(1000); // the second half in the next cycle
    indices.push(appender.appendSync(payloadOf(n, 10)));
  }
  queue.close();
  return { directory, indices };
}

describe('named readers', () => {
  it('continue after the last record they returned when reopened by name, across cycles', () => {
    const { directory, indices } = filled(10);
    {
      using queue = Queue.open(directory);
      const reader = queue.reader({ name: 'billing' });
      for (let n = 0; n < 7; n++) expect(reader.next()?.index).toBe(indices[n]);
      reader.close();
    }
    using queue = Queue.open(directory);
    expect(queue.readerNames()).toEqual(['billing']);
    const reader = queue.reader({ name: 'billing' });
    expect(reader.next()?.index).toBe(indices[7]);
    // Another name starts at the beginning; an anonymous reader too.
    expect(queue.reader({ name: 'audit' }).next()?.index).toBe(indices[0]);
    expect(queue.reader().next()?.index).toBe(indices[0]);
  });

  it('a reader at the end continues with records appended later', () => {
    const clock = new ManualClock();
    const { directory, indices } = filled(4, clock);
    {
      using queue = Queue.open(directory);
      const reader = queue.reader({ name: 'tail' });
      while (reader.next() !== undefined);
    }
    using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
    const next = queue.appender().appendSync(payloadOf(4, 10));
    expect(next).toBe(indices.at(-1)! + 1);
    expect(queue.reader({ name: 'tail' }).next()?.index).toBe(next);
  });

  it('one reader per name at a time (ERR_ANNAL_LOCKED); names are validated, never paths', () => {
    const { directory } = filled(2);
    using first = Queue.open(directory);
    using second = Queue.open(directory);
    first.reader({ name: '../../etc/passwd' });
    expect(() => second.reader({ name: '../../etc/passwd' })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }),
    );
    expect(readdirSync(join(directory, 'readers'))).toHaveLength(1);
    expect(existsSync(join(directory, '..', 'etc'))).toBe(false);
    expect(() => first.reader({ name: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'name' }),
    );
    expect(() => first.reader({ name: 'x'.repeat(41) })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'name' }),
    );
    using readOnly = Queue.open(directory, { readOnly: true });
    expect(() => readOnly.reader({ name: 'ro' })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_READ_ONLY' }),
    );
  });

  it('after a SIGKILL, a named reader restarts at the last record it returned (at least once)', async () => {
    const { directory, indices } = filled(10);
    const child = spawnNode(fixturePath('named-reader-then-hang.mjs'), [directory, 'worker', '6']);
    const line = await child.waitForLine((text) => text.startsWith('read '));
    expect(Number(line.split(' ')[1])).toBe(indices[5]);
    child.child.kill('SIGKILL');
    await child.exited;
    using queue = Queue.open(directory);
    expect(queue.reader({ name: 'worker' }).next()?.index).toBe(indices[5]);
  });
});
