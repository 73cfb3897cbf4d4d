import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL, payloadOf } from '../queue-helpers.js';

it('a garbage metadata file (a hint for readers) does not stop the appender', () => {
  const directory = temporaryDirectory();
  const clock = new ManualClock();
  {
    using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
    queue.appender().appendSync(payloadOf(0, 8));
  }
  writeFileSync(join(directory, 'metadata.annalm'), new Uint8Array(65536).fill(0x5a));
  using queue = Queue.open(directory, { ...SMALL, clock: clock.read });
  const outcome: string[] = [];
  try {
    const appender = queue.appender();
    appender.appendSync(payloadOf(1, 8));
    clock.advance(1000);
    appender.appendSync(payloadOf(2, 8));
    outcome.push('ok');
  } catch (error) {
    outcome.push(
      String((error as { code?: string }).code) + ' ' + (error as Error).message.slice(0, 120),
    );
  }
  expect(outcome).toEqual(['ok']);
});
