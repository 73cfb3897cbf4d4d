import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { runNode, type NodeRunResult } from './node-process.js';

/** One runnable example found in a markdown file. */
export interface DocExample {
  /** `README.md:42`: the file and the line of the opening fence, for test names. */
  readonly name: string;
  readonly code: string;
}

/**
 * The fenced blocks of `markdownPath` whose info string is `js` (plain ESM JavaScript, what a user
 * pastes into an `.mjs` file). Blocks marked `js no-run` (fragments that need context) and blocks
 * in any other language are left out: a README keeps an example runnable by tagging it `js`.
 */
export function docExamples(markdownPath: string): DocExample[] {
  const lines = readFileSync(markdownPath, 'utf8').split('\n');
  const examples: DocExample[] = [];
  const file = relative(process.cwd(), markdownPath);
  let body: string[] | undefined;
  let start = 0;
  lines.forEach((line, i) => {
    if (body === undefined) {
      if (/^\s*```js\s*$/.test(line)) {
        body = [];
        start = i;
      }
    } else if (/^\s*```\s*$/.test(line)) {
      examples.push({ name: `${file}:${start + 1}`, code: body.join('\n') });
      body = undefined;
    } else {
      body.push(line);
    }
  });
  return examples;
}

/**
 * Runs `example` as an ES module in a fresh temporary directory (its working directory, so
 * relative paths in the example land there), written inside `packageDirectory` so that its
 * imports resolve as they would in a user's app that installed the package. An example may start
 * its own file again as a worker (`new Worker(new URL(import.meta.url))`).
 */
export async function runDocExample(
  example: DocExample,
  packageDirectory: string,
): Promise<NodeRunResult> {
  const scratch = mkdtempSync(join(packageDirectory, '.doc-example-'));
  try {
    const script = join(scratch, 'example.mjs');
    // Workers cannot chdir (an example may start itself again as a worker): they inherit it.
    const prologue =
      `import { isMainThread as annalIsMainThread } from 'node:worker_threads';\n` +
      `if (annalIsMainThread) process.chdir(${JSON.stringify(scratch)});\n`;
    writeFileSync(script, `${prologue}${example.code}\n`);
    return await runNode(script, []);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** What {@link describeDocExamples} checks beyond "every example runs cleanly". */
export interface DocExamplesOptions {
  /** Fewest ```js blocks the README must have (so a README that lost its examples fails). */
  readonly atLeast: number;
  /** Expected stdout of the first examples, in README order (what their comments say). */
  readonly stdout?: readonly string[];
  /**
   * Check the README's own word for it: an example followed by a `prints` line and a fenced
   * block must print exactly that block.
   */
  readonly printsBlocks?: boolean;
}

/**
 * The README test of a package: every ```js block of `<package>/README.md` runs as a user's ES
 * module would (importing the built package by name, in a fresh directory) and must exit 0 with
 * nothing on stderr, and print what `options.stdout` says; so the README cannot drift from the
 * API.
 *
 * @param packageUrl - the package's directory, as a URL (`new URL('../..', import.meta.url)`)
 */
export function describeDocExamples(packageUrl: URL, options: DocExamplesOptions): void {
  const packageDirectory = fileURLToPath(packageUrl);
  const readmePath = join(packageDirectory, 'README.md');
  const examples = docExamples(readmePath);
  const readme = options.printsBlocks === true ? readFileSync(readmePath, 'utf8') : '';
  describe('README examples', () => {
    it(`has at least ${options.atLeast} examples to run`, () => {
      expect(examples.length).toBeGreaterThanOrEqual(options.atLeast);
      expect(examples.length).toBeGreaterThanOrEqual(options.stdout?.length ?? 0);
    });

    it.each(examples.map((example, k) => [example.name, example, options.stdout?.[k]] as const))(
      '%s runs',
      async (_name, example, stdout) => {
        const result = await runDocExample(example, packageDirectory);
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        if (stdout !== undefined) expect(result.stdout).toBe(stdout);
        if (options.printsBlocks === true) {
          const after = readme.slice(readme.indexOf(example.code) + example.code.length);
          const printed = /^\s*```\s*\n+prints\s*\n+```\n([\s\S]*?)```/.exec(after);
          if (printed !== null) expect(result.stdout).toBe(printed[1]);
        }
      },
    );
  });
}
