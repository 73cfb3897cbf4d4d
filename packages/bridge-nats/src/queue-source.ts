/**
 * A core queue (or an archiver recording, which is one) as a {@link ShipSource}.
 *
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';

import {
  APPENDER_LOCK_FILE,
  CYCLE_FILE_EXTENSION,
  METADATA_FILE_NAME,
  Queue,
  READER_LOCK_DIRECTORY,
  READER_POSITIONS_FILE_NAME,
  type Reader,
} from '@annal/core';
import { AnnalError, BridgeConflictError, NotFoundError } from '@annal/native';

import type { ShipRecord, ShipSource } from './ship-source.js';

class QueueShipRecord implements ShipRecord {
  index = 0;
  payload: Uint8Array = new Uint8Array(0);
}

/** Ships the records of a core queue. */
export class QueueSource implements ShipSource {
  readonly description: string;
  readonly #queue: Queue;
  readonly #owned: boolean;
  readonly #reading: Reader;
  readonly #named: Reader;
  readonly #record = new QueueShipRecord();

  private constructor(queue: Queue, owned: boolean, readerName: string) {
    this.#queue = queue;
    this.#owned = owned;
    this.description = `queue ${queue.directory}`;
    this.#named = queue.reader({ name: readerName });
    try {
      this.#reading = queue.reader();
    } catch (error) {
      this.#named.close();
      throw error;
    }
  }

  /** Opens the queue at `directory` (which must exist), or uses `queue` as it is. */
  static open(queue: string | Queue, readerName: string): QueueSource {
    if (typeof queue !== 'string') return new QueueSource(queue, false, readerName);
    if (!existsSync(queue)) {
      throw new NotFoundError(`queue ${queue} does not exist: nothing to ship`, { path: queue });
    }
    // Opening would make a queue of any directory (a typo, a parent directory): the bridge
    // would write its named reader there and ship nothing, without a word.
    if (!isQueueDirectory(queue)) {
      throw new NotFoundError(
        `${queue} is not a queue (it holds files, none of a queue's: ${METADATA_FILE_NAME}, *${CYCLE_FILE_EXTENSION}): nothing to ship`,
        { path: queue },
      );
    }
    const opened = Queue.open(queue);
    try {
      return new QueueSource(opened, true, readerName);
    } catch (error) {
      opened.close();
      throw error;
    }
  }

  resumeAfter(last: number | undefined): void {
    const reader = this.#reading;
    if (last === undefined) {
      // Nothing of this origin in the stream: start where the named reader is (the start of
      // the queue for a new one; further on when the user moved it to skip old records).
      if (!reader.seek(this.#named.index)) reader.toStart();
    } else if (reader.seek(last)) reader.next();
    else this.#walkPast(last);
  }

  /** `last` is not in the queue: its cycle was deleted (go on after it) or never existed. */
  #walkPast(last: number): void {
    const reader = this.#reading.toStart();
    let seen: number | undefined;
    for (let record = reader.peek(); record !== undefined; record = reader.peek()) {
      if (record.index > last) return;
      seen = record.index;
      reader.next();
    }
    throw new BridgeConflictError(
      `${this.description}: the stream holds record ${last} of this origin, but the queue ends at ${seen ?? '(empty)'}: is the origin another queue's?`,
      { path: this.#queue.directory, field: 'origin' },
    );
  }

  next(): ShipRecord | undefined {
    const record = this.#reading.next();
    if (record === undefined) return undefined;
    const shipped = this.#record;
    shipped.index = record.index;
    shipped.payload = record.copy();
    return shipped;
  }

  hasNext(): boolean {
    return this.#reading.peek() !== undefined;
  }

  async wait(signal: AbortSignal): Promise<void> {
    try {
      await this.#reading.waitNext({ signal });
    } catch (error) {
      if (!(AnnalError.isInstance(error) && error.code === 'ERR_ANNAL_ABORTED')) throw error;
    }
  }

  acknowledged(index: number): void {
    const named = this.#named;
    if (named.index > index) return;
    // An index lookup and a short scan, rather than reading (and checking) every record again.
    if (named.seek(index)) named.next();
    else while (named.index <= index && named.next() !== undefined);
  }

  unread(): number {
    const from = this.#reading.index;
    let count = 0;
    for (const cycle of this.#queue.describe().cycles) {
      if (cycle.firstIndex === undefined || cycle.lastIndex === undefined) continue;
      if (cycle.lastIndex < from) continue;
      count += cycle.firstIndex >= from ? cycle.records : cycle.lastIndex - from + 1;
    }
    return count;
  }

  close(): Promise<void> {
    this.#reading.close();
    this.#named.close();
    if (this.#owned) this.#queue.close();
    return Promise.resolve();
  }
}

/**
 * False when `directory` holds files and none of a queue's: an empty directory is what a queue
 * opened and not appended to yet looks like.
 */
function isQueueDirectory(directory: string): boolean {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    // Not a readable directory: Queue.open says why, with its code.
    return true;
  }
  return (
    names.length === 0 ||
    names.some((name) => QUEUE_FILE_NAMES.includes(name) || name.endsWith(CYCLE_FILE_EXTENSION))
  );
}

const QUEUE_FILE_NAMES: readonly string[] = [
  METADATA_FILE_NAME,
  READER_POSITIONS_FILE_NAME,
  READER_LOCK_DIRECTORY,
  APPENDER_LOCK_FILE,
];
