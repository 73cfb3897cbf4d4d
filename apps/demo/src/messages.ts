/**
 * The demo feed's messages, made again from their sequence number alone: the server sends them,
 * and the check after the replay makes each one anew and compares it with what the archive holds,
 * byte for byte, without either side keeping a copy.
 *
 * Most are ticks as a market-data feed sends them (UTF-8 JSON text of about 100 bytes); every
 * tenth is a binary book update (a 32-byte frame), as feeds that mix both do.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Whether message `sequence` is binary. */
export function isBinary(sequence: number): boolean {
  return sequence % 10 === 9;
}

/** Message `sequence`, as sent. */
export function makeMessage(sequence: number): Uint8Array {
  if (isBinary(sequence)) {
    const frame = new Uint8Array(32);
    const view = new DataView(frame.buffer);
    view.setUint32(0, sequence, true);
    view.setFloat64(8, 100 + (sequence % 500) / 100, true);
    view.setFloat64(16, (sequence % 97) + 1, true);
    view.setUint32(24, 0xb00c, true);
    return frame;
  }
  const price = (10_000 + ((sequence * 7919) % 500)) / 100;
  return encoder.encode(
    `{"seq":${sequence},"sym":"EURUSD","bid":${price.toFixed(2)},"ask":${(price + 0.01).toFixed(2)},"ts":${1_764_000_000_000 + sequence}}`,
  );
}

/** Whether `bytes` are exactly message `sequence`. */
export function isMessage(sequence: number, bytes: Uint8Array): boolean {
  const expected = makeMessage(sequence);
  if (expected.length !== bytes.length) return false;
  for (let i = 0; i < expected.length; i++) if (expected[i] !== bytes[i]) return false;
  return true;
}
