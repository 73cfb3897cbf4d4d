/**
 * The README's examples, run as a user would run them: each ```js block as an ES module importing
 * `@annal/native` from the built package, in a fresh directory. An example that stops working
 * fails here, so the README cannot drift from the API.
 */
import { fileURLToPath } from 'node:url';
import { docExamples, runDocExample } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));
const examples = docExamples(fileURLToPath(new URL('../../README.md', import.meta.url)));

describe('README examples', () => {
  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(examples.map((example) => [example.name, example] as const))(
    '%s runs',
    async (_name, example) => {
      const result = await runDocExample(example, packageDirectory);
      expect(result.stderr).toBe('');
      expect(result.code, result.stderr).toBe(0);
    },
  );
});
