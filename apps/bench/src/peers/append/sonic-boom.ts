/**
 * Peer: sonic-boom 5.0.2, pino's file destination, asynchronous (`sync: false`: `fs.write` on
 * libuv's thread pool) with `contentMode: 'buffer'`, writing the same u32-length frames as
 * `batched-write-sync`. Set up as RESULTS.md measured it: `minLength` 4 KiB (sonic-boom refuses
 * a `minLength` at or above `maxWrite`, 16 KiB by default, so the 64 KiB of the do-it-yourself
 * buffer is not available without also raising `maxWrite`), and a producer that honours
 * back-pressure (awaits `'drain'` whenever `write()` returns false).
 *
 * What makes the timing fair: a round ends only when no `fs.write` is in flight and the tail
 * below `minLength` has been written with `flushSync()`, which in buffer mode is a plain
 * `writeSync` with no fsync. (`flush(cb)` and `end()` would fsync, so neither is timed; `end()`
 * runs in `close`, untimed, and its `'close'` is awaited so every byte is on the file before the
 * directory goes.)
 *
 * @module
 */
import { once } from 'node:events';
import { join } from 'node:path';

import type { SonicBoom } from 'sonic-boom';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { FRAME_HEADER_BYTES, verifyFramedFile } from '../framed-file.js';
import type { AppendTarget } from './append-target.js';

/** Bytes sonic-boom buffers before it starts an `fs.write` (RESULTS.md used 4 KiB). */
export const SONIC_BOOM_MIN_LENGTH = 4 * 1024;

/**
 * What this peer uses of a sonic-boom 5.0.2 stream in buffer mode. Its type definitions declare
 * `write(string)` only, although buffer mode takes Buffers, and do not expose whether a write is
 * in flight; `_writing` is that flag (pinned version, read only, never written).
 */
interface BufferSonicBoom {
  write(chunk: Buffer): boolean;
  flushSync(): void;
  end(): void;
  readonly _writing: boolean;
  readonly destroyed: boolean;
}

/** Opens a sonic-boom stream on an empty file in a fresh directory. */
export async function createSonicBoomTarget(payloadBytes: number): Promise<AppendTarget> {
  const directory = createTemporaryDirectory();
  const path = join(directory, 'log');
  let boom: SonicBoom;
  try {
    // Loaded here rather than at module load, like every peer library (see AppendTargetFactory).
    // A CommonJS module: its exports object is the default import, with the class as a property.
    const { SonicBoom: SonicBoomStream } = (await import('sonic-boom')).default;
    boom = new SonicBoomStream({
      dest: path,
      sync: false,
      contentMode: 'buffer',
      minLength: SONIC_BOOM_MIN_LENGTH,
    });
    await once(boom, 'ready');
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  const stream = boom as unknown as BufferSonicBoom;
  const frameBytes = FRAME_HEADER_BYTES + payloadBytes;
  let closed = false;
  return {
    append(record: Buffer): boolean {
      // sonic-boom keeps a reference to every chunk until it has written it, so each record
      // needs a frame of its own (from Node's 8 KiB allocation pool: these frames are < 4 KiB).
      const frame = Buffer.allocUnsafe(frameBytes);
      frame.writeUInt32LE(record.length, 0);
      record.copy(frame, FRAME_HEADER_BYTES);
      return stream.write(frame);
    },
    async drain(): Promise<void> {
      await once(boom, 'drain');
    },
    async settle(): Promise<void> {
      // Let the write in flight (and any that it chains while more than minLength is buffered)
      // finish: flushSync while an fs.write is in flight could reorder the file's bytes.
      while (stream._writing) await once(boom, 'write');
      stream.flushSync();
    },
    verify: (count, template) => {
      verifyFramedFile(path, count, template);
    },
    directory,
    async close(): Promise<void> {
      if (!closed && !stream.destroyed) {
        closed = true;
        const closing = once(boom, 'close');
        stream.end();
        await closing;
      }
      removeTemporaryDirectory(directory);
    },
  };
}
