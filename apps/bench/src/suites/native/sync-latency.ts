/**
 * How long one durable 4 KiB write takes through our addon, against the same loop in C (the
 * floor: only the kernel and the disk) and against Node's own `fs.fdatasyncSync`. Each
 * operation dirties one 4 KiB page of a preallocated file, moving to the next page each time,
 * and waits for it to reach the disk. Every sample is one operation.
 *
 * How the file was prepared changes the answer, so the msync scenarios differ only in that:
 * overwriting blocks that were written once (data only), first writes into fallocated blocks
 * (what a fresh annal segment sees: each block's extent is converted, a journal commit), and
 * a file filled by 1 MiB writes (large folios, which msync writes back whole).
 *
 * @module
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { getBinding } from '@annal/native/internal';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { writeZeros } from '../../fixtures/zero-fill.js';
import { compileLimitProgram } from '../../limits/compile-limit.js';
import { runLimitProgram } from '../../limits/run-limit-program.js';
import type { Implementation, SelfTimedMeasurement, Suite, TimedMeasurement } from '../../suite.js';

const PAGE_BYTES = 4096;
const DATA_FILE_NAME = 'data';

/** How the data file is laid out before the first measured write. */
interface FileLayout {
  /** File length; the writer laps it page by page. */
  readonly fileBytes: number;
  /** Zero-fill write size after fallocate, or 0 to leave the extents unwritten. */
  readonly fillBytes: number;
}

/** 4 MiB overwritten in place: written once by page-sized writes, so 4 KiB folios, data-only syncs. */
const OVERWRITE_LAYOUT: FileLayout = { fileBytes: 4 * 1024 * 1024, fillBytes: PAGE_BYTES };
/**
 * 64 MiB fallocated and never written, like a fresh segment: a 1.3 s run of ~150 µs operations
 * touches fewer than its 16,384 pages, so every measured write is a block's first.
 */
const FRESH_LAYOUT: FileLayout = { fileBytes: 64 * 1024 * 1024, fillBytes: 0 };
/** 4 MiB filled by 1 MiB writes: its page cache holds 1 MiB folios, which msync writes back whole. */
const LARGE_FOLIO_LAYOUT: FileLayout = { fileBytes: 4 * 1024 * 1024, fillBytes: 1024 * 1024 };

type SyncMode = 'msync' | 'fdatasync';

function describeLayout({ fileBytes, fillBytes }: FileLayout): string {
  const size = `${fileBytes / 1024 / 1024} MiB file`;
  if (fillBytes === 0) return `${size} fallocated, never written (unwritten extents)`;
  return `${size} fallocated and zero-filled by ${fillBytes >= 1024 * 1024 ? `${fillBytes / 1024 / 1024} MiB` : `${fillBytes / 1024} KiB`} writes`;
}

/** Creates and lays out the data file through the addon; returns its fd. */
function prepareWithBinding(path: string, layout: FileLayout): number {
  const binding = getBinding();
  const { O_RDWR, O_CREAT, O_EXCL } = binding.constants;
  const fd = binding.open(path, O_RDWR | O_CREAT | O_EXCL, 0o600);
  try {
    binding.fallocate(fd, 0, layout.fileBytes);
    if (layout.fillBytes > 0) writeZeros(fd, layout.fileBytes, layout.fillBytes);
    // The layout, not the first measured sync, pays for making the allocation durable.
    binding.fsync(fd);
  } catch (error) {
    binding.close(fd);
    throw error;
  }
  return fd;
}

function cSyscall(mode: SyncMode, layout: FileLayout): Implementation {
  return {
    id: 'c-syscall',
    role: 'limit',
    description: `the same loop in C (cc -O2): ${mode === 'msync' ? 'memcpy + msync(MS_SYNC)' : 'pwrite + fdatasync'}`,
    create(): SelfTimedMeasurement {
      const executablePath = compileLimitProgram('sync-latency');
      const directory = createTemporaryDirectory();
      const dataPath = join(directory, DATA_FILE_NAME);
      const layoutArguments = [String(layout.fileBytes), String(layout.fillBytes)];
      return {
        kind: 'self-timed',
        measure: (budget) =>
          runLimitProgram(executablePath, [mode, dataPath, ...layoutArguments], budget),
        teardown: () => removeTemporaryDirectory(directory),
        notes: `physical limit: limits/sync-latency.c, clock_gettime around each operation; ${describeLayout(layout)}`,
      };
    },
  };
}

function annalMsync(layout: FileLayout): Implementation {
  return {
    id: 'annal',
    role: 'annal',
    description:
      'Uint8Array.set of 4 KiB into map() of the file, then getBinding().msync(…, MS_SYNC)',
    async create(): Promise<TimedMeasurement> {
      const binding = getBinding();
      const directory = createTemporaryDirectory();
      let fd: number | undefined;
      let mapping: ArrayBuffer | SharedArrayBuffer | undefined;
      const teardown = (): void => {
        if (mapping !== undefined) binding.unmap(mapping);
        if (fd !== undefined) binding.close(fd);
        removeTemporaryDirectory(directory);
      };
      let syncedMapping: ArrayBuffer | SharedArrayBuffer;
      try {
        fd = prepareWithBinding(join(directory, DATA_FILE_NAME), layout);
        syncedMapping = mapping = binding.map(fd, 0, layout.fileBytes, true, false, true);
        // MAP_POPULATE maps shared file pages read-only; this faults them in for writing, so the
        // loop pays only the re-protection fault that every msync'd page takes, as C does.
        await binding.prefaultAsync(syncedMapping, 0, layout.fileBytes);
      } catch (error) {
        teardown();
        throw error;
      }
      const bytes = new Uint8Array(syncedMapping);
      const page = new Uint8Array(PAGE_BYTES).fill(0xa5);
      const pageCount = layout.fileBytes / PAGE_BYTES;
      let pageIndex = 0;
      return {
        kind: 'timed',
        callsPerSample: 1,
        operation: () => {
          const offset = pageIndex * PAGE_BYTES;
          bytes.set(page, offset);
          binding.msync(syncedMapping, offset, PAGE_BYTES, false);
          pageIndex = pageIndex + 1 === pageCount ? 0 : pageIndex + 1;
        },
        teardown,
        notes: `one operation per sample; ${describeLayout(layout)}`,
      };
    },
  };
}

/**
 * The pwrite + fdatasync loop over an fd; `fdatasync` is the addon's or Node's, the rest is the
 * same code, so the two rows differ only by the sync call.
 */
function createWriteAndSync(
  fd: number,
  layout: FileLayout,
  fdatasync: (fd: number) => void,
): () => void {
  const page = new Uint8Array(PAGE_BYTES).fill(0xa5);
  const pageCount = layout.fileBytes / PAGE_BYTES;
  let pageIndex = 0;
  return () => {
    writeSync(fd, page, 0, PAGE_BYTES, pageIndex * PAGE_BYTES);
    fdatasync(fd);
    pageIndex = pageIndex + 1 === pageCount ? 0 : pageIndex + 1;
  };
}

function annalFdatasync(layout: FileLayout): Implementation {
  return {
    id: 'annal',
    role: 'annal',
    description: 'fs.writeSync of 4 KiB at a page offset, then getBinding().fdatasync',
    create(): TimedMeasurement {
      const binding = getBinding();
      const directory = createTemporaryDirectory();
      let fd: number;
      try {
        fd = prepareWithBinding(join(directory, DATA_FILE_NAME), layout);
      } catch (error) {
        removeTemporaryDirectory(directory);
        throw error;
      }
      return {
        kind: 'timed',
        callsPerSample: 1,
        operation: createWriteAndSync(fd, layout, (syncedFd) => {
          binding.fdatasync(syncedFd);
        }),
        teardown: () => {
          binding.close(fd);
          removeTemporaryDirectory(directory);
        },
        notes: `one operation per sample; ${describeLayout(layout)}`,
      };
    },
  };
}

function nodeFsFdatasync(layout: FileLayout): Implementation {
  return {
    id: 'node-fs',
    role: 'peer',
    description: 'fs.writeSync of 4 KiB at a page offset, then fs.fdatasyncSync',
    create(): TimedMeasurement {
      const directory = createTemporaryDirectory();
      const fd = openSync(join(directory, DATA_FILE_NAME), 'wx+', 0o600);
      try {
        // Node has no fallocate; writing the zeros allocates the same blocks.
        writeZeros(fd, layout.fileBytes, layout.fillBytes);
        fsyncSync(fd);
      } catch (error) {
        closeSync(fd);
        removeTemporaryDirectory(directory);
        throw error;
      }
      return {
        kind: 'timed',
        callsPerSample: 1,
        operation: createWriteAndSync(fd, layout, fdatasyncSync),
        teardown: () => {
          closeSync(fd);
          removeTemporaryDirectory(directory);
        },
        notes: `one operation per sample; ${describeLayout(layout).replace('fallocated and ', '')}`,
      };
    },
  };
}

/** msync and fdatasync latency of one dirty 4 KiB page, against C and Node's fs. */
export const syncLatencySuite: Suite = {
  id: 'native/sync-latency',
  title: 'Durable 4 KiB write latency: msync and fdatasync',
  tags: ['native', 'sync', 'durability', 'latency'],
  scenarios: [
    {
      id: 'msync-4KiB-dirty',
      description:
        'write 4 KiB into a mapped, preallocated, zero-filled 4 MiB file, then msync(MS_SYNC) that page',
      payloadBytes: PAGE_BYTES,
      implementations: [annalMsync(OVERWRITE_LAYOUT), cSyscall('msync', OVERWRITE_LAYOUT)],
    },
    {
      id: 'msync-4KiB-dirty-fresh-extents',
      description:
        "the same into a fallocated 64 MiB file never written before, as a fresh segment: each msync also converts the block's unwritten extent (a journal commit)",
      payloadBytes: PAGE_BYTES,
      implementations: [annalMsync(FRESH_LAYOUT), cSyscall('msync', FRESH_LAYOUT)],
    },
    {
      id: 'msync-4KiB-dirty-1MiB-folios',
      description:
        'the same into a 4 MiB file zero-filled by 1 MiB writes: its page cache holds 1 MiB folios, and msync writes a whole folio back per dirty page',
      payloadBytes: PAGE_BYTES,
      implementations: [annalMsync(LARGE_FOLIO_LAYOUT), cSyscall('msync', LARGE_FOLIO_LAYOUT)],
    },
    {
      id: 'fdatasync-4KiB-overwrite',
      description: 'pwrite 4 KiB over a preallocated, zero-filled 4 MiB file, then fdatasync',
      payloadBytes: PAGE_BYTES,
      implementations: [
        annalFdatasync(OVERWRITE_LAYOUT),
        nodeFsFdatasync(OVERWRITE_LAYOUT),
        cSyscall('fdatasync', OVERWRITE_LAYOUT),
      ],
    },
  ],
};
