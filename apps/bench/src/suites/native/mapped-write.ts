/**
 * The DESIGN §2 hot path in isolation: append records into a pre-faulted mapping with plain
 * typed-array writes and one `Atomics.store` per record, against the same code on heap memory
 * and against `Buffer.copy` (memcpy bandwidth, the physical limit). No N-API call, no syscall and
 * no allocation happen in the timed loop.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';

import { getBinding } from '@annal/native/internal';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import type { Implementation, Scenario, Suite, TimedMeasurement } from '../../suite.js';

/** The ring the writer laps: larger than any cache, so this measures memory, not L2. */
const RING_BYTES = 64 * 1024 * 1024;
/** The u32 length word in front of each payload (length-as-commit, DESIGN §3). */
const HEADER_BYTES = 4;
/** Bytes of records written per tinybench sample. */
const BYTES_PER_SAMPLE = 1024 * 1024;

/**
 * Returns the per-record write over `buffer`: payload first, then the length word with
 * `Atomics.store`, the release that publishes the record to a reader that `Atomics.load`s it.
 * The writer laps the ring without clearing old length words: a real log would mark the wrap,
 * which costs one extra store per lap and does not change the per-record figure.
 */
function createRecordWriter(
  buffer: ArrayBuffer | SharedArrayBuffer,
  recordBytes: number,
): () => void {
  const bytes = new Uint8Array(buffer);
  const words = new Int32Array(buffer);
  const payload = new Uint8Array(recordBytes - HEADER_BYTES);
  randomFillSync(payload);
  const payloadLength = payload.length;
  const lastRecordOffset = buffer.byteLength - recordBytes;
  let offset = 0;
  return () => {
    bytes.set(payload, offset + HEADER_BYTES);
    // Release store: a reader that sees this length also sees the payload written above.
    Atomics.store(words, offset >>> 2, payloadLength);
    offset = offset === lastRecordOffset ? 0 : offset + recordBytes;
  };
}

function recordsNotes(recordBytes: number, memory: string): string {
  return `${BYTES_PER_SAMPLE / recordBytes} records (1 MiB) per sample; ${memory}; 64 MiB ring`;
}

function annalMapped(recordBytes: number, shared: boolean): Implementation {
  return {
    id: shared ? 'annal-mapped-sab' : 'annal-mapped',
    role: 'annal',
    description: shared
      ? 'records into a SharedArrayBuffer over map() of a preallocated, pre-faulted file'
      : 'records into the external ArrayBuffer from map() of a preallocated, pre-faulted file',
    async create(): Promise<TimedMeasurement> {
      const binding = getBinding();
      const { O_RDWR, O_CREAT, O_EXCL } = binding.constants;
      const directory = createTemporaryDirectory();
      const fd = binding.open(join(directory, 'ring'), O_RDWR | O_CREAT | O_EXCL, 0o600);
      let mapping: ArrayBuffer | SharedArrayBuffer | undefined;
      const teardown = (): void => {
        if (mapping !== undefined) binding.unmap(mapping);
        binding.close(fd);
        removeTemporaryDirectory(directory);
      };
      let ring: ArrayBuffer | SharedArrayBuffer;
      try {
        binding.fallocate(fd, 0, RING_BYTES);
        ring = mapping = binding.map(fd, 0, RING_BYTES, true, shared, true);
        // A first touch costs ~10 µs per page here (anchors RESULTS.md, "Machine quirk"); the
        // design pre-faults ahead of the writer, so the loop must not see those faults either.
        await binding.prefaultAsync(ring, 0, RING_BYTES);
      } catch (error) {
        teardown();
        throw error;
      }
      return {
        kind: 'timed',
        operation: createRecordWriter(ring, recordBytes),
        callsPerSample: BYTES_PER_SAMPLE / recordBytes,
        teardown,
        notes: recordsNotes(
          recordBytes,
          shared ? 'mapped file as SharedArrayBuffer' : 'mapped file as external ArrayBuffer',
        ),
      };
    },
  };
}

function heapArrayBuffer(recordBytes: number): Implementation {
  return {
    id: 'heap-arraybuffer',
    role: 'peer',
    description: 'the same record writes into a plain, pre-touched ArrayBuffer',
    create(): TimedMeasurement {
      const buffer = new ArrayBuffer(RING_BYTES);
      // Touch every page first, as the mapped variants are pre-faulted.
      new Uint8Array(buffer).fill(1).fill(0);
      return {
        kind: 'timed',
        operation: createRecordWriter(buffer, recordBytes),
        callsPerSample: BYTES_PER_SAMPLE / recordBytes,
        notes: recordsNotes(recordBytes, 'heap ArrayBuffer'),
      };
    },
  };
}

function bufferCopy(recordBytes: number): Implementation {
  return {
    id: 'buffer-copy',
    role: 'limit',
    description: 'Buffer.copy of 64 MiB between two pre-touched Buffers (memcpy bandwidth)',
    create(): TimedMeasurement {
      const source = Buffer.alloc(RING_BYTES);
      randomFillSync(source);
      const target = Buffer.alloc(RING_BYTES, 1);
      return {
        kind: 'timed',
        operation: () => {
          source.copy(target, 0, 0, RING_BYTES);
        },
        callsPerSample: 1,
        operationsPerCall: RING_BYTES / recordBytes,
        notes: `physical limit: one 64 MiB Buffer.copy per sample, reported per ${recordBytes} B of it`,
      };
    },
  };
}

function recordsScenario(recordBytes: number, label: string): Scenario {
  return {
    id: `records-${label}`,
    description: `append ${label} records (4 B length + ${recordBytes - HEADER_BYTES} B payload) into a 64 MiB ring`,
    payloadBytes: recordBytes,
    implementations: [
      annalMapped(recordBytes, false),
      annalMapped(recordBytes, true),
      heapArrayBuffer(recordBytes),
      bufferCopy(recordBytes),
    ],
  };
}

/** Record writes into mapped memory against heap memory and memcpy bandwidth. */
export const mappedWriteSuite: Suite = {
  id: 'native/mapped-write',
  title: 'Record writes into a mapping vs Buffer.copy bandwidth',
  tags: ['native', 'mmap', 'write', 'bandwidth'],
  scenarios: [recordsScenario(64, '64B'), recordsScenario(1024, '1KiB')],
};
