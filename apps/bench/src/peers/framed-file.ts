/**
 * The plain-file log format the do-it-yourself peers use: each record is a u32 little-endian
 * length followed by that many payload bytes, back to back from offset 0 (what RESULTS.md calls
 * "u32-len frames"). `batched-write-sync` and `sonic-boom` append it; `framed-file-read` reads it.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

import { checkStoredRecord, spotCheckSequences } from './records.js';

/** Bytes of the u32 little-endian length in front of every payload. */
export const FRAME_HEADER_BYTES = 4;

/** The batching buffer of {@link FramedFileWriter}: one `fs.writeSync` per 64 KiB. */
export const BATCH_BUFFER_BYTES = 64 * 1024;

/**
 * Appends frames to a file through a 64 KiB buffer: each record's length and payload are copied
 * into the buffer, and the buffer goes to the kernel with `fs.writeSync` when the next frame
 * does not fit (and on {@link flush}). Nothing is ever synced to the disk. This is the strongest
 * pattern a Node user writes by hand: one syscall per 64 KiB, one copy per record.
 */
export class FramedFileWriter {
  readonly #fd: number;
  readonly #buffer = Buffer.allocUnsafe(BATCH_BUFFER_BYTES);
  #used = 0;

  /** Writes at the current offset of `fd`, which must be open for writing. */
  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Frames `payload` into the buffer; writes the buffer out first if the frame does not fit. */
  append(payload: Buffer): void {
    const frameBytes = FRAME_HEADER_BYTES + payload.length;
    if (this.#used + frameBytes > BATCH_BUFFER_BYTES) {
      if (frameBytes > BATCH_BUFFER_BYTES)
        throw new RangeError(`a ${payload.length}-byte record does not fit the 64 KiB buffer`);
      this.flush();
    }
    this.#buffer.writeUInt32LE(payload.length, this.#used);
    payload.copy(this.#buffer, this.#used + FRAME_HEADER_BYTES);
    this.#used += frameBytes;
  }

  /** Hands every buffered frame to the kernel (`fs.writeSync`, no fsync). */
  flush(): void {
    let written = 0;
    // writeSync may write less than asked (it does not on ext4 for a regular file, but the
    // contract allows it), so loop rather than lose the tail of a batch.
    while (written < this.#used)
      written += writeSync(this.#fd, this.#buffer, written, this.#used - written);
    this.#used = 0;
  }
}

/**
 * Throws unless the framed file at `path` holds exactly `count` frames of records made from
 * `template` (sequence numbers 0…count-1): checks the file's length, then reads a spread of
 * frames back and compares them byte for byte. Not meant to be timed.
 */
export function verifyFramedFile(path: string, count: number, template: Buffer): void {
  const frameBytes = FRAME_HEADER_BYTES + template.length;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size !== count * frameBytes)
      throw new Error(
        `${path} holds ${size} bytes, expected ${count} frames × ${frameBytes} B = ${count * frameBytes}`,
      );
    const frame = Buffer.allocUnsafe(frameBytes);
    for (const sequence of spotCheckSequences(count)) {
      const read = readSync(fd, frame, 0, frameBytes, sequence * frameBytes);
      if (read !== frameBytes) throw new Error(`short read of frame ${sequence}`);
      checkStoredRecord(frame, FRAME_HEADER_BYTES, frame.readUInt32LE(0), sequence, template);
    }
  } finally {
    closeSync(fd);
  }
}
