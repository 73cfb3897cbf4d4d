/**
 * One producer worker → one consumer, 64 B and 1 KiB messages: `@annal/logbuf`'s SpscRing
 * against what a Node user would do instead (ringbuf.js, postMessage per message, a
 * MessageChannel between workers, packed transferred buffers). Every row is a self-timed child
 * that runs rounds of N messages; see `src/cross-thread.ts` for what is timed.
 *
 * @module
 */
import { startMessageChannelRig } from '../../peers/message-channel.js';
import { startPackedTransferRig } from '../../peers/packed-transfer.js';
import { startPostMessageRig } from '../../peers/post-message.js';
import { startRingbufRig } from '../../peers/ringbuf-js.js';
import { startThreadStreamRig } from '../../peers/thread-stream.js';
import type { Suite } from '../../suite.js';
import {
  PAYLOAD_SIZES,
  PUBLISH_EVERY,
  crossThreadImplementation,
  startAnnalRig,
} from './shared.js';

/** SPSC throughput of annal's ring against the in-memory peers of RESULTS.md section a). */
export const logbufSpscSuite: Suite = {
  id: 'logbuf/spsc',
  title: 'Cross-thread throughput, one producer → one consumer',
  tags: ['logbuf', 'spsc', 'throughput'],
  scenarios: PAYLOAD_SIZES.map((size) => ({
    id: size.label,
    description: `${size.payloadBytes}-byte messages from one producer worker to one consumer thread`,
    payloadBytes: size.payloadBytes,
    implementations: [
      crossThreadImplementation(
        'annal-spsc',
        'annal',
        'SpscRing (1 MiB): producer worker tryClaim + write in place + commit, spinning on BACK_PRESSURED; consumer worker calls poll(…, 1024) paced by an IdleStrategy (10 µs pause after an empty poll)',
        size,
        size.counts,
        (payloadBytes) => startAnnalRig('spsc', 1, payloadBytes),
        'worker → worker over a 1 MiB SpscRing',
      ),
      crossThreadImplementation(
        'annal-spsc-deferred',
        'annal',
        `SpscRing (1 MiB): as annal-spsc, but commitDeferred() and one publishing commit() every ${PUBLISH_EVERY} records (one sequentially consistent store per batch instead of per record)`,
        size,
        size.counts,
        (payloadBytes) => startAnnalRig('spsc', 1, payloadBytes, PUBLISH_EVERY),
        'worker → worker over a 1 MiB SpscRing, deferred commits',
      ),
      crossThreadImplementation(
        'ringbuf-js',
        'peer',
        'ringbuf.js 0.4.0 SPSC (1 MiB Uint8): u32 length + payload pushed as one frame; consumer pops header then payload into a reused buffer; both busy-poll',
        size,
        size.counts,
        startRingbufRig,
        'worker → worker; ringbuf.js pop copies element by element in JS',
      ),
      crossThreadImplementation(
        'packed-transfer',
        'peer',
        'frames packed into 64 KiB ArrayBuffers, each transferred worker → main; main parses frames in place',
        size,
        size.counts,
        startPackedTransferRig,
        'worker → main thread, DIY batching, no back-pressure',
      ),
      crossThreadImplementation(
        'post-message',
        'peer',
        'parentPort.postMessage(Uint8Array) per message, worker → main (structured clone)',
        size,
        size.slowCounts,
        startPostMessageRig,
        'worker → main thread, no back-pressure',
      ),
      crossThreadImplementation(
        'message-channel',
        'peer',
        'MessagePort.postMessage(Uint8Array) per message, worker → worker (structured clone)',
        size,
        size.slowCounts,
        startMessageChannelRig,
        'worker → worker over a MessageChannel, no back-pressure',
      ),
      crossThreadImplementation(
        'thread-stream',
        'peer',
        'thread-stream 4.2.1 (pino transport channel, 4 MiB SAB): worker writes text lines of (size − 1) chars + newline, honouring drain; its own worker splits and checks them',
        size,
        size.counts,
        startThreadStreamRig,
        'worker → its thread-stream worker, text only (one string built per message)',
        'every line starts with a 10-digit decimal sequence number that the target checks, with the line length and the count',
      ),
    ],
  })),
};
