/**
 * A read-only wal beside its writer, another process: the child appends when told (one stdin
 * line), answers on stdout, and the parent reads right after; nothing waits on time.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { Wal } from '@annal/wal';
import { temporaryDirectory } from '@annal/test-utils';
import { afterEach, describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';

const decoder = new TextDecoder();

/** The writer child: `send` a command, get its answer line. */
interface Writer {
  send(command: string): Promise<string>;
  exit(): Promise<number | null>;
}

const running: Writer[] = [];

async function startWriter(directory: string, options: object): Promise<Writer> {
  const child = spawn(
    process.execPath,
    [fixturePath('wal-live-writer.mjs'), directory, JSON.stringify(options)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const pending: ((line: string) => void)[] = [];
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = pending.shift();
    if (waiter === undefined) lines.push(line);
    else waiter(line);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const nextLine = (): Promise<string> =>
    lines.length > 0
      ? Promise.resolve(lines.shift() as string)
      : Promise.race([
          new Promise<string>((resolve) => pending.push(resolve)),
          exited.then((code) => {
            throw new Error(`writer exited (${code}); stderr:\n${stderr}`);
          }),
        ]);
  expect(await nextLine()).toBe('ready');
  const writer: Writer = {
    send(command) {
      child.stdin.write(`${command}\n`);
      return nextLine();
    },
    async exit() {
      if (child.exitCode === null) child.stdin.write('exit\n');
      return exited;
    },
  };
  running.push(writer);
  return writer;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((writer) => writer.exit()));
});

function texts(wal: Wal, topic: string, from = 0): string[] {
  return wal
    .readFrom(topic, from, { maxRecords: 1_000_000, maxBytes: 1 << 30 })
    .map((record) => decoder.decode(record.payload).replace(/\.+$/, ''));
}

describe.each(['mmap', 'fd'] as const)('a read-only wal beside a live writer (%s)', (backend) => {
  const options = { backend, sync: 'none', quiet: true } as const;

  it('sees each append made after it opened, without the lock and without disturbing the writer', async () => {
    const dir = temporaryDirectory();
    const writer = await startWriter(dir, options);
    // The reader's backend is its own: it reads the same files as the writer's other backend.
    const other = backend === 'mmap' ? 'fd' : 'mmap';
    await using wal = Wal.open(dir, { ...options, backend: other, readOnly: true });
    expect(wal.topics()).toEqual([]);
    expect(wal.readFrom('t', 0)).toEqual([]);
    const reader = wal.reader('t');
    expect(reader.next()).toBeUndefined();

    expect(await writer.send('append t 10 0')).toBe('ok 9');
    expect(texts(wal, 't')).toEqual(Array.from({ length: 10 }, (_, n) => `t ${n}`));
    expect(wal.lastIndex('t')).toBe(9);
    const seen: number[] = [];
    expect(reader.poll((record) => seen.push(record.index))).toBe(10);

    expect(await writer.send('append t 5 0')).toBe('ok 14');
    expect(reader.poll((record) => seen.push(record.index))).toBe(5);
    expect(seen).toEqual(Array.from({ length: 15 }, (_, n) => n));
    expect(await writer.send('batch t 4')).toBe('ok 18');
    expect(texts(wal, 't', 15)).toEqual(['t 15', 't 16', 't 17', 't 18']);
    expect(reader.next()?.index).toBe(15);

    // The writer still owns the directory and goes on appending.
    expect(() => Wal.open(dir, options)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }),
    );
    expect(await writer.send('append t 1 0')).toBe('ok 19');
    expect(wal.lastIndex('t')).toBe(19);
    expect(await writer.send('append t 2 0')).toBe('ok 21');
    reader.toEnd();
    expect(reader.index).toBe(22);
    expect(reader.next()).toBeUndefined();
    reader.close();
  });

  it('follows the writer across rolls and retention, and reads its named readers and event partitions', async () => {
    const dir = temporaryDirectory();
    const writer = await startWriter(dir, {
      ...options,
      segmentBytes: '1 MiB',
      maxPayloadBytes: 4096,
      retention: { maxBytes: '2 MiB' },
    });
    expect(await writer.send('append t 100 2000')).toBe('ok 99');
    await using wal = Wal.open(dir, { ...options, readOnly: true });
    const reader = wal.reader('t');
    const seen: number[] = [];
    const poll = (): number => reader.poll((record) => seen.push(record.index));
    expect(poll()).toBe(100);
    // About 500 records of 2 KB fill a segment: this rolls twice, and the writer's retention
    // deletes the segment this reader was in.
    expect(await writer.send('append t 1400 2000')).toBe('ok 1499');
    expect(await writer.send('retain')).toBe('ok');
    const [info] = wal.topics();
    const oldest = info?.firstIndex as number;
    expect(oldest).toBeGreaterThan(0);
    expect(info).toMatchObject({ topic: 't', lastIndex: 1499, records: 1500 - oldest });
    expect(info?.segments[0]?.firstIndex).toBe(oldest);
    expect(info?.segments.length).toBeGreaterThanOrEqual(2);
    // The reader goes on from the oldest record kept (as readFrom does).
    poll();
    expect(reader.index).toBe(1500);
    expect(seen.slice(100)).toEqual(Array.from({ length: 1500 - oldest }, (_, n) => oldest + n));
    const kept = texts(wal, 't');
    expect(kept[0]).toBe(`t ${oldest}`);
    expect(kept).toHaveLength(1500 - oldest);
    expect(await writer.send('append t 600 2000')).toBe('ok 2099');
    poll();
    expect(reader.index).toBe(2100);
    expect(seen.at(-1)).toBe(2099);
    // The writer's retention runs after its rolls, off its append path: wait until it is done.
    expect(await writer.send('retain')).toBe('ok');
    const now = wal.topics()[0]?.firstIndex as number;

    expect(await writer.send('read t audit 7')).toBe(`ok ${now + 7}`);
    expect(await writer.send('event e 2 3')).toBe('ok 2');
    expect(wal.readerNames('t')).toEqual(['audit']);
    const infos = wal.topics();
    expect(infos.map((t) => [t.topic, t.partition])).toEqual([
      ['e', 2],
      ['t', undefined],
    ]);
    expect(infos[1]?.readers).toEqual([{ name: 'audit', index: now + 7, lag: 2100 - (now + 7) }]);
    expect(
      wal
        .events('e', 2)
        .readFrom(0, 10)
        .map((event) => event.index),
    ).toEqual([0, 1, 2]);
    expect(wal.verify()).toMatchObject({ ok: true, problemCount: 0 });
    reader.close();
  });

  it('follow() on a read-only wal yields what the writer appends', async () => {
    const dir = temporaryDirectory();
    const writer = await startWriter(dir, options);
    expect(await writer.send('append f 2 0')).toBe('ok 1');
    await using wal = Wal.open(dir, { ...options, readOnly: true });
    const reader = wal.reader('f');
    const controller = new AbortController();
    const got: string[] = [];
    for await (const record of reader.follow({ signal: controller.signal })) {
      got.push(decoder.decode(record.payload));
      if (got.length === 2) expect(await writer.send('append f 1 0')).toBe('ok 2');
      if (got.length === 3) controller.abort();
    }
    expect(got).toEqual(['f 0', 'f 1', 'f 2']);
    reader.close();
  });
});
