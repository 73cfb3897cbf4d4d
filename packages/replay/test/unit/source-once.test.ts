import { describe, expect, it } from 'vitest';
import { eventsOf, fromArray, merge, replay, replayFixture } from '@annal/replay';
import { join } from 'node:path';
import { temporaryDirectory } from '@annal/test-utils';

const ignore = (): void => undefined;
const numbers = (name = 'n') => fromArray([1, 2, 3], { name, timestamp: (value) => value * 1000 });

describe('a source is read once', () => {
  it('a second replay of the same source is ERR_ANNAL_CLOSED, not an empty replay', async () => {
    const source = numbers();
    const seen: number[] = [];
    await replay(source, (record) => {
      seen.push(record.value);
    });
    expect(seen).toEqual([1, 2, 3]);
    await expect(replay(source, ignore)).rejects.toMatchObject({
      code: 'ERR_ANNAL_CLOSED',
      field: 'source',
      message: expect.stringContaining('stream "n"') as unknown,
    });
  });

  it('a source inside a merge cannot also be replayed, merged again or collected', async () => {
    const inner = numbers('a');
    const merged = merge([inner, numbers('b')]);
    await expect(replay(inner, ignore)).rejects.toMatchObject({ code: 'ERR_ANNAL_CLOSED' });
    expect(() => merge([inner])).toThrow(expect.objectContaining({ field: 'sources[0]' }));
    expect(() => eventsOf(inner, (r) => r.value)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }),
    );
    // The merge itself still replays whole.
    const seen: string[] = [];
    await replay(merged, (record) => {
      seen.push(`${record.stream}${record.value}`);
    });
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
  });

  it('a merge that is refused (two sources of one name) leaves its sources usable', () => {
    const first = numbers('same');
    expect(() => merge([first, numbers('same')])).toThrow(/two sources are named "same"/);
    expect(eventsOf(first, (r) => r.value)).toEqual([1, 2, 3]);
  });

  it('replayFixture takes its source too', async () => {
    const directory = join(temporaryDirectory(), 'fixture');
    const source = numbers();
    await replayFixture(directory, source, (record) => record.value, { update: true });
    await expect(replayFixture(directory, source, (record) => record.value)).rejects.toMatchObject({
      code: 'ERR_ANNAL_CLOSED',
    });
  });
});
