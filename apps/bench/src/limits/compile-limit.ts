/**
 * Compiles a C limit program from apps/bench/limits/ with `cc -O2` on first use and caches the
 * executable in os.tmpdir() under the hash of its source, so editing the source recompiles and
 * concurrent children never see a half-written binary (compile to a private name, then rename).
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LIMITS_SOURCE_DIRECTORY } from '../bench-paths.js';

const CACHE_DIRECTORY = join(tmpdir(), 'annal-bench-limits');

/**
 * Path of the executable built from `limits/<name>.c`, compiling it when needed.
 *
 * @param name - the source file's name without `.c`, e.g. `sync-latency`
 * @throws when `cc` is missing or the compile fails (the row is then marked FAILED)
 */
export function compileLimitProgram(name: string): string {
  const sourcePath = join(LIMITS_SOURCE_DIRECTORY, `${name}.c`);
  const sourceHash = createHash('sha256')
    .update(readFileSync(sourcePath))
    .digest('hex')
    .slice(0, 16);
  const executablePath = join(CACHE_DIRECTORY, `${name}-${sourceHash}`);
  if (existsSync(executablePath)) return executablePath;
  mkdirSync(CACHE_DIRECTORY, { recursive: true });
  const partialPath = `${executablePath}.${process.pid}.partial`;
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', partialPath, sourcePath], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  renameSync(partialPath, executablePath);
  return executablePath;
}
