import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

describe('tailing across processes and threads', () => {
  it('waitNext wakes when another process appends (futex in the mapped header), and a worker tails too', async () => {
    const directory = temporaryDirectory();
    // Create the queue (and its first cycle file) before anyone tails it.
    const setup = Queue.open(directory, { blockBytes: '64 KiB', rollCycle: 'TEST_SECONDLY' });
    setup.close();

    const child = spawn(process.execPath, [fixturePath('append-on-command.mjs'), directory], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const seen: string[] = [];
    let wake: (() => void) | undefined;
    lines.on('line', (line) => {
      seen.push(line);
      wake?.();
    });
    const waitLine = async (text: string): Promise<void> => {
      while (!seen.includes(text)) await new Promise<void>((resolve) => (wake = resolve));
    };
    await waitLine('ready');

    const worker = new Worker(fixturePath('tail-worker.mjs'), { workerData: { directory } });
    const fromWorker: string[] = [];
    const workerDone = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: { type: string; text?: string }) => {
        if (message.type === 'record' && message.text !== undefined) {
          fromWorker.push(message.text);
          if (message.text === 'stop') resolve();
        }
      });
      worker.on('error', reject);
    });
    await new Promise<void>((resolve) =>
      worker.once('message', (message: { type: string }) => {
        if (message.type === 'ready') resolve();
      }),
    );

    using queue = Queue.open(directory, { blockBytes: '64 KiB', rollCycle: 'TEST_SECONDLY' });
    const reader = queue.reader().toEnd();
    const received: string[] = [];
    for (const text of ['one', 'two', 'three', 'stop']) {
      const waiting = reader.waitNext({ timeoutMs: 30_000 });
      child.stdin.write(`${text}\n`);
      expect(await waiting).toBe(true);
      received.push(reader.next()?.text() ?? '<none>');
    }
    expect(received).toEqual(['one', 'two', 'three', 'stop']);
    await workerDone;
    expect(fromWorker).toEqual(['one', 'two', 'three', 'stop']);
    child.stdin.end('exit\n');
    await new Promise((resolve) => child.once('close', resolve));
    await worker.terminate();
  });

  it('waitNextSync returns false after its timeout and true as soon as a record is there', () => {
    using queue = Queue.open(temporaryDirectory(), {
      blockBytes: '64 KiB',
      rollCycle: 'TEST_SECONDLY',
    });
    const appender = queue.appender();
    appender.appendSync(Uint8Array.of(1));
    const reader = queue.reader().toEnd();
    expect(reader.waitNextSync({ timeoutMs: 1 })).toBe(false);
    appender.appendSync(Uint8Array.of(2));
    expect(reader.waitNextSync({ timeoutMs: 1000 })).toBe(true);
    expect(reader.next()?.copy()).toEqual(Uint8Array.of(2));
  });

  it('waitNext resolves false after its timeout and rejects when aborted', async () => {
    using queue = Queue.open(temporaryDirectory(), {
      blockBytes: '64 KiB',
      rollCycle: 'TEST_SECONDLY',
    });
    queue.appender().appendSync(Uint8Array.of(1));
    const reader = queue.reader().toEnd();
    expect(await reader.waitNext({ timeoutMs: 1 })).toBe(false);
    const controller = new AbortController();
    const waiting = reader.waitNext({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_ANNAL_ABORTED' });
  });

  it('a reader chasing an appender in another process sees each record whole the moment it sees it, and is woken after each pause', async () => {
    const directory = temporaryDirectory();
    Queue.open(directory, { blockBytes: '64 KiB', rollCycle: 'TEST_SECONDLY' }).close();
    const count = process.env['ANNAL_SOAK'] === '1' ? 2_000_000 : 100_000;
    const worker = new Worker(fixturePath('tagged-tailer.mjs'), {
      workerData: { directory, count },
    });
    const result = new Promise<{ read: number; error: string }>((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        if (message !== 'ready') resolve(message as { read: number; error: string });
      });
      worker.on('error', reject);
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    const child = spawn(
      process.execPath,
      [fixturePath('tagged-appender.mjs'), directory, String(count)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(await result).toEqual({ read: count, error: '' });
    expect(await exited).toBe(0);
  });
});
