/**
 * How long one durable 4 KiB write takes through our addon, against the same loop in C (the
 * floor: only the kernel and the disk) and against Node's own `fs.fdatasyncSync`. Each
 * operation dirties one 4 KiB page of a preallocated 4 MiB file, moving to the next page each
 * time, and waits for it to reach the disk. Every sample is one operation.
 *
 * @module
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { writeZeros } from '../../fixtures/zero-fill.js';
import { compileLimitProgram } from '../../limits/compile-limit.js';
import { runLimitProgram } from '../../limits/run-limit-program.js';
import { getBinding } from '../../native-binding.js';
import type { Implementation, SelfTimedMeasurement, Suite, TimedMeasurement } from '../../suite.js';

const FILE_BYTES = 4 * 1024 * 1024;
const PAGE_BYTES = 4096;
const PAGE_COUNT = FILE_BYTES / PAGE_BYTES;
/** Zero-filling in page-sized writes leaves the page cache in 4 KiB folios. */
const PAGE_FILL_BYTES = PAGE_BYTES;
/** Zero-filling in 1 MiB writes leaves 1 MiB folios, which msync writes back whole. */
const LARGE_FILL_BYTES = 1024 * 1024;
const DATA_FILE_NAME = 'data';

type SyncMode = 'msync' | 'fdatasync';

function describeFill(fillBytes: number): string {
  return fillBytes === PAGE_FILL_BYTES
    ? 'filled by 4 KiB writes'
    : `filled by ${fillBytes / 1024 / 1024} MiB writes`;
}

function cSyscall(mode: SyncMode, fillBytes: number): Implementation {
  return {
    id: 'c-syscall',
    role: 'limit',
    description: `the same loop in C (cc -O2): ${mode === 'msync' ? 'memcpy + msync(MS_SYNC)' : 'pwrite + fdatasync'}`,
    create(): SelfTimedMeasurement {
      const executablePath = compileLimitProgram('sync-latency');
      const directory = createTemporaryDirectory();
      const dataPath = join(directory, DATA_FILE_NAME);
      return {
        kind: 'self-timed',
        measure: (budget) =>
          runLimitProgram(
            executablePath,
            [mode, dataPath, String(FILE_BYTES), String(fillBytes)],
            budget,
          ),
        teardown: () => removeTemporaryDirectory(directory),
        notes: `physical limit: limits/sync-latency.c, clock_gettime around each operation; file ${describeFill(fillBytes)}`,
      };
    },
  };
}

function annalMsync(fillBytes: number): Implementation {
  return {
    id: 'annal',
    role: 'annal',
    description:
      'Uint8Array.set of 4 KiB into map() of the file, then getBinding().msync(…, MS_SYNC)',
    async create(): Promise<TimedMeasurement> {
      const binding = getBinding();
      const { O_RDWR, O_CREAT, O_EXCL } = binding.constants;
      const directory = createTemporaryDirectory();
      const fd = binding.open(join(directory, DATA_FILE_NAME), O_RDWR | O_CREAT | O_EXCL, 0o600);
      let mapping: ArrayBuffer | SharedArrayBuffer | undefined;
      const teardown = (): void => {
        if (mapping !== undefined) binding.unmap(mapping);
        binding.close(fd);
        removeTemporaryDirectory(directory);
      };
      let syncedMapping: ArrayBuffer | SharedArrayBuffer;
      try {
        binding.fallocate(fd, 0, FILE_BYTES);
        writeZeros(fd, FILE_BYTES, fillBytes);
        binding.fsync(fd);
        syncedMapping = mapping = binding.map(fd, 0, FILE_BYTES, true, false, true);
        // MAP_POPULATE maps shared file pages read-only; this faults them in for writing, so the
        // loop pays only the re-protection fault that every msync'd page takes, as C does.
        await binding.prefaultAsync(syncedMapping, 0, FILE_BYTES);
      } catch (error) {
        teardown();
        throw error;
      }
      const bytes = new Uint8Array(syncedMapping);
      const page = new Uint8Array(PAGE_BYTES).fill(0xa5);
      let pageIndex = 0;
      return {
        kind: 'timed',
        callsPerSample: 1,
        operation: () => {
          const offset = pageIndex * PAGE_BYTES;
          bytes.set(page, offset);
          binding.msync(syncedMapping, offset, PAGE_BYTES, false);
          pageIndex = pageIndex + 1 === PAGE_COUNT ? 0 : pageIndex + 1;
        },
        teardown,
        notes: `one operation per sample; file ${describeFill(fillBytes)}`,
      };
    },
  };
}

const annalFdatasync: Implementation = {
  id: 'annal',
  role: 'annal',
  description: 'fs.writeSync of 4 KiB at a page offset, then getBinding().fdatasync',
  create(): TimedMeasurement {
    const binding = getBinding();
    const { O_RDWR, O_CREAT, O_EXCL } = binding.constants;
    const directory = createTemporaryDirectory();
    const fd = binding.open(join(directory, DATA_FILE_NAME), O_RDWR | O_CREAT | O_EXCL, 0o600);
    const teardown = (): void => {
      binding.close(fd);
      removeTemporaryDirectory(directory);
    };
    try {
      binding.fallocate(fd, 0, FILE_BYTES);
      writeZeros(fd, FILE_BYTES, PAGE_FILL_BYTES);
      binding.fsync(fd);
    } catch (error) {
      teardown();
      throw error;
    }
    const page = new Uint8Array(PAGE_BYTES).fill(0xa5);
    let pageIndex = 0;
    return {
      kind: 'timed',
      callsPerSample: 1,
      operation: () => {
        writeSync(fd, page, 0, PAGE_BYTES, pageIndex * PAGE_BYTES);
        binding.fdatasync(fd);
        pageIndex = pageIndex + 1 === PAGE_COUNT ? 0 : pageIndex + 1;
      },
      teardown,
      notes: 'one operation per sample; file preallocated (fallocate) and zero-filled',
    };
  },
};

const nodeFsFdatasync: Implementation = {
  id: 'node-fs',
  role: 'peer',
  description: 'fs.writeSync of 4 KiB at a page offset, then fs.fdatasyncSync',
  create(): TimedMeasurement {
    const directory = createTemporaryDirectory();
    const fd = openSync(join(directory, DATA_FILE_NAME), 'wx+', 0o600);
    const teardown = (): void => {
      closeSync(fd);
      removeTemporaryDirectory(directory);
    };
    try {
      // Node has no fallocate; writing the zeros allocates the same blocks.
      writeZeros(fd, FILE_BYTES, PAGE_FILL_BYTES);
      fsyncSync(fd);
    } catch (error) {
      teardown();
      throw error;
    }
    const page = new Uint8Array(PAGE_BYTES).fill(0xa5);
    let pageIndex = 0;
    return {
      kind: 'timed',
      callsPerSample: 1,
      operation: () => {
        writeSync(fd, page, 0, PAGE_BYTES, pageIndex * PAGE_BYTES);
        fdatasyncSync(fd);
        pageIndex = pageIndex + 1 === PAGE_COUNT ? 0 : pageIndex + 1;
      },
      teardown,
      notes: 'one operation per sample; file zero-filled',
    };
  },
};

/** msync and fdatasync latency of one dirty 4 KiB page, against C and Node's fs. */
export const syncLatencySuite: Suite = {
  id: 'native/sync-latency',
  title: 'Durable 4 KiB write latency: msync and fdatasync',
  tags: ['native', 'sync', 'durability', 'latency'],
  scenarios: [
    {
      id: 'msync-4KiB-dirty',
      description:
        'write 4 KiB into a mapped, preallocated 4 MiB file, then msync(MS_SYNC) that page',
      payloadBytes: PAGE_BYTES,
      implementations: [annalMsync(PAGE_FILL_BYTES), cSyscall('msync', PAGE_FILL_BYTES)],
    },
    {
      id: 'msync-4KiB-dirty-1MiB-folios',
      description:
        'the same, but the file was zero-filled by 1 MiB writes: its page cache holds 1 MiB folios, and msync writes a whole folio back per dirty page',
      payloadBytes: PAGE_BYTES,
      implementations: [annalMsync(LARGE_FILL_BYTES), cSyscall('msync', LARGE_FILL_BYTES)],
    },
    {
      id: 'fdatasync-4KiB-overwrite',
      description: 'pwrite 4 KiB over a preallocated, zero-filled 4 MiB file, then fdatasync',
      payloadBytes: PAGE_BYTES,
      implementations: [annalFdatasync, nodeFsFdatasync, cSyscall('fdatasync', PAGE_FILL_BYTES)],
    },
  ],
};
