import { join } from 'node:path';
import { runNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixture-path.js';

describe('process and worker endings', () => {
  it('a worker that ends (or is terminated) with mappings still open does not crash the process', async () => {
    const result = await runNode(fixturePath('worker-exits-with-mappings.mjs'), [
      temporaryDirectory(),
    ]);
    expect(result.signal).toBeNull();
    expect(result.stdout).toBe('survived\n');
    expect(result.code).toBe(0);
  });

  it('awaiting a scheduled { everyMs } sync keeps an otherwise idle process alive until it is done', async () => {
    const result = await runNode(fixturePath('await-scheduled-sync.mjs'), [
      join(temporaryDirectory(), 'synced.bin'),
    ]);
    expect(result.stdout).toBe('synced\n');
    expect(result.code).toBe(0);
  });
});
