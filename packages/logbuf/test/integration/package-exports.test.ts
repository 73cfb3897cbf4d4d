import { describe, expect, it } from 'vitest';
import { runNode } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

describe('package exports', () => {
  it('resolves @annal/logbuf to the built dist with the public API (STYLE R38)', async () => {
    // The fixture resolves the package by name (self-reference), as a user's code would.
    const result = await runNode(fixturePath('list-exports.mjs'));
    expect(result.stderr).toBe('');
    const names = JSON.parse(result.stdout) as string[];
    expect(names).toEqual(
      expect.arrayContaining([
        'SpscRing',
        'MpscRing',
        'Sender',
        'Receiver',
        'BACK_PRESSURED',
        'CorruptError',
      ]),
    );
    expect(names).not.toContain('computeFrameLength'); // layout stays internal
  });
});
