import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

import { docExamples, runDocExample } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));
const examples = docExamples(join(packageDirectory, 'README.md'));

describe('README examples', () => {
  it('are there to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(examples.map((example) => [example.name, example] as const))(
    '%s runs as a user would run it',
    async (_, example) => {
      const result = await runDocExample(example, packageDirectory);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
  );
});
