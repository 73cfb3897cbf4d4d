import { runNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';

interface Outcome {
  code?: string;
  message?: string;
  appended?: number;
  leftovers?: string[];
  readBeforeFree?: number;
  readAfterFree?: number;
  readAfterReopen?: number;
  unexpected?: string;
}

/**
 * Runs the full-disk child on a 3 MiB tmpfs private to it (its own user and mount namespaces):
 * no real disk fills, no root needed (as the native and core full-disk tests do).
 */
async function fillDisk(backend: 'mmap' | 'fd'): Promise<Outcome> {
  const mountPoint = temporaryDirectory();
  const result = await runNode(fixturePath('wal-until-full.mjs'), [mountPoint, backend], {
    shellPrefix: `mount -t tmpfs -o size=3m tmpfs '${mountPoint}'`,
    unshare: true,
  });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (line === '') throw new Error(`child printed nothing; stderr:\n${result.stderr}`);
  return JSON.parse(line) as Outcome;
}

describe.each(['mmap', 'fd'] as const)('a full disk at a segment roll (%s backend)', (backend) => {
  it('is ERR_ANNAL_FULL with nothing earlier lost, and appending resumes once space frees', async () => {
    const outcome = await fillDisk(backend);
    expect(outcome.unexpected).toBeUndefined();
    expect(outcome.code).toBe('ERR_ANNAL_FULL');
    expect(outcome.appended).toBeGreaterThan(0);
    expect(outcome.leftovers).toEqual([]);
    expect(outcome.readBeforeFree).toBe(outcome.appended);
    expect(outcome.readAfterFree).toBe(outcome.appended! + 3);
    expect(outcome.readAfterReopen).toBe(outcome.appended! + 3);
  });
});
