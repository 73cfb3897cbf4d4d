import fc from 'fast-check';
import { expect } from 'vitest';
import { BACK_PRESSURED, EMPTY, type MpscRing, type SpscRing } from '@annal/logbuf';

/** A producer and a consumer object on one buffer, of either kind. */
export interface RingPair {
  readonly producer: SpscRing | MpscRing;
  readonly consumer: SpscRing | MpscRing;
}

interface Entry {
  /** null for an aborted claim (padding). */
  readonly payload: number[] | null;
  /** Bytes the claim moved the tail by (wrap padding included). */
  readonly required: number;
}

/**
 * The plain-array model: a FIFO of payloads plus the two positions, with the ring's space rule
 * (8-byte header, 8-byte alignment, padding to the end when a frame does not fit before it).
 */
export class RingModel {
  tail = 0;
  head = 0;
  readonly entries: Entry[] = [];
  /** Entries at the end committed with `commitDeferred()` (or aborted after one): not visible yet. */
  pending = 0;
  /**
   * @param capacity - bytes of the data area
   * @param defers - true when `commitDeferred()` defers (SPSC); false when it commits (MPSC)
   */
  constructor(
    readonly capacity: number,
    readonly defers = true,
  ) {}

  /** Bytes of the frame of a `length`-byte payload. */
  static frame(length: number): number {
    return (length + 8 + 7) & ~7;
  }

  /** What a claim of `length` would take, or -1 when the ring is full for it. */
  required(length: number): number {
    const frame = (length + 8 + 7) & ~7;
    const toEnd = this.capacity - (this.tail % this.capacity);
    const required = frame <= toEnd ? frame : toEnd + frame;
    return required <= this.capacity - (this.tail - this.head) ? required : -1;
  }

  /**
   * Adds a committed (or, for null, aborted) entry. `deferred`: committed with
   * `commitDeferred()`. An immediate commit publishes every pending entry before it; an abort
   * inside a deferred batch joins the batch.
   */
  push(payload: number[] | null, required: number, frame: number, deferred = false): void {
    if (required > frame) {
      // Wrap padding, written at claim time: visible at once unless a deferred batch is open.
      this.push(null, required - frame, required - frame);
      required = frame;
    }
    this.tail += required;
    this.entries.push({ payload, required });
    if (deferred && this.defers) this.pending++;
    else if (payload === null && this.pending > 0) this.pending++;
    else this.pending = 0;
  }

  /** A flush, or a claim refused with back-pressure: every pending entry becomes visible. */
  publish(): void {
    this.pending = 0;
  }

  /** Entries the consumer can see. */
  get visible(): number {
    return this.entries.length - this.pending;
  }

  /** Skips aborted entries at the front (as the consumer skips padding). */
  skipPadding(): void {
    while (this.visible > 0 && this.entries[0]!.payload === null) {
      this.head += this.entries.shift()!.required;
    }
  }

  pop(): number[] | undefined {
    this.skipPadding();
    if (this.visible === 0) return undefined;
    const entry = this.entries.shift()!;
    this.head += entry.required;
    return entry.payload!;
  }
}

function payloadOf(length: number, seed: number): number[] {
  return Array.from({ length }, (_, i) => (seed + i * 31) & 255);
}

type Command = fc.Command<RingModel, RingPair>;

class SendCommand implements Command {
  constructor(
    readonly length: number,
    readonly seed: number,
    readonly viaClaim: boolean,
    readonly deferred = false,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: RingModel, real: RingPair): void {
    const payload = payloadOf(this.length, this.seed);
    const required = model.required(this.length);
    if (this.viaClaim) {
      const claim = real.producer.tryClaim(this.length);
      expect(claim === BACK_PRESSURED).toBe(required < 0);
      if (claim === BACK_PRESSURED) {
        model.publish();
        return;
      }
      claim.buffer.set(payload, claim.offset);
      if (this.deferred) claim.commitDeferred();
      else expect(claim.commit()).toBe(true);
    } else {
      const result = real.producer.trySend(Uint8Array.from(payload));
      expect(result).toBe(required < 0 ? BACK_PRESSURED : this.length);
      if (required < 0) {
        model.publish();
        return;
      }
    }
    model.push(payload, required, RingModel.frame(this.length), this.deferred);
  }
  toString(): string {
    return `send(${this.length}${this.deferred ? ', deferred' : this.viaClaim ? ', claim' : ''})`;
  }
}

class AbortCommand implements Command {
  constructor(readonly length: number) {}
  check(): boolean {
    return true;
  }
  run(model: RingModel, real: RingPair): void {
    const required = model.required(this.length);
    const claim = real.producer.tryClaim(this.length);
    expect(claim === BACK_PRESSURED).toBe(required < 0);
    if (claim === BACK_PRESSURED) {
      model.publish();
      return;
    }
    claim.bytes.fill(0xab);
    claim.abort();
    model.push(null, required, RingModel.frame(this.length));
  }
  toString(): string {
    return `abort(${this.length})`;
  }
}

class ReadCommand implements Command {
  check(): boolean {
    return true;
  }
  run(model: RingModel, real: RingPair): void {
    const expected = model.pop();
    const record = real.consumer.tryRead();
    if (expected === undefined) {
      expect(record).toBe(EMPTY);
    } else {
      if (record === EMPTY) throw new Error(`EMPTY, expected ${expected.length} bytes`);
      expect([...record.bytes]).toEqual(expected);
      record.release();
    }
    expect(real.consumer.consumerPosition()).toBe(model.head);
  }
  toString(): string {
    return 'read';
  }
}

class PollCommand implements Command {
  constructor(
    readonly limit: number,
    readonly byBytes: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: RingModel, real: RingPair): void {
    const expected: number[][] = [];
    let bytes = 0;
    while (this.byBytes ? bytes < this.limit : expected.length < this.limit) {
      const next = model.pop();
      if (next === undefined) break;
      expected.push(next);
      bytes += next.length;
    }
    const seen: number[][] = [];
    const handler = (record: { bytes: Uint8Array }): void => {
      seen.push([...record.bytes]);
    };
    const count = this.byBytes
      ? real.consumer.pollBytes(handler, this.limit)
      : real.consumer.poll(handler, this.limit);
    expect(seen).toEqual(expected);
    expect(count).toBe(expected.length);
    expect(real.consumer.consumerPosition()).toBe(model.head);
  }
  toString(): string {
    return `${this.byBytes ? 'pollBytes' : 'poll'}(${this.limit})`;
  }
}

class FlushCommand implements Command {
  check(): boolean {
    return true;
  }
  run(model: RingModel, real: RingPair): void {
    expect(real.producer.flush()).toBe(model.defers && model.pending > 0);
    model.publish();
  }
  toString(): string {
    return 'flush';
  }
}

class ObserveCommand implements Command {
  check(): boolean {
    return true;
  }
  run(model: RingModel, real: RingPair): void {
    expect(real.producer.producerPosition()).toBe(model.tail);
    expect(real.producer.bytesAvailable()).toBe(model.tail - model.head);
    expect(real.consumer.recordsAvailable()).toBe(
      model.entries.slice(0, model.visible).filter((entry) => entry.payload !== null).length,
    );
  }
  toString(): string {
    return 'observe';
  }
}

/** fast-check commands over payloads from 0 to `maxPayloadBytes` bytes. */
export function ringCommands(maxPayloadBytes: number): fc.Arbitrary<Iterable<Command>> {
  const length = fc.oneof(
    fc.integer({ min: 0, max: maxPayloadBytes }),
    fc.constantFrom(0, maxPayloadBytes),
  );
  return fc.commands(
    [
      fc
        .tuple(length, fc.nat(255), fc.boolean())
        .map(([bytes, seed, viaClaim]) => new SendCommand(bytes, seed, viaClaim)),
      fc
        .tuple(length, fc.nat(255))
        .map(([bytes, seed]) => new SendCommand(bytes, seed, true, true)),
      fc.constant(new FlushCommand()),
      length.map((bytes) => new AbortCommand(bytes)),
      fc.constant(new ReadCommand()),
      fc
        .tuple(fc.integer({ min: 1, max: 8 }), fc.boolean())
        .map(([limit, byBytes]) => new PollCommand(byBytes ? limit * 16 : limit, byBytes)),
      fc.constant(new ObserveCommand()),
    ],
    { maxCommands: 300 },
  );
}
