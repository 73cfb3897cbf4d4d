#!/usr/bin/env node
// Writes docs/cli/<command>.md: a real session per command, run now on demo stores in
// /tmp/annal-demo (a queue, a wal with a plain topic and an event log, a channel, an archive
// that @annal/archiver wrote, and a damaged copy of the queue). Run after `pnpm build`:  node packages/cli/scripts/transcripts.mjs
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Archiver } from '@annal/archiver';
import { Channel, Queue } from '@annal/core';
import { Wal } from '@annal/wal';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'dist', 'bin.js');
const docs = join(here, '..', '..', '..', 'docs', 'cli');
const demo = '/tmp/annal-demo';
rmSync(demo, { recursive: true, force: true });
mkdirSync(demo, { recursive: true });
const encoder = new TextEncoder();

// The stores.
const orders = join(demo, 'orders');
{
  const queue = Queue.open(orders, { blockBytes: '256 KiB', checksums: 'crc32c' });
  const appender = queue.appender();
  for (let k = 0; k < 50; k++) appender.appendJson({ order: k, qty: (k * 7) % 13 });
  appender.appendSync(new Uint8Array([0, 1, 2, 255]));
  const reader = queue.reader({ name: 'billing' });
  for (let k = 0; k < 30; k++) reader.next();
  queue.close();
}
const walDirectory = join(demo, 'wal');
{
  const wal = Wal.open(walDirectory, { sync: 'none' });
  for (let k = 0; k < 5; k++) wal.appendSync('orders', encoder.encode(`order ${k}`));
  const payments = wal.events('payments');
  payments.appendSync({
    type: 'payment.received',
    data: { json: { order: 1, amount: 25.5 } },
    timestamp: Date.UTC(2026, 11, 4, 9, 30),
  });
  payments.appendSync({
    type: 'payment.refunded',
    data: { json: { order: 1 } },
    headers: { by: 'ops' },
    timestamp: Date.UTC(2026, 11, 4, 10, 5),
  });
  const audit = wal.reader('orders', { name: 'audit' });
  audit.next();
  audit.next();
  await wal.close();
}
const ticks = join(demo, 'ticks.channel');
{
  const writer = Channel.create(ticks, { capacity: '64 KiB' });
  for (let k = 0; k < 3; k++) writer.write(encoder.encode(`tick ${k}`));
  writer.close();
}
const archive = join(demo, 'archive');
{
  const archiver = await Archiver.open(archive);
  const feed = archiver.stream('btc-usd', { protocol: 'ws', description: 'wss://feed.example/ws' });
  const fix = archiver.stream('venue', { protocol: 'fix' });
  feed.recordOut(encoder.encode('{"subscribe":"btc-usd"}'), true);
  feed.recordIn(encoder.encode('{"price":100}'), true);
  fix.recordOut(new Uint8Array([0x38, 0x3d, 0x46, 0x49, 0x58, 0x01]));
  feed.recordIn(encoder.encode('{"price":101}'), true);
  feed.end();
  await archiver.close();
}
const damaged = join(demo, 'orders-damaged');
cpSync(orders, damaged, { recursive: true });
{
  const file = join(
    damaged,
    readdirSync(damaged).find((name) => name.endsWith('.annalq')),
  );
  const bytes = readFileSync(file);
  bytes[bytes.indexOf('"order":25') + 3] ^= 0x20;
  writeFileSync(file, bytes);
}

const repaired = join(demo, 'orders-repaired');
cpSync(damaged, repaired, { recursive: true });

/** `$ annal …` and what it printed (stdout, then stderr), with its exit code when not 0. */
function session(args) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: demo });
  const shown = args.map((a) => (a.startsWith(demo) ? `.${a.slice(demo.length)}` : a)).join(' ');
  const output = `${result.stdout}${result.stderr}`.replaceAll(demo, '/tmp/annal-demo');
  const code = result.status === 0 ? '' : `$ echo $?\n${result.status}\n`;
  return `$ annal ${shown}\n${output}${code}`;
}

/** `tail -f`: starts following, appends from this process, then stops it as Ctrl-C would. */
async function followSession() {
  const child = spawn(process.execPath, [bin, 'tail', '-f', '-n', '2', orders], { cwd: demo });
  let output = '';
  const seen = (text) =>
    new Promise((resolve) => {
      const look = () => (output.includes(text) ? resolve() : child.stdout.once('data', look));
      look();
    });
  child.stdout.on('data', (chunk) => (output += chunk));
  await seen('0x000102ff');
  const queue = Queue.open(orders);
  queue.appender().appendJson({ order: 50, qty: 1, note: 'appended by another process' });
  await seen('appended by another process');
  queue.close();
  child.kill('SIGINT');
  const code = await new Promise((resolve) => child.on('close', resolve));
  return `$ annal tail -f -n 2 ./orders\n${output}^C\n$ echo $?\n${code}\n`;
}

const pages = {
  ls: {
    title: 'annal ls',
    intro:
      'What a store holds. Here a queue with a named reader, a wal with a plain topic and an event log, a channel, and an archive; then the same as JSON.',
    sessions: [
      ['ls', orders],
      ['ls', walDirectory],
      ['ls', ticks],
      ['ls', archive],
      ['--json', 'ls', ticks],
    ],
  },
  dump: {
    title: 'annal dump',
    intro:
      'Records in index order: as text, as hex, as JSON; a wal topic and its typed events; the messages of an archive.',
    sessions: [
      ['dump', orders, '--limit', '3'],
      ['dump', orders, '--from', 'LAST', '--format', 'hex'],
      ['dump', walDirectory, '--topic', 'orders', '--format', 'json', '--limit', '2'],
      ['dump', walDirectory, '--topic', 'payments'],
      ['dump', walDirectory],
      ['dump', archive],
      ['dump', archive, '--stream', 'btc-usd', '--direction', 'in', '--format', 'json'],
      ['dump', orders, '--stream', 'btc-usd'],
    ],
  },
  verify: {
    title: 'annal verify',
    intro: 'A clean queue, then a copy with one flipped byte in record 25.',
    sessions: [
      ['verify', orders],
      ['verify', damaged],
      ['--json', 'verify', damaged],
    ],
  },
  export: {
    title: 'annal export',
    intro: 'The records into a file, as NDJSON (or `--format binary`).',
    sessions: [
      ['export', walDirectory, '--topic', 'orders', '--to', join(demo, 'orders.ndjson')],
      ['export', walDirectory, '--topic', 'orders', '--to', join(demo, 'orders.ndjson')],
    ],
  },
  stats: {
    title: 'annal stats',
    intro:
      'Records over time: per cycle file of a queue, per hour (or day) of event time of a wal event log.',
    sessions: [
      ['stats', orders],
      ['stats', walDirectory, '--topic', 'payments'],
      ['--json', 'stats', walDirectory, '--topic', 'payments', '--by', 'day'],
    ],
  },
  repair: {
    title: 'annal repair',
    intro:
      'A copy of the damaged queue cut at its first damage, with --yes (on a terminal it asks first), then verified.',
    sessions: [
      ['repair', repaired, '--yes', '--backup', join(demo, 'orders-repaired.backup')],
      ['verify', repaired],
      ['tail', repaired, '-n', '2'],
    ],
  },
  // Last: its session appends to the queue.
  tail: {
    title: 'annal tail',
    intro: 'The last records, then (`-f`) what another process appends, until Ctrl-C.',
    sessions: [['tail', walDirectory, '--topic', 'orders', '-n', '2']],
    follow: true,
  },
};

// The last index of the queue, for `dump --from`.
const lastIndex = JSON.parse(
  spawnSync(process.execPath, [bin, '--json', 'ls', orders], { encoding: 'utf8' }).stdout,
).lastIndex;
mkdirSync(docs, { recursive: true });
for (const [name, page] of Object.entries(pages)) {
  const blocks = page.sessions.map((args) =>
    session(args.map((a) => (a === 'LAST' ? String(lastIndex) : a))),
  );
  if (page.follow) blocks.push(await followSession());
  const body = `# ${page.title}\n\n${page.intro} A real session (made by \`packages/cli/scripts/transcripts.mjs\`; the options, output and exit codes are in the [package README](../../packages/cli/README.md)).\n\n${blocks.map((block) => `\`\`\`console\n${block}\`\`\`\n`).join('\n')}`;
  writeFileSync(join(docs, `${name}.md`), body);
}
writeFileSync(
  join(docs, 'README.md'),
  `# The \`annal\` command\n\nOne command to see, dump, follow, verify and export what annal queues, wals and channels hold, read-only, beside a running writer. Options, output formats and exit codes: [packages/cli/README.md](../../packages/cli/README.md). A real session per command:\n\n${Object.entries(
    pages,
  )
    .map(
      ([name, page]) =>
        `- [${page.title}](${name}.md): ${page.intro[0].toLowerCase()}${page.intro.split('.')[0].slice(1)}`,
    )
    .join('\n')}\n`,
);
console.log(`wrote ${Object.keys(pages).length + 1} pages to ${docs}`);
