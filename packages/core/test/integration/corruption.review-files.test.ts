import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';

describe('damaged files met by a skipping reader', () => {
  it("'skip': a damaged file is counted once, not once per poll", () => {
    const directory = temporaryDirectory();
    const garbage = new Uint8Array(200_704);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
    writeFileSync(join(directory, '20261122T000000Z.annalq'), garbage);
    using queue = Queue.open(directory, {
      ...SMALL,
      clock: new ManualClock().read,
      onCorrupt: 'skip',
    });
    const reader = queue.reader();
    for (let i = 0; i < 5; i++) expect(reader.next()).toBeUndefined();
    expect(reader.skippedFiles).toBe(1);
  });

  it('a directory named like a cycle file: coded error or ignored, never a raw one', () => {
    const directory = temporaryDirectory();
    {
      using queue = Queue.open(directory, { ...SMALL, clock: new ManualClock().read });
      queue.appender().appendSync(payloadOf(1, 10));
    }
    mkdirSync(join(directory, '20261122T000005Z.annalq'));
    const outcomes: string[] = [];
    for (const step of ['open', 'reader', 'next', 'toEnd', 'appender']) {
      try {
        using queue = Queue.open(directory, { ...SMALL, clock: new ManualClock().read });
        if (step === 'reader') queue.reader();
        if (step === 'next') queue.reader().next();
        if (step === 'toEnd') queue.reader().toEnd();
        if (step === 'appender') queue.appender();
        outcomes.push(`${step}: ok`);
      } catch (error) {
        outcomes.push(`${step}: ${(error as { code?: string }).code ?? String(error)}`);
      }
    }
    expect(outcomes.filter((o) => !/ok|ERR_ANNAL/.test(o))).toEqual([]);
  });
});
