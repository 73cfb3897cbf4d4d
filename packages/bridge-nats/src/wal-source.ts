/**
 * A wal topic as a {@link ShipSource}.
 *
 * @module
 */
import { BridgeConflictError } from '@annal/native';
import { Wal, type WalReader, type WalRecord } from '@annal/wal';

import type { ShipRecord, ShipSource } from './ship-source.js';

/** Ships the records of one wal topic. */
export class WalSource implements ShipSource {
  readonly description: string;
  readonly #wal: Wal;
  readonly #topic: string;
  readonly #owned: boolean;
  readonly #reading: WalReader;
  readonly #named: WalReader;
  /** A record a wait took from the follow iterator, for next() to hand out first. */
  #held: WalRecord | undefined;
  #follower: AsyncIterator<WalRecord> | undefined;

  private constructor(wal: Wal, topic: string, owned: boolean, readerName: string) {
    this.#wal = wal;
    this.#topic = topic;
    this.#owned = owned;
    this.description = `wal ${wal.directory} topic ${topic}`;
    this.#named = wal.reader(topic, { name: readerName });
    this.#reading = wal.reader(topic);
  }

  /** Opens the wal at `directory` (this process then owns it), or uses `wal` as it is. */
  static open(wal: string | Wal, topic: string, readerName: string): WalSource {
    if (typeof wal !== 'string') return new WalSource(wal, topic, false, readerName);
    const opened = Wal.open(wal);
    try {
      return new WalSource(opened, topic, true, readerName);
    } catch (error) {
      opened.closeSync();
      throw error;
    }
  }

  resumeAfter(last: number | undefined): void {
    this.#held = undefined;
    const reader = this.#reading;
    const end = this.#wal.lastIndex(this.#topic);
    if (last !== undefined && (end === undefined || end < last)) {
      throw new BridgeConflictError(
        `${this.description}: the stream holds record ${last} of this origin, but the topic ends at ${end ?? '(empty)'}: is the origin another topic's?`,
        { path: this.#wal.directory, field: 'origin' },
      );
    }
    // The stream decides; the named reader only when the stream has nothing of this origin.
    const from = last === undefined ? this.#named.index : last + 1;
    // Past the topic's oldest record kept (retention deleted older ones) when `from` is gone.
    if (!reader.seek(from)) reader.toStart();
  }

  next(): ShipRecord | undefined {
    const held = this.#held;
    if (held !== undefined) {
      this.#held = undefined;
      return held;
    }
    return this.#reading.next();
  }

  hasNext(): boolean {
    return this.#held !== undefined || this.#reading.peek() !== undefined;
  }

  async wait(signal: AbortSignal): Promise<void> {
    if (this.#held !== undefined || signal.aborted) return;
    // follow() wakes on the topic's appends; what it yields is the next record, kept for next().
    this.#follower ??= this.#reading.follow({ signal });
    const step = await this.#follower.next();
    if (step.done === true) return;
    this.#held = step.value;
  }

  acknowledged(index: number): void {
    const named = this.#named;
    if (named.index <= index) named.seek(index + 1);
  }

  unread(): number {
    const end = this.#wal.lastIndex(this.#topic);
    if (end === undefined) return 0;
    return Math.max(0, end + 1 - this.#reading.index) + (this.#held === undefined ? 0 : 1);
  }

  async close(): Promise<void> {
    this.#reading.close();
    this.#named.close();
    if (this.#owned) await this.#wal.close();
  }
}
