import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A running `node` child whose stdout lines can be awaited. */
export interface NodeProcess {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line for which `predicate` is true (rejects if the child exits first). */
  waitForLine(predicate: (line: string) => boolean): Promise<string>;
  /** Resolves when the child exits, with its exit code and signal. */
  readonly exited: Promise<NodeRunResult>;
}

/** How to start the child. */
export interface SpawnNodeOptions {
  /** Shell commands run before `exec node …` in the same shell, e.g. `ulimit -f 64`. */
  readonly shellPrefix?: string;
  /** Run the shell in new user and mount namespaces (`unshare -rm`), so it may mount a private tmpfs. */
  readonly unshare?: boolean;
}

/** How a child ended and what it printed. */
export interface NodeRunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts `node script ...args` with the test's environment. Lines are collected so a test can
 * synchronise on what the child printed (never on time).
 */
export function spawnNode(
  script: string,
  args: readonly string[] = [],
  options: SpawnNodeOptions = {},
): NodeProcess {
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  let child: ChildProcess;
  if (options.shellPrefix === undefined) {
    child = spawn(process.execPath, [script, ...args], { stdio });
  } else {
    // `sh -c '<prefix> && exec node script args…'`: the prefix sets limits or mounts for the child only.
    const shell = [
      '-c',
      `${options.shellPrefix} && exec "$0" "$@"`,
      process.execPath,
      script,
      ...args,
    ];
    child = options.unshare
      ? spawn('unshare', ['-rm', '/bin/sh', ...shell], { stdio })
      : spawn('/bin/sh', shell, { stdio });
  }
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (child.stdout === null) throw new Error('child has no stdout');
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout += `${line}\n`;
    lines.push(line);
    for (const listener of listeners) listener(line);
  });
  const exited = new Promise<NodeRunResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    exited,
    waitForLine(predicate) {
      const seen = lines.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const listener = (line: string): void => {
          if (predicate(line)) {
            listeners.delete(listener);
            resolve(line);
          }
        };
        listeners.add(listener);
        void exited.then((result) => {
          if (listeners.delete(listener)) {
            reject(
              new Error(
                `child exited (${result.code ?? result.signal}) before the line; stderr:\n${result.stderr}`,
              ),
            );
          }
        });
      });
    },
  };
}

/** Runs `node script ...args` to completion. */
export function runNode(
  script: string,
  args: readonly string[] = [],
  options: SpawnNodeOptions = {},
): Promise<NodeRunResult> {
  return spawnNode(script, args, options).exited;
}
