/**
 * Helpers shared by the worker scripts of the cross-thread suites (plain ES modules, loaded by
 * `new Worker(url)` straight from this folder, never compiled).
 *
 * Every message's first 4 bytes are its sequence number within the round (u32 little-endian)
 * and its fifth byte the id of the producer that sent it; the rest is a fixed pattern.
 */
import { parentPort } from 'node:worker_threads';

/** A payload template: a fixed byte pattern with the producer id in byte 4. */
export function makeTemplate(payloadBytes, producerId) {
  const template = new Uint8Array(payloadBytes);
  for (let index = 0; index < payloadBytes; index++) template[index] = (index * 31 + 7) & 0xff;
  template[4] = producerId & 0xff;
  return template;
}

/** Writes `sequence` as u32 little-endian at `bytes[offset]`. */
export function writeSequence(bytes, offset, sequence) {
  bytes[offset] = sequence & 0xff;
  bytes[offset + 1] = (sequence >>> 8) & 0xff;
  bytes[offset + 2] = (sequence >>> 16) & 0xff;
  bytes[offset + 3] = (sequence >>> 24) & 0xff;
}

/** Reads the u32 little-endian sequence number at `bytes[offset]`. */
export function readSequence(bytes, offset) {
  return (
    (bytes[offset] |
      (bytes[offset + 1] << 8) |
      (bytes[offset + 2] << 16) |
      (bytes[offset + 3] << 24)) >>>
    0
  );
}

/**
 * Checks that each producer's messages arrive in order, starting at 0 in every round, and
 * that each has the expected length.
 */
export class Verifier {
  constructor(payloadBytes) {
    this.payloadBytes = payloadBytes;
    this.next = new Uint32Array(256);
    this.received = 0;
    this.errors = 0;
    this.firstError = '';
  }

  reset() {
    this.next.fill(0);
    this.received = 0;
    this.errors = 0;
    this.firstError = '';
  }

  check(bytes, offset, length) {
    this.received++;
    if (length !== this.payloadBytes) {
      this.fail(`length ${length}, expected ${this.payloadBytes}`);
      return;
    }
    const producerId = bytes[offset + 4];
    const sequence = readSequence(bytes, offset);
    const expected = this.next[producerId];
    if (sequence !== expected)
      this.fail(`producer ${producerId}: sequence ${sequence}, expected ${expected}`);
    this.next[producerId] = sequence + 1;
  }

  fail(message) {
    this.errors++;
    if (this.firstError === '') this.firstError = message;
  }

  /** The `done` message for the main thread. */
  done() {
    return {
      type: 'done',
      received: this.received,
      errors: this.errors,
      firstError: this.firstError,
    };
  }
}

/**
 * Posts `ready`, then answers every `round` message from the main thread with whatever
 * `runRound(count)` returns (a control message), posted when it resolves.
 */
export function serveRounds(runRound) {
  parentPort.on('message', async (message) => {
    if (message?.type !== 'round') return;
    const reply = await runRound(message.count);
    if (reply !== undefined) parentPort.postMessage(reply);
  });
  parentPort.postMessage({ type: 'ready' });
}
