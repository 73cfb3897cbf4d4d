/**
 * A local `nats-server` for the bridge suite: JetStream on, loopback, a port it picks itself, a
 * temporary store; ready when it logs so. The binary is found on PATH or in /usr/sbin (Debian's
 * `apt-get install nats-server`).
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';

function findNatsServer(): string {
  const directories = [
    ...(process.env['PATH'] ?? '').split(delimiter),
    '/usr/sbin',
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
  throw new Error('nats-server not found: apt-get install -y nats-server');
}

/** A running server. */
export interface LocalNatsServer {
  readonly url: string;
  /** The server's version line, for the notes. */
  readonly version: string;
  stop(): Promise<void>;
}

/** Starts one and resolves once it is ready. */
export async function startNatsServer(): Promise<LocalNatsServer> {
  const store = createTemporaryDirectory();
  const child: ChildProcess = spawn(
    findNatsServer(),
    ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', store],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let port = 0;
  let version = '';
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.on('close', (code) => reject(new Error(`nats-server exited (${code}):\n${log}`)));
    if (child.stderr === null) throw new Error('nats-server has no stderr');
    createInterface({ input: child.stderr }).on('line', (line) => {
      log += `${line}\n`;
      const listening = /Listening for client connections on [^:]+:(\d+)/.exec(line);
      if (listening !== null) port = Number(listening[1]);
      const found = /Version:\s+(\S+)/.exec(line);
      if (found !== null) version = found[1] ?? '';
      if (line.includes('Server is ready')) resolve();
    });
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    version: `nats-server ${version}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      removeTemporaryDirectory(store);
    },
  };
}
