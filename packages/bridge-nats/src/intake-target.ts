/**
 * What a consuming bridge appends into: a core queue or a wal topic behind one interface. The
 * bridge must be the only appender (the state file counts the records after a known index).
 *
 * @module
 */
import { join } from 'node:path';

import { Queue, type Appender } from '@annal/core';
import { BridgeConflictError, type SyncPolicy } from '@annal/native';
import { Wal } from '@annal/wal';

/** A local log a consuming bridge appends to. */
export interface IntakeTarget {
  /** For messages: `queue /path` or `wal /path topic t`. */
  readonly description: string;
  /** Where the state file goes (the log's directory). */
  readonly directory: string;
  /** True when the log syncs on a schedule (`'each'`, `{ everyMs }`): the state file is fdatasync'd too. */
  readonly durable: boolean;
  /** Index of the log's last record, -1 when empty. */
  lastIndex(): number;
  /**
   * Records after index `before` (-1: all), counting at most `max + 1`.
   * @throws ERR_ANNAL_BRIDGE_CONFLICT when the log has no record `before`
   */
  countAfter(before: number, max: number): number;
  /** Appends the payloads, resolving once as durable as the log's `sync` promises; the last index. */
  appendBatch(payloads: readonly Uint8Array[]): Promise<number>;
  /** Closes what the bridge opened. */
  close(): Promise<void>;
}

function syncs(policy: SyncPolicy): boolean {
  return policy !== 'none' && policy !== 'manual';
}

/** The path of the state file of `consumer` in `target`. */
export function statePath(target: IntakeTarget, consumer: string): string {
  return join(target.directory, `bridge-in.${consumer}.state`);
}

/** A core queue as an {@link IntakeTarget}. */
export class QueueTarget implements IntakeTarget {
  readonly description: string;
  readonly directory: string;
  readonly durable: boolean;
  readonly #queue: Queue;
  readonly #owned: boolean;
  readonly #appender: Appender;
  #last: number;

  constructor(queue: string | Queue) {
    this.#owned = typeof queue === 'string';
    this.#queue = typeof queue === 'string' ? Queue.open(queue) : queue;
    try {
      this.directory = this.#queue.directory;
      this.description = `queue ${this.directory}`;
      this.durable = syncs(this.#queue.options.sync);
      this.#last = this.#queue.describe().lastIndex ?? -1;
      this.#appender = this.#queue.appender();
    } catch (error) {
      if (this.#owned) this.#queue.close();
      throw error;
    }
  }

  lastIndex(): number {
    return this.#last;
  }

  countAfter(before: number, max: number): number {
    const reader = this.#queue.reader();
    try {
      if (before >= 0) {
        if (!reader.seek(before)) {
          throw new BridgeConflictError(
            `${this.description}: the bridge's state says record ${before} was the last before its batch, but the queue has no record ${before}: was it replaced, or appended to by another writer?`,
            { path: this.directory },
          );
        }
        reader.next();
      }
      let count = 0;
      while (count <= max && reader.next() !== undefined) count++;
      return count;
    } finally {
      reader.close();
    }
  }

  async appendBatch(payloads: readonly Uint8Array[]): Promise<number> {
    const appender = this.#appender;
    for (const payload of payloads) this.#last = appender.appendSync(payload);
    if (this.durable) await appender.sync();
    return this.#last;
  }

  close(): Promise<void> {
    this.#appender.close();
    if (this.#owned) this.#queue.close();
    return Promise.resolve();
  }
}

/** A wal topic as an {@link IntakeTarget}. */
export class WalTarget implements IntakeTarget {
  readonly description: string;
  readonly directory: string;
  readonly durable: boolean;
  readonly #wal: Wal;
  readonly #topic: string;
  readonly #owned: boolean;

  constructor(wal: string | Wal, topic: string) {
    this.#owned = typeof wal === 'string';
    this.#wal = typeof wal === 'string' ? Wal.open(wal) : wal;
    this.#topic = topic;
    this.directory = this.#wal.directory;
    this.description = `wal ${this.directory} topic ${topic}`;
    this.durable = syncs(this.#wal.options.sync);
  }

  lastIndex(): number {
    return this.#wal.lastIndex(this.#topic) ?? -1;
  }

  countAfter(before: number): number {
    const last = this.lastIndex();
    if (last < before) {
      throw new BridgeConflictError(
        `${this.description}: the bridge's state says record ${before} was the last before its batch, but the topic ends at ${last}: was it replaced?`,
        { path: this.directory },
      );
    }
    return last - before;
  }

  async appendBatch(payloads: readonly Uint8Array[]): Promise<number> {
    const indexes = await this.#wal.appendBatch(this.#topic, payloads);
    return indexes.at(-1) ?? this.lastIndex();
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#wal.close();
  }
}
