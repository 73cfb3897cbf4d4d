/**
 * The demo: the archiver pattern annal is built for. A hot thread (this one) receives messages —
 * here 1,000,000 JSON ticks of about 100 bytes, as a WebSocket feed would deliver them — and
 * hands each to an archiver worker through an `@annal/logbuf` ring, never blocking and never
 * making a syscall. The worker appends them to an `@annal/core` queue (memory-mapped, CRC32C
 * checksums, msync every 200 ms). Then a reader replays the queue from disk, zero-copy, and
 * checks every message's order; a named reader shows where a restarted consumer would resume.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { Queue } from '@annal/core';
import { BACK_PRESSURED, Sender, SpscRing } from '@annal/logbuf';

import { MAX_MESSAGE_BYTES, decodeSequence, encodeMessage } from './messages.js';

const MESSAGES = 1_000_000;
/** Records per publish: the hot thread commits deferred and publishes once per burst. */
const BURST = 64;

interface ArchiverResult {
  readonly archived: number;
  readonly first: number;
  readonly last: number;
  readonly elapsedMs: number;
}

function rate(count: number, milliseconds: number): string {
  return `${(((count / milliseconds) * 1000) / 1e6).toFixed(2)} M msg/s (${((milliseconds * 1e6) / count).toFixed(0)} ns/msg)`;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'annal-demo-'));
  try {
    console.log(
      `annal demo: ${MESSAGES.toLocaleString('en')} messages → ring → archiver worker → queue in ${directory}\n`,
    );
    const ring = SpscRing.allocate(4 << 20);
    const archiver = new Worker(new URL('./archiver.js', import.meta.url), {
      workerData: { ring, directory },
    });
    let failure: Error | undefined;
    const result = new Promise<ArchiverResult>((resolve, reject) => {
      archiver.once('message', resolve);
      archiver.once('error', (error) => {
        failure = error;
        reject(error);
      });
    });
    result.catch(() => undefined); // reported through `failure`, or by the await below

    // The hot thread: encode each message straight into the ring (zero-copy claim).
    const sender = new Sender(SpscRing.attach(ring));
    let waits = 0;
    const started = performance.now();
    for (let sequence = 0; sequence < MESSAGES; sequence++) {
      let claim = sender.tryClaim(MAX_MESSAGE_BYTES);
      while (claim === BACK_PRESSURED) {
        // The archiver is behind: yield now and then, so an error from it can reach us.
        if (++waits % 100_000 === 0) await new Promise(setImmediate);
        if (failure !== undefined) throw failure;
        claim = sender.tryClaim(MAX_MESSAGE_BYTES);
      }
      if (typeof claim === 'number') throw new Error('the archiver closed the receiving side');
      // Fixed-size records: a claim cannot shrink, so the JSON is padded with spaces (still
      // valid JSON) instead of being encoded elsewhere and copied.
      const length = encodeMessage(sequence, claim.buffer, claim.offset);
      claim.buffer.fill(0x20, claim.offset + length, claim.offset + MAX_MESSAGE_BYTES);
      if ((sequence + 1) % BURST === 0) claim.commit();
      else claim.commitDeferred();
    }
    sender.close(); // publishes the last burst; the archiver reads it, then sees CLOSED
    const sentMs = performance.now() - started;
    console.log(
      `hot thread handed off      ${rate(MESSAGES, sentMs)}; waited on a full ring ${waits} times`,
    );

    const archived = await result;
    console.log(
      `archiver appended          ${rate(archived.archived, archived.elapsedMs)}, CRC32C per record, then msync'd`,
    );

    // Replay from disk, as a test or a tool would (a read-only queue maps PROT_READ).
    using queue = Queue.open(directory, { readOnly: true });
    const reader = queue.reader();
    let replayed = 0;
    const replayStarted = performance.now();
    for (let record = reader.next(); record !== undefined; record = reader.next()) {
      const sequence = decodeSequence(record.buffer, record.offset, record.length);
      if (sequence !== replayed) throw new Error(`message ${replayed} came back as ${sequence}`);
      replayed++;
    }
    const replayMs = performance.now() - replayStarted;
    console.log(
      `replayed zero-copy         ${rate(replayed, replayMs)}, every checksum and sequence checked`,
    );

    const files = readdirSync(directory).filter((name) => name.endsWith('.annalq'));
    console.log(
      `\n${replayed.toLocaleString('en')} of ${MESSAGES.toLocaleString('en')} messages archived and replayed in order; indices ${archived.first}…${archived.last} in ${files.join(', ')}`,
    );

    // A named reader: a consumer that restarts continues where it stopped.
    {
      using writable = Queue.open(directory);
      const consumer = writable.reader({ name: 'billing' });
      for (let n = 0; n < 1000; n++) consumer.next();
      consumer.close();
      const resumed = writable.reader({ name: 'billing' }).next();
      if (resumed === undefined) throw new Error('the named reader found nothing to resume at');
      const at = decodeSequence(resumed.buffer, resumed.offset, resumed.length);
      console.log(`a named reader that read 1,000 messages resumes at message ${at}`);
    }
    console.log('\nBenchmarks against the alternatives: pnpm bench logbuf, pnpm bench core');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
