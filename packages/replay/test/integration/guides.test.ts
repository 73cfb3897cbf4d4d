import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docExamples, runDocExample } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

describe('docs/guides/replay-in-tests.md', () => {
  it('shows the test it describes, verbatim', () => {
    const guide = read('../../../../docs/guides/replay-in-tests.md');
    const test = read('../guides/order-routing.test.ts');
    expect(guide).toContain('```ts\n' + test + '```');
  });
});

// Every ```js block of the guides runs as a user's module would (blocks that need a service
// around them are marked `js no-run`), and prints what the guide's "prints" block says.
const guidesDirectory = fileURLToPath(new URL('../../../../docs/guides/', import.meta.url));
const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));
const guideExamples = readdirSync(guidesDirectory)
  .filter((name) => name.endsWith('.md'))
  .flatMap((name) => {
    const path = join(guidesDirectory, name);
    const guide = readFileSync(path, 'utf8');
    return docExamples(path).map((example) => [example.name, example, guide] as const);
  });

describe('docs/guides examples', () => {
  it('has examples to run', () => {
    expect(guideExamples.length).toBeGreaterThanOrEqual(1);
  });

  it.each(guideExamples)('%s runs', async (_name, example, guide) => {
    const result = await runDocExample(example, packageDirectory);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const after = guide.slice(guide.indexOf(example.code) + example.code.length);
    const printed = /^\s*```\s*\n+prints\s*\n+```\n([\s\S]*?)```/.exec(after);
    if (printed !== null) expect(result.stdout).toBe(printed[1]);
  });
});
