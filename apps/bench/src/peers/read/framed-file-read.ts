/**
 * Peer: plain Node reading a framed log file (u32 length + payload per record, as
 * `batched-write-sync` writes it) front to back: `fs.readSync` into one reused 1 MiB buffer,
 * frames parsed in place (length and sequence number read through a DataView over the chunk;
 * no per-record allocation or copy), a frame cut by the chunk's end moved to the front before
 * the next read. RESULTS.md's "framed file reads at ~10 M rec/s" row. The file is written in
 * setup and read from the page cache (hot), like RESULTS.md's read-back.
 *
 * @module
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { FRAME_HEADER_BYTES, FramedFileWriter, verifyFramedFile } from '../framed-file.js';
import { SEQUENCE_BYTES, stampSequence } from '../records.js';
import { badRecordError, type ReadSource } from './read-source.js';

/** Bytes one `fs.readSync` asks for. */
export const READ_CHUNK_BYTES = 1024 * 1024;

function writeFramedFile(path: string, count: number, template: Buffer): void {
  const fd = openSync(path, 'wx');
  try {
    const writer = new FramedFileWriter(fd);
    const record = Buffer.from(template);
    for (let sequence = 0; sequence < count; sequence++) {
      stampSequence(record, sequence);
      writer.append(record);
    }
    writer.flush();
  } finally {
    closeSync(fd);
  }
}

/** Writes `count` framed records to a file in a fresh directory and opens it for reading. */
export function createFramedFileSource(count: number, template: Buffer): ReadSource {
  const directory = createTemporaryDirectory();
  const path = join(directory, 'log');
  let fd: number;
  try {
    writeFramedFile(path, count, template);
    verifyFramedFile(path, count, template);
    fd = openSync(path, 'r');
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  const payloadBytes = template.length;
  const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let open = true;
  return {
    readAll(): number {
      let expected = 0;
      let filePosition = 0;
      let filled = 0;
      let start = 0;
      for (;;) {
        if (start > 0) {
          // Move the frame cut by the end of the last chunk to the front.
          chunk.copyWithin(0, start, filled);
          filled -= start;
          start = 0;
        }
        const read = readSync(fd, chunk, filled, READ_CHUNK_BYTES - filled, filePosition);
        if (read === 0) break;
        filePosition += read;
        filled += read;
        while (start + FRAME_HEADER_BYTES + SEQUENCE_BYTES <= filled) {
          const length = view.getUint32(start, true);
          if (length !== payloadBytes) {
            throw badRecordError(
              expected,
              length,
              view.getUint32(start + FRAME_HEADER_BYTES, true),
            );
          }
          const end = start + FRAME_HEADER_BYTES + length;
          if (end > filled) break;
          const sequence = view.getUint32(start + FRAME_HEADER_BYTES, true);
          if (sequence !== expected) throw badRecordError(expected, length, sequence);
          expected++;
          start = end;
        }
      }
      if (filled !== start) throw new Error(`${filled - start} bytes of a cut frame at the end`);
      return expected;
    },
    close(): void {
      if (open) {
        open = false;
        closeSync(fd);
      }
      removeTemporaryDirectory(directory);
    },
  };
}
