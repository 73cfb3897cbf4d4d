import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

describe('docs/guides/replay-in-tests.md', () => {
  it('shows the test it describes, verbatim', () => {
    const guide = read('../../../../docs/guides/replay-in-tests.md');
    const test = read('../guides/order-routing.test.ts');
    expect(guide).toContain('```ts\n' + test + '```');
  });
});
