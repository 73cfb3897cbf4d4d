/**
 * The demo's messages: what a WebSocket market-data feed might deliver, as UTF-8 JSON of about
 * 100 bytes, with a sequence number the reader checks.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Encodes message `sequence` into `target` at `offset`; returns the bytes written. */
export function encodeMessage(sequence: number, target: Uint8Array, offset: number): number {
  const price = (10_000 + ((sequence * 7919) % 500)) / 100;
  const text = `{"seq":${sequence},"sym":"EURUSD","bid":${price.toFixed(2)},"ask":${(price + 0.01).toFixed(2)},"ts":${1_764_000_000_000 + sequence}}`;
  return encoder.encodeInto(text, target.subarray(offset)).written;
}

/** Largest encoded message, in bytes. */
export const MAX_MESSAGE_BYTES = 160;

/** Reads the sequence number back from an encoded message (`{"seq":123,…`). */
export function decodeSequence(bytes: Uint8Array, offset: number, length: number): number {
  let value = 0;
  // Skip `{"seq":` (7 bytes), then read digits.
  for (let i = offset + 7; i < offset + length; i++) {
    const digit = (bytes[i] as number) - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return value;
}
