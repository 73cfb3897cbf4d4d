/**
 * A real `nats-server` for the tests: found on PATH (or in /usr/sbin, where Debian puts it), or
 * installed from Debian when missing and running as root (CI's clean machine). Started with
 * JetStream on a loopback port and a temporary store directory; ready when it logs so (no sleep).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

function findOnPath(): string | undefined {
  const directories = [
    ...(process.env['PATH'] ?? '').split(delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/usr/local/bin',
  ];
  for (const directory of directories) {
    const candidate = join(directory, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

let binary: string | undefined;

/** The nats-server binary, installed with apt-get when missing and this process is root. */
export function natsServerBinary(): string {
  binary ??= findOnPath();
  if (binary !== undefined) return binary;
  if (process.getuid?.() !== 0) {
    throw new Error(
      'nats-server is not installed and this is not root: apt-get install -y nats-server',
    );
  }
  for (const args of [['update'], ['install', '-y', 'nats-server']]) {
    const result = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.status})`);
  }
  binary = findOnPath();
  if (binary === undefined) throw new Error('apt-get installed nats-server, but it is not on PATH');
  return binary;
}

/** How to start one. */
export interface NatsServerOptions {
  readonly user?: string;
  readonly pass?: string;
}

/** A running nats-server with JetStream; `stop()` it at the end of the test. */
export class NatsServer {
  readonly storeDirectory: string;
  readonly options: NatsServerOptions;
  port = 0;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log = '';

  private constructor(options: NatsServerOptions) {
    this.options = options;
    this.storeDirectory = mkdtempSync(join(tmpdir(), 'annal-nats-'));
  }

  /** Starts a server on a free port (nats-server picks it: `-p -1`). */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(options);
    await server.#launch(-1);
    return server;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** What the server logged (for failure messages). */
  get log(): string {
    return this.#log;
  }

  async #launch(port: number): Promise<void> {
    const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', this.storeDirectory];
    if (this.options.user !== undefined)
      args.push('--user', this.options.user, '--pass', this.options.pass ?? '');
    const child = spawn(natsServerBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.on('close', () => resolve()));
    const lines = createInterface({ input: child.stderr });
    await new Promise<void>((resolve, reject) => {
      child.on('close', (code) =>
        reject(new Error(`nats-server exited (${code}) before it was ready:\n${this.#log}`)),
      );
      lines.on('line', (line) => {
        this.#log += `${line}\n`;
        const listening = /Listening for client connections on [^:]+:(\d+)/.exec(line);
        if (listening !== null) this.port = Number(listening[1]);
        if (line.includes('Server is ready')) resolve();
      });
    });
  }

  /** Stops it: SIGTERM (graceful: it flushes and closes) or SIGKILL. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    child.kill(signal);
    await this.#exited;
  }

  /** Stops it and starts it again on the same port and store. */
  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.#launch(this.port);
  }

  /** Stops it and removes its store. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.storeDirectory, { recursive: true, force: true });
  }
}
