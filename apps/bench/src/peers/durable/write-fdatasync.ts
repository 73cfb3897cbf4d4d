/**
 * The floor of per-record durability for any Node code on this machine: plain `fs.writeSync` of
 * the framed record (u32 length + payload, the format of `peers/framed-file.ts`) at the next
 * position of a preallocated file, then `fs.fdatasyncSync`. Nothing else runs per record, so no
 * log that syncs every record can beat it; only group commit goes further.
 *
 * The file is preallocated so that each sync flushes data only: setup writes zeros over all of
 * it in 4 KiB writes (4 KiB folios in the page cache, so write-back moves only the pages a
 * record dirtied) and fsyncs it, untimed, so no sync converts an unwritten extent or changes the
 * file's size (`fixtures/zero-fill.ts`). Records go one after another from offset 0 and wrap to
 * offset 0 at the end of the file ({@link PREALLOCATED_FILE_BYTES}), overwriting the oldest; a
 * batch is framed into one buffer and goes out as one write (two where it wraps) and one
 * fdatasync. Verification reads back every record still in the file (the newest, up to a
 * whole file's worth) and checks each one's length, sequence number and bytes.
 *
 * @module
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { writeZeros } from '../../fixtures/zero-fill.js';
import { FRAME_HEADER_BYTES } from '../framed-file.js';
import { checkStoredRecord } from '../records.js';
import type { DurableTarget } from './durable-target.js';

/** Bytes of the preallocated file the records cycle through. */
export const PREALLOCATED_FILE_BYTES = 16 * 1024 * 1024;

/** Bytes per zero-filling write in setup: one page, so the page cache keeps 4 KiB folios. */
const ZERO_FILL_CHUNK_BYTES = 4096;

/** Writes `length` bytes of `buffer` at `position` of `fd`, looping over short writes. */
function writeFully(fd: number, buffer: Buffer, length: number, position: number): void {
  for (let written = 0; written < length;) {
    written += writeSync(fd, buffer, written, length - written, position + written);
  }
}

/** Opens a zero-filled, synced file in a fresh directory for framed records of `payloadBytes`. */
export function createWriteFdatasyncTarget(payloadBytes: number): DurableTarget {
  const directory = createTemporaryDirectory();
  const path = join(directory, 'log');
  const frameBytes = FRAME_HEADER_BYTES + payloadBytes;
  const capacityFrames = Math.floor(PREALLOCATED_FILE_BYTES / frameBytes);
  let fd: number;
  try {
    fd = openSync(path, 'wx+');
    writeZeros(fd, capacityFrames * frameBytes, ZERO_FILL_CHUNK_BYTES);
    fsyncSync(fd);
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  // Frames of the record or batch being written; grown when a batch needs more.
  let frames = Buffer.allocUnsafe(frameBytes);
  let appended = 0;
  let open = true;

  /** Writes the `count` frames at the front of `frames` at the next slots, then one fdatasync. */
  const writeFrames = (count: number): void => {
    const slot = appended % capacityFrames;
    const first = Math.min(count, capacityFrames - slot);
    writeFully(fd, frames, first * frameBytes, slot * frameBytes);
    if (first < count) {
      // The batch wraps: its tail goes to the start of the file.
      writeFully(fd, frames.subarray(first * frameBytes), (count - first) * frameBytes, 0);
    }
    fdatasyncSync(fd);
    appended += count;
  };

  const frame = (record: Buffer, at: number): void => {
    frames.writeUInt32LE(record.length, at);
    record.copy(frames, at + FRAME_HEADER_BYTES);
  };

  return {
    append(record: Buffer): void {
      frame(record, 0);
      writeFrames(1);
    },
    appendBatch(records: readonly Buffer[]): void {
      if (records.length > capacityFrames) throw new RangeError('a batch larger than the file');
      if (frames.length < records.length * frameBytes) {
        frames = Buffer.allocUnsafe(records.length * frameBytes);
      }
      for (let i = 0; i < records.length; i++) frame(records[i] as Buffer, i * frameBytes);
      writeFrames(records.length);
    },
    verify(count: number, template: Buffer): void {
      if (appended !== count) throw new Error(`wrote ${appended} records, expected ${count}`);
      const kept = Math.min(count, capacityFrames);
      const stored = Buffer.allocUnsafe(frameBytes);
      for (let sequence = count - kept; sequence < count; sequence++) {
        const position = (sequence % capacityFrames) * frameBytes;
        if (readSync(fd, stored, 0, frameBytes, position) !== frameBytes) {
          throw new Error(`short read of record ${sequence} at ${position}`);
        }
        checkStoredRecord(stored, FRAME_HEADER_BYTES, stored.readUInt32LE(0), sequence, template);
      }
    },
    notes: `file of ${capacityFrames} frames (${((capacityFrames * frameBytes) / 1024 / 1024).toFixed(1)} MiB) zero-filled in 4 KiB writes and fsynced in setup; records overwrite it in place, wrapping at its end`,
    close(): void {
      if (open) {
        open = false;
        closeSync(fd);
      }
      removeTemporaryDirectory(directory);
    },
  };
}
