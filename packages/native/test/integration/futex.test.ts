import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  AbortedError,
  InvalidArgumentError,
  InvalidOptionError,
  MappedFile,
  futexWaitSync,
  futexWait,
  futexWake,
} from '@annal/native';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixture-path.js';

function mappedWords() {
  const path = join(temporaryDirectory(), 'futex.bin');
  const file = MappedFile.create(path, { lengthBytes: 4096 });
  return { path, file, words: new Int32Array(file.buffer) };
}

describe('futexWait() timeouts', () => {
  it('takes timeoutMs: Infinity, its documented default, when given explicitly', async () => {
    const { file, words } = mappedWords();
    // The word is not the expected value, so the wait returns at once whatever the timeout.
    await expect(futexWait(words, 0, 7, { timeoutMs: Infinity })).resolves.toBe('not-equal');
    expect(futexWaitSync(words, 0, 7, { timeoutMs: Infinity })).toBe('not-equal');
    file.close();
  });
});

describe('futexWake() and futexWait() across processes', () => {
  it('wakes a process waiting on the same word of its own mapping', async () => {
    const { path, file, words } = mappedWords();
    const waiter = spawnNode(fixturePath('futex-waiter.mjs'), [path]);
    await waiter.waitForLine((line) => line === 'waiting');
    Atomics.store(words, 0, 42);
    // The waiter may not be asleep yet; it re-checks the word, so one wake after the store is enough
    // once it sleeps. Keep waking until it reports, as a real appender would on each commit.
    let reported = false;
    // Stop waking once it reports, or once it exits (then the assertion below shows its output).
    void waiter.exited.then(() => (reported = true));
    void waiter
      .waitForLine((line) => line.startsWith('ok') || line.startsWith('not-equal'))
      .then(
        () => (reported = true),
        () => (reported = true),
      );
    while (!reported) {
      futexWake(words, 0);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await waiter.exited;
    expect(result.stdout).toMatch(/(ok|not-equal) 42/);
    file.close();
  });

  it('times out when nobody wakes', async () => {
    const { path, file } = mappedWords();
    const waiter = spawnNode(fixturePath('futex-waiter.mjs'), [path, '20']);
    const result = await waiter.exited;
    expect(result.stdout).toContain('timed-out 0');
    file.close();
  });
});

describe('futexWaitSync() in a worker', () => {
  it('blocks a worker until the main thread stores and wakes, across separate mappings', async () => {
    const { path, file, words } = mappedWords();
    const worker = new Worker(fixturePath('futex-worker.mjs'), { workerData: { path } });
    const messages: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: string) => {
        messages.push(message);
        if (message !== 'waiting') resolve();
      });
      worker.once('error', reject);
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    Atomics.store(words, 0, 7);
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      futexWake(words, 0, 1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(messages.at(-1)).toMatch(/^(ok|not-equal) 7$/);
    await worker.terminate();
    file.close();
  });
});

describe('futexWaitSync() and futexWait() results', () => {
  it("returns 'not-equal' at once when the word already differs", async () => {
    const { file, words } = mappedWords();
    Atomics.store(words, 3, 5);
    expect(futexWaitSync(words, 3, 4, { timeoutMs: 1000 })).toBe('not-equal');
    await expect(futexWait(words, 3, 4, { timeoutMs: 1000 })).resolves.toBe('not-equal');
    file.close();
  });

  it("returns 'timed-out' after the timeout", async () => {
    const { file, words } = mappedWords();
    expect(futexWaitSync(words, 0, 0, { timeoutMs: 5 })).toBe('timed-out');
    await expect(futexWait(words, 0, 0, { timeoutMs: 5 })).resolves.toBe('timed-out');
    file.close();
  });

  it('rejects with ERR_ANNAL_ABORTED when the signal aborts', async () => {
    const { file, words } = mappedWords();
    const controller = new AbortController();
    const waiting = futexWait(words, 0, 0, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    // Already aborted: refused up front, with the same coded error.
    await expect(futexWait(words, 0, 0, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortedError,
    );
    file.close();
  });

  it('serves many waits, one after another and at once, on a few reused threads', async () => {
    const { file, words } = mappedWords();
    /** Thread ids of this process's wait threads (named annal-wait) now. */
    const waitThreads = (): string[] =>
      readdirSync('/proc/self/task').filter((tid) => {
        try {
          return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'annal-wait';
        } catch {
          return false; // the thread ended meanwhile
        }
      });
    // One after another: each wait is woken by a store and a wake from this thread.
    const seen = new Set<string>();
    for (let round = 0; round < 50; round++) {
      const waiting = futexWait(words, 0, round, { timeoutMs: 10_000 });
      for (const tid of waitThreads()) seen.add(tid);
      Atomics.store(words, 0, round + 1);
      futexWake(words, 0);
      expect(['ok', 'not-equal']).toContain(await waiting);
    }
    // A thread per wait would show about 50 different threads.
    expect(seen.size).toBeGreaterThan(0);
    expect(seen.size).toBeLessThan(5);
    // At once: each concurrent wait needs its own thread, and every one is woken.
    const many = Array.from({ length: 16 }, () => futexWait(words, 1, 0, { timeoutMs: 10_000 }));
    Atomics.store(words, 1, 1);
    futexWake(words, 1, 16);
    for (const result of await Promise.all(many)) expect(['ok', 'not-equal']).toContain(result);
    file.close();
  });

  it('wakes nobody when nobody waits', () => {
    const { file, words } = mappedWords();
    expect(futexWake(words, 0)).toBe(0);
    file.close();
  });

  it.each([
    ['index', (words: Int32Array) => futexWake(words, 1024)],
    ['index', (words: Int32Array) => futexWaitSync(words, -1, 0, { timeoutMs: 1 })],
    ['expected', (words: Int32Array) => futexWaitSync(words, 0, 0.5, { timeoutMs: 1 })],
    ['view', () => futexWake(new Uint32Array(4) as unknown as Int32Array, 0)],
  ])('rejects a bad %s with a coded error naming it', (field, call) => {
    const { file, words } = mappedWords();
    expect(() => call(words)).toThrow(InvalidArgumentError);
    expect(() => call(words)).toThrow(field);
    file.close();
  });

  it('rejects a bad timeoutMs option, or an unknown option, naming it', () => {
    const { file, words } = mappedWords();
    expect(() => futexWaitSync(words, 0, 0, { timeoutMs: -5 })).toThrow(InvalidOptionError);
    expect(() => futexWaitSync(words, 0, 0, { timeoutMs: -5 })).toThrow('timeoutMs');
    const misspelt = { timeout: 5 } as unknown as { timeoutMs: number };
    expect(() => futexWaitSync(words, 0, 0, misspelt)).toThrow(InvalidOptionError);
    file.close();
  });
});
