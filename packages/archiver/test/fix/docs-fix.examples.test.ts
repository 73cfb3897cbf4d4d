/**
 * The examples of docs-fix.md (the FIX section of the README), run as a user would run them.
 */
import { fileURLToPath } from 'node:url';

import { docExamples, runDocExample } from '@annal/test-utils';
import { expect, it } from 'vitest';

const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));
const examples = docExamples(`${packageDirectory}docs-fix.md`);

const expected = [
  '2 1 1',
  'out 8=FIX.4.4|9=37|35=A|49=ME|56=VENUE|34=1|98=0|108=30|10=065|',
  'in 8=FIX.4.4|9=37|35=A|49=VENUE|56=ME|34=1|98=0|108=30|10=065|',
  'in 8=FIX.4.4|9=25|35=0|49=VENUE|56=ME|34=2|10=021|',
  '35=A 35=0',
  '',
].join('\n');

it('docs-fix.md has its example, and it runs and prints what its comments say', async () => {
  expect(examples).toHaveLength(1);
  const result = await runDocExample(examples[0] ?? { name: '', code: '' }, packageDirectory);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(expected);
});
