import { describe, expect, it } from 'vitest';
import { runNode, temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

interface Outcome {
  code?: string;
  otherCode?: string;
  message?: string;
  appended?: number;
  readBeforeFree?: number;
  readAfterFree?: number;
  unexpected?: string;
}

/**
 * Runs the full-disk child on a 512 KiB tmpfs private to it (its own user and mount namespaces):
 * no real disk fills, no root needed (the native package's full-disk test relies on the same).
 */
async function fillDisk(mode: 'exclusive' | 'shared'): Promise<Outcome> {
  const mountPoint = temporaryDirectory();
  const result = await runNode(fixturePath('append-until-full.mjs'), [mountPoint, mode], {
    shellPrefix: `mount -t tmpfs -o size=512k tmpfs '${mountPoint}'`,
    unshare: true,
  });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  if (line === '') throw new Error(`child printed nothing; stderr:\n${result.stderr}`);
  return JSON.parse(line) as Outcome;
}

describe('a full disk at block allocation', () => {
  it('is ERR_ANNAL_FULL; the queue stays readable and appending resumes once space frees', async () => {
    const outcome = await fillDisk('exclusive');
    expect(outcome.unexpected).toBeUndefined();
    expect(outcome.code).toBe('ERR_ANNAL_FULL');
    expect(outcome.appended).toBeGreaterThan(0);
    expect(outcome.readBeforeFree).toBe(outcome.appended);
    expect(outcome.readAfterFree).toBe(outcome.appended! + 2);
  });

  it('is ERR_ANNAL_FULL for every shared appender, none left waiting on the lock; both resume', async () => {
    const outcome = await fillDisk('shared');
    expect(outcome.unexpected).toBeUndefined();
    expect(outcome.code).toBe('ERR_ANNAL_FULL');
    expect(outcome.otherCode).toBe('ERR_ANNAL_FULL');
    expect(outcome.appended).toBeGreaterThan(0);
    expect(outcome.readBeforeFree).toBe(outcome.appended);
    expect(outcome.readAfterFree).toBe(outcome.appended! + 2);
  });
});
