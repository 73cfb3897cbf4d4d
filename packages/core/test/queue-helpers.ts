import type { Queue, QueueOptions } from '@annal/core';

/** Small blocks and the 1-second test cycle, so tests cross blocks, index pages and cycles fast. */
export const SMALL: QueueOptions = { blockBytes: '64 KiB', rollCycle: 'TEST_SECONDLY' };

/** A settable clock, starting at a fixed instant (2026-11-22T00:00:00Z). */
export class ManualClock {
  now = Date.UTC(2026, 10, 22);
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/** A deterministic payload for record `n` of `length` bytes. */
export function payloadOf(n: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (n * 31 + i * 7) & 0xff;
  return bytes;
}

/** Every record of a fresh reader, copied. */
export function readAll(queue: Queue): { index: number; payload: Uint8Array }[] {
  const reader = queue.reader();
  const out: { index: number; payload: Uint8Array }[] = [];
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    out.push({ index: record.index, payload: record.copy() });
  }
  reader.close();
  return out;
}
