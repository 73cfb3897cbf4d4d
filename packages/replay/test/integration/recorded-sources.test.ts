import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Queue } from '@annal/core';
import { Wal } from '@annal/wal';
import { merge, replay, type BytesRecord } from '@annal/replay';
import { fromQueue } from '@annal/replay/core';
import { fromEventLog, fromTopic } from '@annal/replay/wal';
import { temporaryDirectory } from '@annal/test-utils';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A recorded message: an f64 timestamp, then the text. */
function stampedPayload(at: number, text: string): Uint8Array {
  const bytes = new Uint8Array(8 + encoder.encode(text).length);
  new DataView(bytes.buffer).setFloat64(0, at, true);
  bytes.set(encoder.encode(text), 8);
  return bytes;
}
const timestampOf = (buffer: Uint8Array, offset: number): number =>
  new DataView(buffer.buffer, buffer.byteOffset).getFloat64(offset, true);
const textOf = (record: BytesRecord): string =>
  decoder.decode(record.buffer.subarray(record.offset + 8, record.offset + record.length));

function recordQueue(directory: string, count: number, checksums = false): void {
  const queue = Queue.open(directory, {
    blockBytes: '1 MiB',
    checksums: checksums ? 'crc32c' : 'off',
  });
  const appender = queue.appender();
  for (let k = 0; k < count; k++) appender.appendSync(stampedPayload(1_000 + 10 * k, `queue ${k}`));
  queue.close();
}

describe('recorded sources', () => {
  it('replays a core queue zero-copy, the same calls on every run (by hash), with from and to', async () => {
    const directory = join(temporaryDirectory(), 'orders');
    recordQueue(directory, 500);
    const queue = Queue.open(directory, { readOnly: true });
    try {
      const run = async (options = {}) => {
        const hash = createHash('sha256');
        const summary = await replay(
          fromQueue(queue, { timestamp: (r) => timestampOf(r.buffer, r.offset), ...options }),
          (record, { clock }) =>
            void hash.update(`${record.index}|${clock.now()}|${textOf(record)};`),
        );
        return { hash: hash.digest('hex'), summary };
      };
      const first = await run();
      expect(first.summary.delivered).toBe(500);
      expect(first.summary.firstTimestamp).toBe(1_000);
      expect(first.summary.lastTimestamp).toBe(1_000 + 10 * 499);
      expect((await run()).hash).toBe(first.hash);

      const start = first.summary.lastIndex - 499;
      const texts: string[] = [];
      await replay(
        fromQueue(queue, { from: start + 10, to: start + 12 }),
        (record) => void texts.push(textOf(record)),
      );
      expect(texts).toEqual(['queue 10', 'queue 11', 'queue 12']);
      expect(queue.openReaderCount).toBe(0); // every source closed its reader
    } finally {
      queue.close();
    }
  });

  it('merges a queue, a wal topic and a wal event log into one deterministic stream', async () => {
    const root = temporaryDirectory();
    recordQueue(join(root, 'queue'), 50);
    const wal = Wal.open(join(root, 'wal'), { sync: 'manual' });
    for (let k = 0; k < 50; k++)
      wal.appendSync('fix.out', stampedPayload(1_005 + 20 * k, `topic ${k}`));
    const log = wal.events('orders');
    for (let k = 0; k < 50; k++)
      log.appendSync({
        type: k % 2 ? 'paid' : 'placed',
        data: { json: { k } },
        timestamp: 1_000 + 15 * k,
      });
    const queue = Queue.open(join(root, 'queue'), { readOnly: true });
    try {
      const run = async () => {
        const hash = createHash('sha256');
        const order: string[] = [];
        const summary = await replay(
          merge([
            fromQueue(queue, { timestamp: (r) => timestampOf(r.buffer, r.offset) }),
            fromTopic(wal, 'fix.out', { timestamp: (payload) => timestampOf(payload, 0) }),
            fromEventLog(log),
          ]),
          (record) => {
            order.push(`${record.stream}@${record.timestamp}`);
            hash.update(`${record.stream}/${record.index}/${record.timestamp}/${record.type};`);
          },
        );
        return { hash: hash.digest('hex'), order, summary };
      };
      const first = await run();
      expect(first.summary.delivered).toBe(150);
      expect((await run()).hash).toBe(first.hash);
      // Timestamps never go down, and at 1000 the queue (listed first) precedes the event log.
      const times = first.order.map((entry) => Number(entry.split('@')[1]));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(first.order.slice(0, 2)).toEqual(['queue@1000', 'orders#0@1000']);
      // Types filter the events only.
      const paid = await replay(fromEventLog(log), () => undefined, { types: ['paid'] });
      expect(paid.delivered).toBe(25);
    } finally {
      queue.close();
      wal.closeSync();
    }
  });

  it('reports a damaged record as ERR_ANNAL_CORRUPT naming where, after delivering every record before it', async () => {
    const directory = join(temporaryDirectory(), 'damaged');
    const queue = Queue.open(directory, { blockBytes: '1 MiB', checksums: 'crc32c' });
    const appender = queue.appender();
    for (let k = 0; k < 20; k++)
      appender.appendSync(stampedPayload(k, k === 12 ? 'MARKER-twelve' : `queue ${k}`));
    queue.close();
    // Flip one byte of record 12's payload, found by its text.
    const file = readdirSync(directory)
      .map((name) => join(directory, name))
      .find((path) => readFileSync(path).includes('MARKER-twelve'));
    expect(file).toBeDefined();
    const bytes = readFileSync(file as string);
    const at = bytes.indexOf('MARKER-twelve') + 3;
    bytes[at] = (bytes[at] as number) ^ 0x20;
    writeFileSync(file as string, bytes);

    const reopened = Queue.open(directory, { readOnly: true });
    try {
      const delivered: string[] = [];
      let lastIndex = -1;
      const outcome = replay(fromQueue(reopened), (record) => {
        delivered.push(textOf(record));
        lastIndex = record.index;
      });
      const failure: unknown = await outcome.then(
        () => undefined,
        (error: unknown) => error,
      );
      // The error names the file, the byte offset and the index of the damaged record.
      expect(failure).toMatchObject({
        code: 'ERR_ANNAL_CORRUPT',
        path: file,
        index: lastIndex + 1,
        offset: expect.any(Number),
      });
      expect(delivered).toHaveLength(12);
      expect(delivered.at(-1)).toBe('queue 11');
    } finally {
      reopened.close();
    }
  });
});

describe('a `from` that names no record', () => {
  it('is ERR_ANNAL_NOT_FOUND for a queue, a topic and an event log, never a silent start elsewhere', () => {
    const root = temporaryDirectory();
    recordQueue(join(root, 'queue'), 3);
    const queue = Queue.open(join(root, 'queue'), { readOnly: true });
    const wal = Wal.open(join(root, 'wal'), { sync: 'manual' });
    try {
      const last = fromQueue(queue);
      let lastIndex = -1;
      for (let r = last.next(); r !== undefined; r = last.next()) lastIndex = r.index;
      last.close();
      expect(() => fromQueue(queue, { from: lastIndex + 1 })).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_NOT_FOUND', field: 'from' }),
      );
      expect(queue.openReaderCount).toBe(0);

      for (let k = 0; k < 3; k++) wal.appendSync('t', encoder.encode(`r${k}`));
      expect(fromTopic(wal, 't', { from: 3 }).next()).toBeUndefined(); // the next index: fine
      expect(() => fromTopic(wal, 't', { from: 9 })).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_NOT_FOUND', field: 'from' }),
      );

      const log = wal.events('e');
      log.appendSync({ type: 'x', data: { text: 'a' } });
      expect(fromEventLog(log, { from: 1 }).next()).toBeUndefined(); // the next index: fine
      expect(() => fromEventLog(log, { from: 5 }).next()).toThrow(
        expect.objectContaining({ code: 'ERR_ANNAL_NOT_FOUND', field: 'from' }),
      );
    } finally {
      queue.close();
      wal.closeSync();
    }
  });
});
