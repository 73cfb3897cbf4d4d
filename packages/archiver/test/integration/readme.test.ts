import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { docExamples, runDocExample } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));
const examples = docExamples(join(packageDirectory, 'README.md'));
const readme = readFileSync(join(packageDirectory, 'README.md'), 'utf8');

describe('README examples', () => {
  it('are there to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples.map((example) => [example.name, example] as const))(
    '%s runs as a user would run it',
    async (_, example) => {
      const result = await runDocExample(example, packageDirectory);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      // An example followed by a "prints" block must print exactly that.
      const after = readme.slice(readme.indexOf(example.code) + example.code.length);
      const printed = /^\s*```\s*\n+prints\s*\n+```\n([\s\S]*?)```/.exec(after);
      if (printed !== null) expect(result.stdout).toBe(printed[1]);
    },
  );
});
