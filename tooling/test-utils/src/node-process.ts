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
export function spawnNode(script: string, args: readonly string[] = [], options: { shellPrefix?: string } = {}): NodeProcess {
  const child =
    options.shellPrefix === undefined
      ? spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `${options.shellPrefix}; exec "$0" "$@"`, process.execPath, script, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
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
            reject(new Error(`child exited (${result.code ?? result.signal}) before the line; stderr:\n${result.stderr}`));
          }
        });
      });
    },
  };
}

/** Runs `node script ...args` to completion. */
export function runNode(script: string, args: readonly string[] = [], options: { shellPrefix?: string } = {}): Promise<NodeRunResult> {
  return spawnNode(script, args, options).exited;
}
