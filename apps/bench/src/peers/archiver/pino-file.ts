/**
 * Peer of the archiver suite: what a Node service usually does to keep its messages, pino 10
 * logging each one to a file through its worker transport
 * (`pino.transport({ target: 'pino/file' })`, thread-stream underneath: a SharedArrayBuffer to a
 * worker that writes the file). Each message becomes one JSON line with its bytes in base64
 * (`logger.info({ data })`), with pino's default fields (level, time, pid, hostname).
 *
 * pino gives no back-pressure to its caller: when its worker falls behind, thread-stream keeps
 * the lines in memory on the caller's thread. The adapter sees it by wrapping the stream's
 * `write` (false means "buffer full") and lets the measurements pace themselves on it, untimed.
 *
 * @module
 */
import { once } from 'node:events';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

import pino from 'pino';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import type { TrafficRecorder } from '../../suites/archiver/traffic-recorder.js';

/** The part of pino's transport (a ThreadStream) this adapter uses. */
interface TransportStream extends NodeJS.EventEmitter {
  write(chunk: string): boolean;
  flush(callback: (error?: Error | null) => void): void;
  end(): void;
}

/** Counts the lines of a file in 1 MiB reads. */
function countLines(path: string): number {
  const chunk = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  let lines = 0;
  try {
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      for (
        let index = chunk.indexOf(10);
        index !== -1 && index < read;
        index = chunk.indexOf(10, index + 1)
      )
        lines++;
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}

/** Starts pino's file transport into a fresh temporary directory and returns the recorder. */
export async function createPinoFileRecorder(): Promise<TrafficRecorder> {
  const directory = createTemporaryDirectory();
  const destination = join(directory, 'messages.log');
  const transport = pino.transport({
    target: 'pino/file',
    options: { destination, mkdir: true },
  }) as unknown as TransportStream;
  // pino's worker does not keep the process alive; this timer does, until close().
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await once(transport, 'ready');
  let needDrain = false;
  const write = transport.write.bind(transport);
  transport.write = (chunk: string): boolean => {
    const written = write(chunk);
    if (!written) needDrain = true;
    return written;
  };
  transport.on('drain', () => {
    needDrain = false;
  });
  const logger = pino(transport as unknown as pino.DestinationStream);
  let recorded = 0;
  let ended = false;
  const flushed = (): Promise<void> =>
    new Promise((resolve, reject) => {
      transport.flush((error) => {
        if (error) reject(error);
        else resolve();
      });
    });
  return {
    record(message: Buffer): void {
      logger.info({ data: message.toString('base64') });
      recorded++;
    },
    isBehind: () => needDrain,
    caughtUp: flushed,
    async close(): Promise<void> {
      if (ended) return;
      ended = true;
      const closed = once(transport, 'close');
      transport.end();
      await closed;
      clearInterval(keepAlive);
    },
    verify(): string {
      try {
        const lines = countLines(destination);
        if (lines !== recorded)
          throw new Error(`pino: ${recorded} logged, ${lines} lines in the file`);
        const bytes = statSync(destination).size;
        return `the file holds all ${lines} lines (${(bytes / Math.max(1, lines)).toFixed(0)} B/line)`;
      } finally {
        removeTemporaryDirectory(directory);
      }
    },
  };
}
