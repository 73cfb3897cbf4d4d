/**
 * The floor of the archiver suite: what handing a message to a worker costs with nothing but an
 * `@annal/logbuf` SpscRing. The traffic thread claims the archiver's record size (16-byte header
 * + body), writes four header words and the body, and commits the way the archiver does
 * (`commitDeferred()`, publishing with `flush()` once every 32 records); a worker drains it with
 * `poll()` (workers/ring-drain.mjs). No clock read, no stream check, no counters.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';

import { RECORD_HEADER_BYTES } from '@annal/archiver';
import { BACK_PRESSURED, SpscRing } from '@annal/logbuf';

import { workerScript } from '../../cross-thread.js';
import { waitUntil, type TrafficRecorder } from '../../suites/archiver/traffic-recorder.js';

/** The archiver's default ring size, so both rows see the same capacity. */
const RING_BYTES = 16 << 20;
/** Records between publications, as the archiver's turn cadence (BATCH_RECORDS). */
const PUBLISH_EVERY = 32;
/** Fraction of the ring in use above which the producer lets the worker catch up. */
const BEHIND_FILL = 0.5;
/** Cells of the shared control block: [0] records taken by the worker, [1] stop flag. */
const CONTROL_CELLS = 2;

/** Starts the drain worker over a fresh ring and returns the producer side. */
export async function createRingOnlyRecorder(): Promise<TrafficRecorder> {
  const buffer = SpscRing.allocate(RING_BYTES);
  const ring = SpscRing.attach(buffer);
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_CELLS * 4));
  const worker = new Worker(workerScript('ring-drain.mjs'), {
    workerData: { buffer, control },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => {
      worker.off('error', reject);
      resolve();
    });
  });
  const words = new Uint32Array(buffer);
  const bytes = new Uint8Array(buffer);
  let recorded = 0;
  let pressured = 0;
  const record = (message: Buffer): void => {
    if (recorded % PUBLISH_EVERY === 0) ring.flush();
    const length = RECORD_HEADER_BYTES + message.length;
    let claim = ring.tryClaim(length);
    while (claim === BACK_PRESSURED) {
      pressured++;
      claim = ring.tryClaim(length);
    }
    const at = claim.offset;
    const word = at >>> 2;
    words[word] = 1;
    words[word + 1] = 1;
    words[word + 2] = recorded;
    words[word + 3] = 0;
    bytes.set(message, at + RECORD_HEADER_BYTES);
    claim.commitDeferred();
    recorded++;
  };
  const taken = (): number => Atomics.load(control, 0);
  return {
    record,
    isBehind: () => ring.bytesAvailable() > ring.capacity * BEHIND_FILL,
    caughtUp: () => {
      ring.flush();
      return waitUntil(() => taken() >= recorded);
    },
    async close(): Promise<void> {
      ring.flush();
      await waitUntil(() => taken() >= recorded);
      Atomics.store(control, 1, 1);
      await worker.terminate();
    },
    verify(): string {
      if (taken() !== recorded)
        throw new Error(`ring-only: ${recorded} recorded, ${taken()} taken`);
      return `the worker took all ${recorded} records (${pressured} claims met back-pressure)`;
    },
  };
}
