/**
 * Runs the built `annal` binary as a user's shell would: a child process, its exit code, stdout
 * and stderr.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { spawnNode, type NodeProcess } from '@annal/test-utils';

/** The built executable (tests run after `pnpm build`). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** How a run ended. */
export interface AnnalRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link annal}. */
export interface AnnalOptions {
  /** Run as this user id (the tests run as root, so "no permission" needs another user). */
  readonly uid?: number;
  readonly environment?: NodeJS.ProcessEnv;
}

/** Runs `annal ...args` to completion. */
export function annal(args: readonly string[], options: AnnalOptions = {}): Promise<AnnalRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.environment },
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `annal ...args` and returns the running child (for `tail -f`). */
export function startAnnal(args: readonly string[]): NodeProcess {
  return spawnNode(BIN, args);
}

/** The lines of a `--json` run's stdout, parsed. */
export function jsonLines(stdout: string): unknown[] {
  return stdout
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}
