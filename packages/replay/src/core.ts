/**
 * `@annal/replay/core`: an `@annal/core` queue as a replay {@link Source}, zero-copy.
 *
 * @module
 */
import { basename } from 'node:path';

import type { Queue, QueueRecord, Reader } from '@annal/core';
import { NotFoundError } from '@annal/native';

import { MutableBytesRecord, type BytesRecord } from './record.js';
import { checkIndexOption } from './index-option.js';
import type { Source } from './source.js';

/** Options of {@link fromQueue}. */
export interface QueueSourceOptions {
  /** The stream's name. Default the queue directory's base name. */
  readonly name?: string;
  /** The index of the first record to replay. Default the first record kept. */
  readonly from?: number;
  /** The index of the last record to replay (inclusive). Default the last one there is. */
  readonly to?: number;
  /**
   * Each record's timestamp, Unix ms, read from its bytes (core records carry no time of their
   * own: a recorder writes one into each record, e.g. an f64 in its first 8 bytes). Called during
   * the read, with the reader's record. Default none (`NaN`: the virtual clock does not move,
   * and the source cannot be merged).
   */
  readonly timestamp?: (record: QueueRecord) => number;
  /** Each record's type, for `types` filters. Default `''`. */
  readonly type?: (record: QueueRecord) => string;
}

/**
 * The records of `queue`, in index order, as {@link BytesRecord}s over the mapped file: nothing
 * is copied and nothing allocated per record (`record.value` makes a view; `buffer`, `offset`
 * and `length` do not). A record's bytes stay valid while the queue is open.
 *
 * The source reads through its own unnamed reader (closed with the source); the queue stays
 * open. It ends at the last record there is when `next()` finds no more (records appended later
 * are not waited for) or after `to`.
 *
 * @example
 * ```ts
 * import { Queue } from '@annal/core';
 * import { replay } from '@annal/replay';
 * import { fromQueue } from '@annal/replay/core';
 *
 * const queue = Queue.open('./recorded', { readOnly: true });
 * await replay(fromQueue(queue, { timestamp: (r) => new DataView(r.buffer.buffer).getFloat64(r.buffer.byteOffset + r.offset, true) }), handle);
 * queue.close();
 * ```
 * @throws ERR_ANNAL_INVALID_ARGUMENT for a bad `from`/`to`; ERR_ANNAL_NOT_FOUND when `from`
 *   is not a record of the queue (older than the oldest kept, or past the last); the source's `next()` throws ERR_ANNAL_CORRUPT at a damaged record
 */
export function fromQueue(queue: Queue, options: QueueSourceOptions = {}): Source<BytesRecord> {
  const { from, to, timestamp, type } = options;
  checkIndexOption('fromQueue', from, 'from');
  checkIndexOption('fromQueue', to, 'to');
  const name = options.name ?? basename(queue.directory);
  const reader = queue.reader();
  if (from !== undefined && !reader.seek(from)) {
    reader.close();
    throw new NotFoundError(`fromQueue: ${queue.directory} has no record ${from} (from)`, {
      field: 'from',
      path: queue.directory,
    });
  }
  const last = to ?? Number.POSITIVE_INFINITY;
  return timestamp === undefined && type === undefined
    ? new QueueSource(name, reader, last)
    : new StampedQueueSource(name, reader, last, timestamp, type);
}

/**
 * The common case, no timestamp or type function: a record costs the reader's `next()`, one
 * comparison and four stores into the reused record. One method, no helper: a replay's loop gets
 * this inlined, with the reader's own `next()`, only while the inlined code stays small.
 */
class QueueSource implements Source<BytesRecord> {
  readonly name: string;
  protected readonly reader: Reader;
  protected readonly record: MutableBytesRecord;
  /** The last index to return (`to`, or +Infinity). */
  protected readonly last: number;
  protected ended = false;

  constructor(name: string, reader: Reader, last: number) {
    this.name = name;
    this.reader = reader;
    this.record = new MutableBytesRecord(name);
    this.last = last;
  }

  next(): BytesRecord | undefined {
    if (this.ended) return undefined;
    const next = this.reader.next();
    if (next === undefined || next.index > this.last) {
      this.ended = true;
      return undefined;
    }
    const record = this.record;
    record.index = next.index;
    record.buffer = next.buffer;
    record.offset = next.offset;
    record.length = next.length;
    return record;
  }

  close(): void {
    this.ended = true;
    this.reader.close();
  }
}

/** A queue whose records' timestamps or types are read from their bytes. */
class StampedQueueSource extends QueueSource {
  readonly #timestamp: ((record: QueueRecord) => number) | undefined;
  readonly #type: ((record: QueueRecord) => string) | undefined;

  constructor(
    name: string,
    reader: Reader,
    last: number,
    timestamp: ((record: QueueRecord) => number) | undefined,
    type: ((record: QueueRecord) => string) | undefined,
  ) {
    super(name, reader, last);
    this.#timestamp = timestamp;
    this.#type = type;
  }

  override next(): BytesRecord | undefined {
    if (this.ended) return undefined;
    const next = this.reader.next();
    if (next === undefined || next.index > this.last) {
      this.ended = true;
      return undefined;
    }
    const record = this.record;
    record.index = next.index;
    record.buffer = next.buffer;
    record.offset = next.offset;
    record.length = next.length;
    if (this.#timestamp !== undefined) record.timestamp = this.#timestamp(next);
    if (this.#type !== undefined) record.type = this.#type(next);
    return record;
  }
}
