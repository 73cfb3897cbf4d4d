/**
 * One or two producer workers → one consumer worker over `@annal/logbuf`'s MpscRing, 64 B and
 * 1 KiB messages. Each producer sends N / producers messages; the consumer checks every
 * producer's sequence. See `src/cross-thread.ts` for what is timed.
 *
 * @module
 */
import type { Suite } from '../../suite.js';
import { PAYLOAD_SIZES, crossThreadImplementation, startAnnalRig } from './shared.js';

const PRODUCER_COUNTS = [1, 2] as const;

/** MPSC throughput of annal's ring with one and two producers. */
export const logbufMpscSuite: Suite = {
  id: 'logbuf/mpsc',
  title: 'Cross-thread throughput, producers → one consumer (MPSC)',
  tags: ['logbuf', 'mpsc', 'throughput'],
  scenarios: PAYLOAD_SIZES.flatMap((size) =>
    PRODUCER_COUNTS.map((producers) => ({
      id: `${size.label}-${producers}P`,
      description: `${size.payloadBytes}-byte messages from ${producers} producer worker(s) to one consumer worker`,
      payloadBytes: size.payloadBytes,
      implementations: [
        crossThreadImplementation(
          'annal-mpsc',
          'annal',
          `MpscRing (1 MiB): ${producers} producer worker(s) tryClaim (CAS) + write in place + commit, spinning on BACK_PRESSURED; consumer worker calls poll(…, 1024) paced by an IdleStrategy (10 µs pause after an empty poll)`,
          size,
          size.counts,
          (payloadBytes) => startAnnalRig('mpsc', producers, payloadBytes),
          producers > 1
            ? `${producers} producers → 1 consumer worker over a 1 MiB MpscRing, N split evenly; ${producers + 1} busy-spinning threads share this machine's vCPUs`
            : '1 producer → 1 consumer worker over a 1 MiB MpscRing',
        ),
      ],
    })),
  ),
};
