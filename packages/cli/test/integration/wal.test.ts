import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { temporaryDirectory } from '@annal/test-utils';
import { Wal } from '@annal/wal';
import { describe, expect, it } from 'vitest';

import { annal, jsonLines, startAnnal } from '../annal.js';

const encoder = new TextEncoder();

/** A wal with a plain topic `orders` (3 records) and an event log `payments` partition 0 (2 events). */
async function makeWal(): Promise<string> {
  const directory = join(temporaryDirectory(), 'wal');
  await using wal = Wal.open(directory, { sync: 'none' });
  for (let k = 0; k < 3; k++) wal.appendSync('orders', encoder.encode(`order ${k}`));
  const payments = wal.events('payments');
  payments.appendSync({
    type: 'paid',
    data: { json: { amount: 5 } },
    timestamp: Date.UTC(2026, 11, 4, 9),
  });
  payments.appendSync({
    type: 'refunded',
    data: { text: 'late' },
    timestamp: Date.UTC(2026, 11, 4, 10),
    headers: { by: 'ops' },
  });
  const reader = wal.reader('orders', { name: 'audit' });
  reader.next();
  return directory;
}

/** The segment file of topic `orders` that holds `text`. */
function segmentHolding(directory: string, text: string): string {
  const topicDirectory = join(directory, 'topics', 'orders');
  return readdirSync(topicDirectory)
    .map((name) => join(topicDirectory, name))
    .find((path) => readFileSync(path).includes(text)) as string;
}

describe('annal on a wal', () => {
  it('ls lists topics and event-log partitions with counts and named readers; --json parses', async () => {
    const directory = await makeWal();
    const text = await annal(['ls', directory]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`wal ${directory}`);
    expect(text.stdout).toMatch(/orders {2}3 records \(0 … 2\)/);
    expect(text.stdout).toContain(
      'payments#0 (events)  2 records (0 … 1, 2026-12-04T09:00:00.000Z … 2026-12-04T10:00:00.000Z)',
    );
    expect(text.stdout).toContain('reader audit');
    const [listing] = jsonLines((await annal(['--json', 'ls', directory])).stdout) as [
      { kind: string; topics: Record<string, unknown>[] },
    ];
    expect(listing.kind).toBe('wal');
    expect(listing.topics).toEqual([
      expect.objectContaining({ topic: 'orders', records: 3, firstIndex: 0, lastIndex: 2 }),
      expect.objectContaining({
        topic: 'payments',
        partition: 0,
        records: 2,
        firstTimestamp: Date.UTC(2026, 11, 4, 9),
        lastTimestamp: Date.UTC(2026, 11, 4, 10),
      }),
    ]);
    expect(listing.topics[0]).not.toHaveProperty('partition'); // a plain topic has none
  });

  it('dump needs --topic when there are several, and prints records or typed events', async () => {
    const directory = await makeWal();
    const ambiguous = await annal(['dump', directory]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('choose one with --topic');
    expect(ambiguous.stderr).toContain('orders');

    const orders = await annal(['dump', directory, '--topic', 'orders']);
    expect(orders.stdout).toBe(
      'orders  0  7 B  "order 0"\norders  1  7 B  "order 1"\norders  2  7 B  "order 2"\n',
    );

    const events = await annal(['--json', 'dump', directory, '--topic', 'payments']);
    expect(jsonLines(events.stdout)).toEqual([
      expect.objectContaining({
        stream: 'payments#0',
        index: 0,
        type: 'paid',
        data: { json: { amount: 5 } },
        timestamp: Date.UTC(2026, 11, 4, 9),
        headers: {},
      }),
      expect.objectContaining({
        index: 1,
        type: 'refunded',
        data: { text: 'late' },
        headers: { by: 'ops' },
      }),
    ]);
    const missing = await annal(['dump', directory, '--topic', 'nope']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no topic "nope"');
  });

  it('reads while the wal is open for writing in another process (no lock taken)', async () => {
    const directory = await makeWal();
    await using wal = Wal.open(directory, { sync: 'none' });
    wal.appendSync('orders', encoder.encode('while open'));
    const run = await annal(['tail', directory, '--topic', 'orders', '-n', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('orders  3  10 B  "while open"\n');
  });

  it('tail -f follows what the owning process appends, until Ctrl-C (exit 130)', async () => {
    const directory = await makeWal();
    await using wal = Wal.open(directory, { sync: 'none' });
    const tail = startAnnal(['tail', '-f', '-n', '1', '--topic', 'orders', directory]);
    await tail.waitForLine((line) => line.endsWith('"order 2"'));
    wal.appendSync('orders', encoder.encode('live one'));
    await tail.waitForLine((line) => line.endsWith('"live one"'));
    tail.child.kill('SIGINT');
    expect((await tail.exited).code).toBe(130);
  });

  it('verify: clean is exit 0, a flipped byte exit 1 naming the segment', async () => {
    const directory = await makeWal();
    expect((await annal(['verify', directory])).code).toBe(0);
    const segment = segmentHolding(directory, 'order 1');
    const bytes = readFileSync(segment);
    const at = bytes.indexOf('order 1') + 2;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    writeFileSync(segment, bytes);
    const run = await annal(['--json', 'verify', directory]);
    expect(run.code).toBe(1);
    const [report] = jsonLines(run.stdout) as [{ ok: boolean; problems: { path: string }[] }];
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.path).toBe(segment);
  });

  it("stats counts an event log's events per hour or day of event time; a plain topic has no time", async () => {
    const directory = await makeWal();
    const [hourly] = jsonLines(
      (await annal(['--json', 'stats', directory, '--topic', 'payments'])).stdout,
    ) as [{ stream: string; unit: string; periods: { start: number; records: number }[] }];
    expect(hourly).toMatchObject({ stream: 'payments#0', unit: 'hour' });
    expect(hourly.periods.map((p) => [p.start, p.records])).toEqual([
      [Date.UTC(2026, 11, 4, 9), 1],
      [Date.UTC(2026, 11, 4, 10), 1],
    ]);
    const [daily] = jsonLines(
      (await annal(['--json', 'stats', directory, '--topic', 'payments', '--by', 'day'])).stdout,
    ) as [{ periods: { records: number }[] }];
    expect(daily.periods).toEqual([
      expect.objectContaining({ start: Date.UTC(2026, 11, 4), records: 2 }),
    ]);
    const plain = await annal(['stats', directory, '--topic', 'orders']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('carry no time');
  });

  it('verify reports a segment file cut shorter than its header says (exit 1, naming it)', async () => {
    const directory = await makeWal();
    const segment = segmentHolding(directory, 'order 1');
    truncateSync(segment, readFileSync(segment).indexOf('order 2') + 3);
    const run = await annal(['--json', 'verify', directory]);
    expect(run.code).toBe(1);
    const [report] = jsonLines(run.stdout) as [{ ok: boolean; problems: { path: string }[] }];
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.path).toBe(segment);
  });

  it('a damaged record: ls says where the readable records end, tail refuses (exit 6), dump stops there (exit 6)', async () => {
    const directory = await makeWal();
    const segment = segmentHolding(directory, 'order 1');
    const bytes = readFileSync(segment);
    const at = bytes.indexOf('order 1') + 2;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    writeFileSync(segment, bytes);
    const ls = await annal(['ls', directory]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/orders {2}1 record \(0 … 0\)/);
    expect(ls.stdout).toContain(`damaged: topic "orders": ${segment}`);
    const tail = await annal(['tail', directory, '--topic', 'orders', '-n', '1']);
    expect(tail.code).toBe(6);
    expect(tail.stdout).toBe('');
    const dump = await annal(['dump', directory, '--topic', 'orders']);
    expect(dump.code).toBe(6);
    expect(dump.stdout).toBe('orders  0  7 B  "order 0"\n');
    expect(dump.stderr).toContain('(record 1)');
  });
});
