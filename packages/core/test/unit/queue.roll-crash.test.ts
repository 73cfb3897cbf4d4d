import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { METADATA_HIGHEST_CYCLE_OFFSET } from '../../src/layout.js';
import { ManualClock, SMALL, payloadOf, readAll } from '../queue-helpers.js';

/** Byte of `metadata.annalm` holding the highest cycle with a file (f64; docs/format.md). */
const HIGHEST_CYCLE_OFFSET = METADATA_HIGHEST_CYCLE_OFFSET;

describe('a roll cut short by a crash', () => {
  it('an appender that takes over a cycle file a dead one created (but never recorded) makes readers reach it', () => {
    const clock = new ManualClock();
    const directory = temporaryDirectory();
    let cycleBefore: number;
    {
      using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
      const appender = queue.appender();
      cycleBefore = queue.indices.cycleOf(appender.appendSync(payloadOf(0, 8)));
      clock.advance(1000);
      appender.appendSync(payloadOf(1, 8)); // rolls: seals the first cycle, creates the next
    }
    // What a SIGKILL between creating the next cycle's file and recording it in the metadata
    // file leaves: the recorded highest cycle is still the one before.
    const fd = openSync(join(directory, 'metadata.annalm'), 'r+');
    const highest = new Float64Array([cycleBefore]);
    writeSync(fd, new Uint8Array(highest.buffer), 0, 8, HIGHEST_CYCLE_OFFSET);
    closeSync(fd);
    // The next appender, in the same second, appends to the file that is already there.
    using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
    const index = queue.appender().appendSync(payloadOf(2, 8));
    using reader = Queue.open(directory, { readOnly: true });
    expect(readAll(reader).map((record) => record.payload)).toEqual([
      payloadOf(0, 8),
      payloadOf(1, 8),
      payloadOf(2, 8),
    ]);
    expect(readAll(reader).at(-1)?.index).toBe(index);
  });
});
