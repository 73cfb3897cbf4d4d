import { join } from 'node:path';

import { Archiver } from '@annal/archiver';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { annal, jsonLines, startAnnal } from '../annal.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * An archive of two streams: `feed` (ws) sends a subscription and receives two prices, then
 * ends; `orders` (fix) receives one binary message and stays open.
 */
async function makeArchive(): Promise<string> {
  const directory = join(temporaryDirectory(), 'archive');
  const archiver = await Archiver.open(directory);
  const feed = archiver.stream('feed', { protocol: 'ws', description: 'wss://feed.example/ws' });
  const orders = archiver.stream('orders', { protocol: 'fix' });
  feed.recordOut(encode('{"subscribe":"btc"}'), true);
  feed.recordIn(encode('{"price":100}'), true);
  orders.recordIn(new Uint8Array([0, 1, 2, 255]));
  feed.recordIn(encode('{"price":101}'), true);
  feed.end();
  await archiver.close();
  return directory;
}

/**
 * An archive record written by hand, as docs/format.md ("@annal/archiver") lays it out: kind,
 * flags, format 1, a zero byte, then stream, seconds and nanos (u32 LE), then the body.
 */
function archiveRecord(kind: number, flags: number, stream: number, body = ''): Uint8Array {
  const bytes = new Uint8Array(16 + Buffer.byteLength(body));
  const view = new DataView(bytes.buffer);
  bytes[0] = kind;
  bytes[1] = flags;
  bytes[2] = 1;
  view.setUint32(4, stream, true);
  view.setUint32(8, 1_796_400_000, true); // 2026-12-04T16:00:00Z
  view.setUint32(12, 123_456_789, true);
  bytes.set(encode(body), 16);
  return bytes;
}

/** A queue of hand-written archive records (for what an Archiver only does under load). */
function writeArchive(records: readonly Uint8Array[]): string {
  const directory = join(temporaryDirectory(), 'handmade');
  using queue = Queue.open(directory, { checksums: 'crc32c' });
  const appender = queue.appender();
  for (const record of records) appender.appendSync(record);
  return directory;
}

const SESSION = archiveRecord(
  3,
  0,
  0,
  '{"format":1,"startedAt":"2026-12-04T16:00:00Z","pid":1,"hostname":"h"}',
);
const FEED = archiveRecord(2, 0, 1, '{"name":"feed","protocol":"ws","description":""}');

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ`: ISO 8601 to the microsecond. */
const MICROSECOND_TIME = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z`;

describe('annal on an archive', () => {
  it('ls shows the queue, then the sessions, streams and drops; --json has them', async () => {
    const directory = await makeArchive();
    const text = await annal(['ls', directory]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`archive ${directory}\n  roll cycle`);
    expect(text.stdout).toContain('archive: 1 session, 4 messages, 0 dropped');
    expect(text.stdout).toMatch(
      /session 1 {2}#1 {2}feed {2}ws {2}in 2 {2}out 1 {2}declared \S+ {2}ended \S+/,
    );
    expect(text.stdout).toMatch(
      /session 1 {2}#2 {2}orders {2}fix {2}in 1 {2}out 0 {2}declared \S+ {2}open/,
    );

    const json = await annal(['--json', 'ls', directory]);
    expect(json.code).toBe(0);
    const [info] = jsonLines(json.stdout) as [Record<string, unknown>];
    expect(info).toMatchObject({
      kind: 'archive',
      directory,
      records: 8, // SESSION, 2 STREAM, 4 messages, END
      sessions: 1,
      messages: 4,
      dropped: 0,
    });
    expect(info['streams']).toEqual([
      {
        session: 1,
        id: 1,
        name: 'feed',
        protocol: 'ws',
        description: 'wss://feed.example/ws',
        messagesIn: 2,
        messagesOut: 1,
        declaredAt: expect.any(Number) as number,
        endedAt: expect.any(Number) as number,
      },
      {
        session: 1,
        id: 2,
        name: 'orders',
        protocol: 'fix',
        description: '',
        messagesIn: 1,
        messagesOut: 0,
        declaredAt: expect.any(Number) as number,
        endedAt: null,
      },
    ]);
  });

  it('dump shows each message with time, stream, direction and body; filters by stream and direction', async () => {
    const directory = await makeArchive();
    const text = await annal(['dump', directory]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const line = (stream: string, direction: string, body: string): RegExp =>
      new RegExp(`^\\d+  ${MICROSECOND_TIME}  ${stream}  ${direction}  ${body}$`);
    expect(lines[0]).toMatch(line('feed', 'out', '"\\{\\\\"subscribe\\\\":\\\\"btc\\\\"\\}"'));
    expect(lines[1]).toMatch(line('feed', 'in ', '"\\{\\\\"price\\\\":100\\}"'));
    expect(lines[2]).toMatch(line('orders', 'in ', '0x000102ff'));
    expect(lines[3]).toMatch(line('feed', 'in ', '"\\{\\\\"price\\\\":101\\}"'));

    const json = await annal([
      '--json',
      'dump',
      directory,
      '--stream',
      'feed',
      '--direction',
      'in',
    ]);
    expect(json.code).toBe(0);
    const messages = jsonLines(json.stdout) as Record<string, unknown>[];
    expect(messages).toEqual([
      expect.objectContaining({
        stream: 'feed',
        session: 1,
        streamId: 1,
        direction: 'in',
        text: true,
        droppedBefore: 0,
        length: 13,
        payload: { text: '{"price":100}' },
      }),
      expect.objectContaining({ stream: 'feed', payload: { text: '{"price":101}' } }),
    ]);
    for (const message of messages) {
      expect(message['time']).toMatch(new RegExp(`^${MICROSECOND_TIME}$`));
      expect(new Date(message['time'] as string).getTime()).toBe(
        Math.floor(message['timestamp'] as number),
      );
    }
    const [first, second] = messages as [Record<string, number>, Record<string, number>];
    expect(second['index']).toBeGreaterThan(first['index'] ?? Infinity);

    const binary = await annal(['dump', directory, '--format', 'json', '--stream', 'orders']);
    expect(jsonLines(binary.stdout)).toEqual([
      expect.objectContaining({ stream: 'orders', text: false, payload: { base64: 'AAEC/w==' } }),
    ]);

    const sent = await annal(['dump', directory, '--direction', 'out', '--limit', '5']);
    expect(sent.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(line('feed', 'out', '.*subscribe.*')),
    ]);

    const from = await annal(['--json', 'dump', directory, '--from', String(second['index'])]);
    expect(jsonLines(from.stdout)).toEqual([
      expect.objectContaining({ index: second['index'], payload: { text: '{"price":101}' } }),
    ]);
  });

  it('tail shows the last messages of the selection', async () => {
    const directory = await makeArchive();
    const run = await annal(['--json', 'tail', '-n', '2', directory, '--stream', 'feed']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ direction: 'in', payload: { text: '{"price":100}' } }),
      expect.objectContaining({ direction: 'in', payload: { text: '{"price":101}' } }),
    ]);
  });

  it('tail -f goes on with what a later archiver session records, until Ctrl-C (exit 130)', async () => {
    const directory = await makeArchive();
    const tail = startAnnal(['tail', '-f', '-n', '1', directory, '--stream', 'feed']);
    await tail.waitForLine((line) => line.endsWith('"{\\"price\\":101}"'));
    const archiver = await Archiver.open(directory);
    const feed = archiver.stream('feed', { protocol: 'ws' });
    archiver.stream('other').recordIn(encode('not shown'), true);
    feed.recordIn(encode('live'), true);
    await tail.waitForLine((line) => line.endsWith('"live"'));
    await archiver.close();
    tail.child.kill('SIGINT');
    const ended = await tail.exited;
    expect(ended.code).toBe(130);
    expect(ended.stdout).not.toContain('price\\":100');
    expect(ended.stdout).not.toContain('not shown');
  });

  it('dump shows the messages dropped before a message (a GAP record) as a ~ line and droppedBefore', async () => {
    const directory = writeArchive([
      SESSION,
      FEED,
      archiveRecord(1, 2, 1, 'first'),
      archiveRecord(5, 0, 3),
      archiveRecord(1, 3, 1, 'after the gap'),
    ]);
    const text = await annal(['dump', directory]);
    expect(text.stderr).toBe('');
    expect(text.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^\d+ {2}2026-12-04T16:00:00\.123456Z {2}feed {2}in {3}"first"$/),
      '~ 3 messages dropped by the archiver here',
      expect.stringMatching(
        /^\d+ {2}2026-12-04T16:00:00\.123456Z {2}feed {2}out {2}"after the gap"$/,
      ),
    ]);
    const json = await annal(['--json', 'dump', directory]);
    expect(jsonLines(json.stdout)).toEqual([
      expect.objectContaining({ droppedBefore: 0, payload: { text: 'first' } }),
      expect.objectContaining({
        droppedBefore: 3,
        direction: 'out',
        payload: { text: 'after the gap' },
      }),
    ]);
    const ls = await annal(['--json', 'ls', directory]);
    expect(jsonLines(ls.stdout)).toEqual([
      expect.objectContaining({ kind: 'archive', dropped: 3 }),
    ]);
  });

  it('an archive whose records are not valid: ls shows the queue and the damage, dump fails with exit 6', async () => {
    const directory = writeArchive([SESSION, FEED, archiveRecord(1, 0, 7, 'of no stream')]);
    const ls = await annal(['ls', directory]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain(`archive ${directory}`);
    expect(ls.stdout).toContain('archive damaged:');
    expect(ls.stdout).toContain('stream 7');
    const dump = await annal(['--json', 'dump', directory]);
    expect(dump.code).toBe(6);
    expect(JSON.parse(dump.stderr)).toMatchObject({
      error: { code: 'ERR_ANNAL_CORRUPT', path: directory },
    });
  });

  it('a queue whose first record is not a SESSION record is a plain queue', async () => {
    const directory = writeArchive([FEED, SESSION]);
    const ls = await annal(['--json', 'ls', directory]);
    expect(jsonLines(ls.stdout)).toEqual([expect.objectContaining({ kind: 'queue', records: 2 })]);
  });

  it('verify and export work at the queue level, header bytes included', async () => {
    const directory = await makeArchive();
    const verify = await annal(['verify', directory]);
    expect(verify.code).toBe(0);
    const target = join(temporaryDirectory(), 'out.ndjson');
    const exported = await annal(['export', directory, '--to', target]);
    expect(exported.stdout).toContain('exported 8 records');
  });

  it('refuses --stream and --direction on a store that is not an archive (exit 2)', async () => {
    const directory = join(temporaryDirectory(), 'plain');
    {
      using queue = Queue.open(directory);
      queue.appender().appendString('not an archive');
    }
    const run = await annal(['dump', directory, '--stream', 'feed']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--stream is for archives');
    expect(run.stderr).toContain(directory);

    const json = await annal(['--json', 'tail', directory, '--direction', 'in']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toMatchObject({
      error: { code: 'ERR_ANNAL_INVALID_ARGUMENT', path: directory },
      exitCode: 2,
    });

    const plain = await annal(['dump', directory]);
    expect(plain.stdout).toContain('"not an archive"');
  });
});
