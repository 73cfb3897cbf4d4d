/**
 * The demo: the job annal is built for. A local WebSocket feed (the `ws` package, on its own
 * thread) pushes 1,000,000 market-data messages; a client receives them and archives every
 * message it receives and sends through `@annal/archiver` — a copy into a shared ring on the
 * client's thread, a worker that appends to an `@annal/core` queue with CRC32C checksums — while
 * a progress line shows the rates, the lag and the drops. Then it replays the archive from disk
 * with `@annal/replay` and checks every message, byte for byte, against what the feed sent.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { Archiver, openRecording, type ArchiverStats } from '@annal/archiver';
import { replay } from '@annal/replay';
import { archiveWebSocket } from '@annal/archiver/ws';
import WebSocket from 'ws';

import { isBinary, isMessage } from './messages.js';

const MESSAGES = Number(process.env['ANNAL_DEMO_MESSAGES'] ?? 1_000_000);
const PROGRESS_MS = 250;
const SUBSCRIBE = new TextEncoder().encode('{"op":"subscribe","channel":"ticks","sym":"EURUSD"}');

function perSecond(count: number, milliseconds: number): string {
  const rate = (count / milliseconds) * 1000;
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : `${(rate / 1e3).toFixed(0)} k`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function lag(nanoseconds: number): string {
  if (nanoseconds !== nanoseconds) return '–';
  return nanoseconds >= 1e6
    ? `${(nanoseconds / 1e6).toFixed(1)} ms`
    : `${(nanoseconds / 1e3).toFixed(0)} µs`;
}

/** One progress line: what the client received and what the archiver has done with it. */
function progressLine(received: number, stats: ArchiverStats, elapsedMs: number): string {
  return `received ${received.toLocaleString('en')} · ${perSecond(received, elapsedMs)} msg/s · ${megabytes(stats.recordedBytes)} (${(stats.recordedBytes / elapsedMs / 1e3).toFixed(1)} MB/s) · archived ${stats.archivedMessages.toLocaleString('en')} · lag ${lag(stats.lagNs)} · ring ${(stats.ringFill * 100).toFixed(0)}% · dropped ${stats.dropped}`;
}

/** Starts the feed on its thread and resolves with its port. */
async function startFeed(): Promise<{ feed: Worker; port: number }> {
  const feed = new Worker(new URL('./feed-server.js', import.meta.url), {
    workerData: { count: MESSAGES },
  });
  const port = await new Promise<number>((resolve, reject) => {
    feed.once('message', (message: { port: number }) => resolve(message.port));
    feed.once('error', reject);
  });
  return { feed, port };
}

/** Receives the whole feed, archiving every message; resolves when the server closes. */
async function archiveSession(archiver: Archiver, port: number): Promise<number> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`);
  // Every message the socket receives and sends goes into the archive, from its first byte.
  const tap = archiveWebSocket(archiver, socket, {
    stream: 'EURUSD ticks',
    description: `ws://127.0.0.1:${port}`,
  });
  let received = 0;
  const started = performance.now();
  const interactive = process.stdout.isTTY;
  let lastLine = 0;
  const timer = setInterval(() => {
    const line = progressLine(received, archiver.stats(), performance.now() - started);
    if (interactive) process.stdout.write(`\r${line}\u001b[K`);
    else if (performance.now() - lastLine >= 1000) {
      lastLine = performance.now();
      console.log(line);
    }
  }, PROGRESS_MS);
  socket.on('open', () => {
    socket.send(SUBSCRIBE); // recorded as sent, as text
  });
  socket.on('message', () => {
    received++; // the application's own handler; the tap has copied the message into the ring
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  clearInterval(timer); // the tap ended the stream when the socket closed
  if (tap.messagesIn !== received)
    throw new Error(`the tap saw ${tap.messagesIn} of ${received} messages`);
  const line = progressLine(received, archiver.stats(), performance.now() - started);
  if (interactive) process.stdout.write(`\r${line}\u001b[K\n`);
  else console.log(line);
  return received;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'annal-demo-'));
  const { feed, port } = await startFeed();
  try {
    console.log(
      `annal demo: a WebSocket client receives ${MESSAGES.toLocaleString('en')} messages from a local feed (ws, port ${port})\nand archives each one through @annal/archiver into ${directory}\n`,
    );
    const archiver = await Archiver.open(directory, { whenFull: 'wait' });
    archiver.on('error', (error) => {
      console.error(`archiving failed: ${error.message}`);
    });
    const sessionStarted = performance.now();
    const received = await archiveSession(archiver, port);
    const sessionMs = performance.now() - sessionStarted;
    const closeStarted = performance.now();
    const stats = await archiver.close(); // drain the ring, sync, close the queue
    const closeMs = performance.now() - closeStarted;

    // Replay from disk, as a test or a tool would, and check every message against the feed.
    const recording = openRecording(directory);
    let sequence = 0;
    let mismatch: string | undefined;
    const replayStarted = performance.now();
    const summary = await replay(recording.source({ direction: 'in' }), (message) => {
      if (mismatch !== undefined) return;
      const bytes = message.buffer.subarray(message.offset, message.offset + message.length);
      if (message.text === isBinary(sequence) || !isMessage(sequence, bytes)) {
        mismatch = `message ${sequence} differs from what the feed sent`;
      }
      sequence++;
    });
    const replayMs = performance.now() - replayStarted;
    const streams = recording.streams();
    const sent = Array.from(recording.messages({ direction: 'out' }), (m) => m.decode());
    recording.close();
    if (mismatch !== undefined) throw new Error(mismatch);
    if (sequence !== MESSAGES)
      throw new Error(`the archive holds ${sequence} of ${MESSAGES} messages`);

    const files = readdirSync(directory).filter((name) => name.endsWith('.annalq'));
    console.log(`
the client received     ${received.toLocaleString('en')} messages in ${(sessionMs / 1000).toFixed(2)} s (${perSecond(received, sessionMs)} msg/s): the feed's pace, set by ws on loopback
the archiver recorded   ${stats.recorded.toLocaleString('en')} messages, ${megabytes(stats.recordedBytes)}, dropped ${stats.dropped}: record() copies each into a ring on the client's thread
the worker archived     ${stats.archivedMessages.toLocaleString('en')} messages with a CRC32C each; lag ${lag(stats.lagNs)} from record() to the queue file at the end
close()                 drained, synced and closed in ${closeMs.toFixed(0)} ms: ${stats.durable.toLocaleString('en')} records are on disk (${files.join(', ')})
replayed from disk      ${summary.delivered.toLocaleString('en')} messages with @annal/replay, each made again from its number and compared byte for byte: all equal (${(replayMs / 1000).toFixed(2)} s)
the archive also holds  the subscription the client sent (${sent.length} message out: ${sent[0] ?? ''}) and its stream, "${streams[0]?.name ?? ''}"

See it with the annal command:  npx annal ls <dir>, annal dump <dir> --limit 5 (keep the directory: ANNAL_DEMO_KEEP=1)
Benchmarks against the alternatives: pnpm bench archiver`);
  } finally {
    feed.postMessage('stop');
    await feed.terminate();
    if (process.env['ANNAL_DEMO_KEEP'] === '1') console.log(`kept ${directory}`);
    else rmSync(directory, { recursive: true, force: true });
  }
}

await main();
