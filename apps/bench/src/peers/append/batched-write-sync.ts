/**
 * Peer: plain Node, the strongest do-it-yourself append. Records are framed (u32 length +
 * payload) into a 64 KiB buffer that goes to the file with one `fs.writeSync` when full; nothing
 * is synced. RESULTS.md's `fs-writesync-64k` row, the bar an mmap appender has to clear.
 *
 * @module
 */
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { FramedFileWriter, verifyFramedFile } from '../framed-file.js';
import type { AppendTarget } from './append-target.js';

/** Opens an empty framed log file in a fresh directory behind a 64 KiB batching writer. */
export function createBatchedWriteSyncTarget(): AppendTarget {
  const directory = createTemporaryDirectory();
  const path = join(directory, 'log');
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  const writer = new FramedFileWriter(fd);
  let open = true;
  return {
    append(record: Buffer): boolean {
      writer.append(record);
      return true;
    },
    drain: () => Promise.resolve(),
    // The partial batch at the end of a round goes out as one short write.
    settle: () => {
      writer.flush();
    },
    verify: (count, template) => {
      verifyFramedFile(path, count, template);
    },
    directory,
    close(): void {
      if (open) {
        open = false;
        closeSync(fd);
      }
      removeTemporaryDirectory(directory);
    },
  };
}
