import { join } from 'node:path';

import { openRecording } from '@annal/archiver';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';

describe('a worker that fails', () => {
  it('is reported on the traffic thread, which goes on under its policy; what was archived stays readable', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    // 4 MiB of file size: the queue's next 1 MiB block cannot be allocated (EFBIG), mid-stream.
    const child = spawnNode(fixturePath('fill-limited-disk.mjs'), [directory], {
      shellPrefix: "trap '' XFSZ; ulimit -f 4096",
    });
    const result = await child.exited;
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
      recorded: number;
      dropped: number;
      attempts: number;
      archivedMessages: number;
      failure: { message: string };
    };
    expect(seen).toMatchObject({
      failure: { code: 'ERR_ANNAL_WORKER_FAILED', cause: 'ERR_ANNAL_TOO_LARGE' },
      threw: 0,
      // Nothing drains the ring after the failure: record() takes nothing more, and counts it.
      acceptedAfter: 0,
      state: 'failed',
      closeError: 'ERR_ANNAL_WORKER_FAILED',
    });
    expect(seen.failure.message).toContain(directory);
    expect(seen.recorded + seen.dropped).toBe(seen.attempts);
    expect(seen.dropped).toBeGreaterThan(0);

    using recording = openRecording(directory);
    let count = 0;
    for (const message of recording.messages()) {
      expect(message.length).toBe(1000);
      count++;
    }
    expect(count).toBe(seen.archivedMessages);
  });
});
