/**
 * Every ```js block of the package README runs as a user's ES module would (Node.js ≥ 20, plain
 * JavaScript, importing the built package by name), so the README cannot drift from the API.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { docExamples, runDocExample } from '@annal/test-utils';

const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));
const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
const examples = docExamples(readme);

describe('README examples', () => {
  it('has runnable examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples.map((example) => [example.name, example] as const))(
    '%s runs',
    async (_, example) => {
      const result = await runDocExample(example, packageDirectory);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
  );

  it('prints what its comments say', async () => {
    const outputs = await Promise.all(
      examples.map((example) => runDocExample(example, packageDirectory)),
    );
    expect(outputs[0]?.stdout).toBe('0 7\n1 7\n2 11\n3 3\n4 1\ntrue 5\n');
    expect(outputs[1]?.stdout).toBe('event 0\nevent 1\nfollowed event 3\n');
    expect(outputs[2]?.stdout).toBe('hello\nclosed\n');
  });
});
