/**
 * The limits a topic's records and batches must respect before anything is written:
 * `maxPayloadBytes` per record, `maxBatchRecords` and `maxBatchBytes` per batch.
 *
 * Separate from topic.ts: checked once per batch, before the batch's frames are written in one
 * go, so a batch that breaks a limit leaves nothing behind.
 *
 * @module
 */
import { InvalidArgumentError, TooLargeError } from '@annal/native';

import { describeValue } from './arguments.js';
import { BATCH_COMMIT_PAYLOAD_BYTES, frameBytes } from './layout.js';
import type { ResolvedWalOptions } from './options.js';

/**
 * Checks a batch against the limits. @returns the bytes its frames take, commit frame included
 * @throws ERR_ANNAL_INVALID_ARGUMENT for a member that is not a Uint8Array; ERR_ANNAL_TOO_LARGE
 *   for a batch or a member over its limit
 */
export function checkBatch(
  payloads: readonly Uint8Array[],
  options: ResolvedWalOptions,
  topic: string,
): number {
  const count = payloads.length;
  if (count > options.maxBatchRecords) {
    throw new TooLargeError(
      `a batch of ${count} records exceeds maxBatchRecords (${options.maxBatchRecords})`,
      { field: 'payloads' },
    );
  }
  let payloadBytes = 0;
  let needed = frameBytes(BATCH_COMMIT_PAYLOAD_BYTES);
  for (let i = 0; i < count; i++) {
    const payload = payloads[i];
    if (!(payload instanceof Uint8Array)) {
      throw new InvalidArgumentError(
        `payloads[${i}] must be a Uint8Array: ${describeValue(payload)}`,
        { field: `payloads[${i}]` },
      );
    }
    if (payload.length > options.maxPayloadBytes) {
      throw recordTooLarge(payload.length, options, topic);
    }
    payloadBytes += payload.length;
    needed += frameBytes(payload.length);
  }
  if (payloadBytes > options.maxBatchBytes) {
    throw new TooLargeError(
      `a batch of ${payloadBytes} bytes exceeds maxBatchBytes (${options.maxBatchBytes})`,
      { field: 'payloads' },
    );
  }
  return needed;
}

/** The error for a record of `length` bytes over `maxPayloadBytes` in topic `topic`. */
export function recordTooLarge(
  length: number,
  options: ResolvedWalOptions,
  topic: string,
): TooLargeError {
  return new TooLargeError(
    `a record of ${length} bytes for topic ${JSON.stringify(topic)} exceeds maxPayloadBytes (${options.maxPayloadBytes})`,
    { field: 'payload' },
  );
}
