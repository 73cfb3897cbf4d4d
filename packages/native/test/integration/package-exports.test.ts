/**
 * The package as users get it: imported by name from the built `dist/` through the `exports`
 * map (not through the `@annal/source` condition the other tests use).
 */
import { runNode } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixture-path.js';

describe('@annal/native exports', () => {
  it('resolves the main entry and ./internal from dist, with every documented export', async () => {
    const result = await runNode(fixturePath('list-exports.mjs'));
    expect(result.code, result.stderr).toBe(0);
    const { main, internal } = JSON.parse(result.stdout) as { main: string[]; internal: string[] };
    for (const name of [
      'MappedFile',
      'NativeFile',
      'FileLock',
      'SyncScheduler',
      'crc32c',
      'futexWaitAsync',
      'safePath',
      'AnnalError',
      'ErrorCode',
    ]) {
      expect(main).toContain(name);
    }
    expect(internal).toEqual(['describeHolder', 'getBinding']);
  });
});
