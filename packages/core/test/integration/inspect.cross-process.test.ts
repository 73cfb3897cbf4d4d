import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

/** The appender child of append-commanded.mjs, driven one command at a time. */
function startAppender(directory: string, checksums = 'off') {
  const child = spawn(
    process.execPath,
    [fixturePath('append-commanded.mjs'), directory, checksums],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    wake?.();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const nextLine = async (): Promise<string> => {
    while (lines.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return lines.shift() as string;
  };
  return {
    ready: nextLine(),
    /** Sends a command and resolves once the child has carried it out. */
    async command(text: string): Promise<string> {
      child.stdin.write(`${text}\n`);
      return nextLine();
    },
    async exit(): Promise<number | null> {
      child.stdin.end('exit\n');
      return exited;
    },
  };
}

/** Every file under `directory` (recursively) with a hash of its bytes. */
function snapshot(directory: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[path] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(directory);
  return out;
}

describe('a read-only queue beside an appender in another process', () => {
  it('takes no lock, writes nothing, and sees new records and new cycle files as they come', async () => {
    const directory = temporaryDirectory();
    // Opened before the queue has a file, with options of another shape: it takes the files'.
    using early = Queue.open(directory, { readOnly: true, blockBytes: '1 MiB' });
    const earlyReader = early.reader();
    expect(earlyReader.next()).toBeUndefined();
    expect(early.describe()).toMatchObject({ records: 0, cycles: [], blockBytes: 1024 * 1024 });
    const appender = startAppender(directory, 'crc32c');
    expect(await appender.ready).toBe('ready');
    expect(await appender.command('append 10')).toBe('done 10');
    expect(earlyReader.next()?.text()).toBe('record 0');
    expect(early.options).toMatchObject({
      rollCycle: 'TEST_SECONDLY',
      blockBytes: 64 * 1024,
      checksums: 'crc32c',
    });
    expect(early.describe()).toMatchObject({ records: 10, blockBytes: 64 * 1024 });

    const before = snapshot(directory);
    using queue = Queue.open(directory, { readOnly: true });
    const reader = queue.reader();
    const texts: string[] = [];
    const drain = (): void => {
      for (let record = reader.next(); record !== undefined; record = reader.next()) {
        texts.push(record.text());
      }
    };
    drain();
    expect(texts).toHaveLength(10);
    const first = queue.describe();
    expect(first.records).toBe(10);
    expect(first.cycles).toHaveLength(1);
    expect(queue.verify().ok).toBe(true);
    // The child is idle: whatever changed on disk since, this process changed.
    expect(snapshot(directory)).toEqual(before);

    expect(await appender.command('append 5')).toBe('done 15');
    drain();
    expect(texts).toHaveLength(15);
    expect(queue.describe().records).toBe(15);

    expect(await appender.command('roll')).toBe('done 15');
    expect(await appender.command('append 3')).toBe('done 18');
    drain();
    expect(texts).toEqual(Array.from({ length: 18 }, (_, k) => `record ${k}`));
    expect(queue.cycles()).toHaveLength(2);
    const info = queue.describe();
    expect(info.cycles.map((cycle) => cycle.records)).toEqual([15, 3]);
    expect(info.records).toBe(18);
    expect(info.lastIndex).toBe(info.cycles[1]?.lastIndex);
    const report = queue.verify();
    expect(report).toMatchObject({ ok: true, files: 2, records: 18, problemCount: 0 });

    // waitNext polls on a read-only queue (it cannot register as a futex waiter).
    const waiting = reader.waitNext({ timeoutMs: 60_000 });
    expect(await appender.command('append 1')).toBe('done 19');
    expect(await waiting).toBe(true);
    expect(reader.next()?.text()).toBe('record 18');

    // No lock held: once this appender is gone, another process appends while we stay open.
    expect(await appender.exit()).toBe(0);
    const second = startAppender(directory, 'crc32c');
    expect(await second.ready).toBe('ready');
    expect(await second.command('append 2')).toBe('done 2');
    expect(queue.describe().records).toBe(21);
    expect(await second.exit()).toBe(0);
    const names = readdirSync(directory).sort();
    expect(names.filter((name) => !name.endsWith('.annalq'))).toEqual([
      'appender.lock',
      'metadata.annalm',
    ]);
  });

  it('describe and verify run while the appender appends without pause', async () => {
    const directory = temporaryDirectory();
    const child = spawn(
      process.execPath,
      [fixturePath('append-forever.mjs'), directory, 'crc32c', '0'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout });
    let committed = 0;
    let wake: (() => void) | undefined;
    lines.on('line', (line) => {
      committed = Number(line.split(' ')[1]);
      wake?.();
    });
    const waitFor = async (count: number): Promise<void> => {
      while (committed < count) await new Promise<void>((resolve) => (wake = resolve));
    };
    try {
      await waitFor(300);
      using queue = Queue.open(directory, { readOnly: true });
      let previous = 0;
      for (let round = 0; round < 5; round++) {
        const atLeast = committed;
        const info = queue.describe();
        expect(info.records).toBeGreaterThanOrEqual(Math.max(atLeast, previous));
        expect(info.problems).toEqual([]);
        previous = info.records;
        const report = queue.verify();
        expect(report.problems).toEqual([]);
        expect(report.records).toBeGreaterThanOrEqual(info.records);
        await waitFor(committed + 100);
      }
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
    }
  });
});
