/**
 * One flipped bit anywhere in a ring's SharedArrayBuffer (on a copy), then a consumer attaches
 * and reads everything: it must read back the records that were written, or throw a coded error.
 * A different record returned without an error is allowed only when the flipped byte is a
 * payload byte: ring memory carries no checksum (see the README's Caveats). By default each byte
 * gets two of its eight bits (seeded); ANNAL_SOAK=1 flips every bit of every byte.
 */
import { describe, expect, it } from 'vitest';
import { BACK_PRESSURED, EMPTY, LogbufError, MpscRing, SpscRing } from '@annal/logbuf';

const SOAK = process.env['ANNAL_SOAK'] === '1';
const CAPACITY = 256;

type Ring = SpscRing | MpscRing;
type Outcome =
  'identical' | 'coded error' | 'payload changed (undetectable)' | 'WRONG' | 'RAW ERROR' | 'HANG';

interface Fixture {
  readonly buffer: SharedArrayBuffer;
  /** Payloads still to be read, in order. */
  readonly expected: readonly number[][];
  /** Buffer offsets holding payload bytes of records still to be read. */
  readonly payloadBytes: ReadonlySet<number>;
}

/**
 * A ring with records waiting (empty ones among them), some already consumed (so the head has
 * moved), and a wrap: a padding frame at the end of the data area, then records from offset 0.
 */
function makeFixture(kind: 'spsc' | 'mpsc'): Fixture {
  const buffer = kind === 'spsc' ? SpscRing.allocate(CAPACITY) : MpscRing.allocate(CAPACITY);
  const producer: Ring = kind === 'spsc' ? SpscRing.attach(buffer) : MpscRing.attach(buffer);
  const consumer: Ring = kind === 'spsc' ? SpscRing.attach(buffer) : MpscRing.attach(buffer);
  const waiting: { payload: number[]; offset: number }[] = [];
  let next = 1;
  const send = (length: number): void => {
    const payload = Array.from({ length }, () => next++ & 0xff);
    const claim = producer.tryClaim(length);
    if (claim === BACK_PRESSURED) throw new Error('fixture: unexpected BACK_PRESSURED');
    claim.write(Uint8Array.from(payload));
    claim.commit();
    waiting.push({ payload, offset: claim.offset });
  };
  for (const length of [0, 5, 16, 0, 30, 7]) send(length);
  const consumed = consumer.poll(() => undefined, 5); // head moves to 96
  waiting.splice(0, consumed);
  let wrapped = false;
  for (const length of [50, 50, 0, 13, 0]) {
    send(length);
    wrapped ||= (waiting.at(-1)?.offset ?? Infinity) < (waiting.at(-2)?.offset ?? 0);
  }
  expect(wrapped).toBe(true);
  const payloadBytes = new Set<number>();
  for (const { payload, offset } of waiting) {
    for (let i = 0; i < payload.length; i++) payloadBytes.add(offset + i);
  }
  return { buffer, expected: waiting.map((record) => record.payload), payloadBytes };
}

/** Attaches a consumer to `buffer` and reads until the ring stays empty. */
function readAll(kind: 'spsc' | 'mpsc', buffer: SharedArrayBuffer): number[][] | 'HANG' {
  // unblockTimeoutMs 0: a frame that looks like a stuck MPSC claim is unblocked on the next poll.
  const ring: Ring =
    kind === 'spsc' ? SpscRing.attach(buffer) : MpscRing.attach(buffer, { unblockTimeoutMs: 0 });
  const records: number[][] = [];
  let emptyPolls = 0;
  for (let polls = 0; polls < 1000; polls++) {
    const record = ring.tryRead();
    if (record === EMPTY) {
      if (++emptyPolls === 3) return records;
      continue;
    }
    emptyPolls = 0;
    records.push([...record.bytes]);
    record.release();
  }
  return 'HANG';
}

function trial(kind: 'spsc' | 'mpsc', fixture: Fixture, byte: number, bit: number): Outcome {
  const copy = new SharedArrayBuffer(fixture.buffer.byteLength);
  const bytes = new Uint8Array(copy);
  bytes.set(new Uint8Array(fixture.buffer));
  bytes[byte] = (bytes[byte] as number) ^ (1 << bit);
  let records: number[][] | 'HANG';
  try {
    records = readAll(kind, copy);
  } catch (error) {
    return LogbufError.isInstance(error) && error.code.startsWith('ERR_ANNAL_')
      ? 'coded error'
      : 'RAW ERROR';
  }
  if (records === 'HANG') return 'HANG';
  if (JSON.stringify(records) === JSON.stringify(fixture.expected)) return 'identical';
  return fixture.payloadBytes.has(byte) ? 'payload changed (undetectable)' : 'WRONG';
}

/** Seeded xorshift32, so a failure names a reproducible byte and bit. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

describe.each(['spsc', 'mpsc'] as const)('%s ring: one flipped bit', (kind) => {
  it(`reads back the records or throws a coded error${SOAK ? ' (every bit)' : ' (two bits a byte)'}`, () => {
    const fixture = makeFixture(kind);
    expect(readAll(kind, fixture.buffer.slice(0) as never)).toEqual(fixture.expected);
    const next = random(0x5eed);
    const counts = new Map<Outcome, number>();
    const failures: string[] = [];
    for (let byte = 0; byte < fixture.buffer.byteLength; byte++) {
      const bits = SOAK
        ? [0, 1, 2, 3, 4, 5, 6, 7]
        : [Math.floor(next() * 8), Math.floor(next() * 8)];
      for (const bit of bits) {
        const outcome = trial(kind, fixture, byte, bit);
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
        if (outcome === 'WRONG' || outcome === 'RAW ERROR' || outcome === 'HANG') {
          failures.push(`byte ${byte} bit ${bit}: ${outcome}`);
        }
      }
    }
    console.info(`${kind} bit flips: ${JSON.stringify(Object.fromEntries(counts))}`);
    expect(failures).toEqual([]);
    expect(counts.get('coded error') ?? 0).toBeGreaterThan(0);
  });
});
