/**
 * Cross-process tail-latency writer: appends `count` 64-byte records to a queue (or writes one
 * byte per message to stdout, for the pipe peer), each stamped with process.hrtime (CLOCK_MONOTONIC,
 * the same clock in every process), spaced `gapMicros` apart by a busy wait so the reader is idle
 * (polling, or asleep) when each one arrives. Waits for "go" on stdin first.
 *
 * argv: mode ('queue' | 'pipe'), directory, count, gapMicros
 */
import { createInterface } from 'node:readline';
import { Queue } from '@annal/core';

const [mode, directory, countArgument, gapArgument] = process.argv.slice(2);
const count = Number(countArgument);
const gapNs = BigInt(Math.round(Number(gapArgument) * 1000));
const queue = mode === 'queue' ? Queue.open(directory) : undefined;
const appender = queue?.appender();
const record = new Uint8Array(64);
const view = new DataView(record.buffer);
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'go') continue;
  for (let n = 0; n < count; n++) {
    const until = process.hrtime.bigint() + gapNs;
    while (process.hrtime.bigint() < until) {
      // busy wait: a timer cannot space sends by microseconds
    }
    const stamp = process.hrtime.bigint();
    if (appender !== undefined) {
      view.setBigUint64(0, stamp, true);
      appender.appendSync(record);
    } else {
      // The pipe peer: the stamp travels as text, one line per message.
      process.stdout.write(`${stamp}\n`);
    }
  }
  break;
}
queue?.close();
process.exit(0);
