/**
 * The tests behind docs/decisions/2026-11-22-atomics-over-mapped-memory.md: JS `Atomics` over a
 * MAP_SHARED mapping carry DESIGN §3's commit protocol between threads and between processes,
 * for both buffer kinds, with no lost, duplicated, reordered or torn record.
 *
 * If V8 ever lowered `Atomics` on non-shared (external) ArrayBuffers to plain accesses, the
 * compiler would be free to sink the payload stores past the publish or hoist the spin load out of
 * its loop: the first shows as a payload error here, the second as a consumer that never finishes
 * (a test timeout). That is the canary the decision names.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MappedFile } from '@annal/native';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixture-path.js';

/** Bytes of the ring file; the layout lives in fixtures/atomics-ring.mjs. */
const FILE_BYTES = 128 + 16 * (1 << 16);

/** Records per scenario: millions by default (a few seconds), ten times more under ANNAL_SOAK=1. */
const RECORD_COUNT = process.env['ANNAL_SOAK'] === '1' ? 20_000_000 : 2_000_000;

interface ConsumeResult {
  consumed: number;
  errors: number;
  firstError: string;
}
function runWorker(data: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fixturePath('atomics-ring.mjs'), { workerData: data });
    worker.once('message', (message: Record<string, unknown>) => resolve(message));
    worker.once('error', reject);
  });
}

function createRingFile(shared = false): { path: string; file: MappedFile } {
  const path = join(temporaryDirectory(), 'ring.bin');
  const file = MappedFile.create(path, { lengthBytes: FILE_BYTES, shared });
  return { path, file };
}

describe('Atomics over a MAP_SHARED mapping (external ArrayBuffer)', () => {
  it('carries millions of records from a child process to this one, in order and intact', async () => {
    const { path, file } = createRingFile();
    const producer = spawnNode(fixturePath('atomics-ring.mjs'), [
      'produce',
      path,
      String(RECORD_COUNT),
    ]);
    // The consumer spins, so it runs in a worker: vitest's timeout still works if the child dies.
    const consumed = await runWorker({ role: 'consume', path, count: RECORD_COUNT });
    const exit = await producer.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(consumed).toEqual({ consumed: RECORD_COUNT, errors: 0, firstError: '' });
    file.close();
  });

  it('carries millions of records from this process to a child process', async () => {
    const { path, file } = createRingFile();
    const consumer = spawnNode(fixturePath('atomics-ring.mjs'), [
      'consume',
      path,
      String(RECORD_COUNT),
    ]);
    // Produce from a worker so this thread stays free to collect the child's output.
    const produced = await runWorker({ role: 'produce', path, count: RECORD_COUNT });
    const exit = await consumer.exited;
    expect(produced).toEqual({ produced: RECORD_COUNT });
    expect(JSON.parse(exit.stdout) as ConsumeResult).toEqual({
      consumed: RECORD_COUNT,
      errors: 0,
      firstError: '',
    });
    file.close();
  });

  it('carries millions of records between two workers that each map the file', async () => {
    const { path, file } = createRingFile();
    const [produced, consumed] = await Promise.all([
      runWorker({ role: 'produce', path, count: RECORD_COUNT }),
      runWorker({ role: 'consume', path, count: RECORD_COUNT }),
    ]);
    expect(produced).toEqual({ produced: RECORD_COUNT });
    expect(consumed).toEqual({ consumed: RECORD_COUNT, errors: 0, firstError: '' });
    file.close();
  });
});

describe('Atomics over a MAP_SHARED mapping (SharedArrayBuffer)', () => {
  it('carries millions of records between workers sharing one posted SharedArrayBuffer', async () => {
    const { file } = createRingFile(true);
    const buffer = file.buffer;
    expect(buffer).toBeInstanceOf(SharedArrayBuffer);
    const [produced, consumed] = await Promise.all([
      runWorker({ role: 'produce', buffer, count: RECORD_COUNT }),
      runWorker({ role: 'consume', buffer, count: RECORD_COUNT }),
    ]);
    expect(produced).toEqual({ produced: RECORD_COUNT });
    expect(consumed).toEqual({ consumed: RECORD_COUNT, errors: 0, firstError: '' });
    file.close();
  });

  it('carries millions of records from a child process into a SharedArrayBuffer mapping here', async () => {
    const { path, file } = createRingFile(true);
    const producer = spawnNode(fixturePath('atomics-ring.mjs'), [
      'produce',
      path,
      String(RECORD_COUNT),
      'shared',
    ]);
    const consumed = await runWorker({ role: 'consume', buffer: file.buffer, count: RECORD_COUNT });
    const exit = await producer.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(consumed).toEqual({ consumed: RECORD_COUNT, errors: 0, firstError: '' });
    file.close();
  });
});
