/**
 * `@annal/replay/core`: an `@annal/core` queue as a replay {@link Source}, zero-copy.
 *
 * @module
 */
import { basename } from 'node:path';

import type { Queue, QueueRecord } from '@annal/core';
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
  const record = new MutableBytesRecord(name);
  const last = to ?? Number.POSITIVE_INFINITY;
  let ended = false;
  /** The reader's next record within `to`, or undefined (then the source has ended). */
  const read = (): QueueRecord | undefined => {
    if (ended) return undefined;
    const next = reader.next();
    if (next === undefined || next.index > last) {
      ended = true;
      return undefined;
    }
    record.fill(next.index, next.buffer, next.offset, next.length);
    return next;
  };
  // Without timestamp and type functions the record's stay NaN and '': the common case reads
  // nothing more per record (this loop is what a replay of bytes costs over the raw reader).
  const next =
    timestamp === undefined && type === undefined
      ? (): BytesRecord | undefined => (read() === undefined ? undefined : record)
      : (): BytesRecord | undefined => {
          const at = read();
          if (at === undefined) return undefined;
          if (timestamp !== undefined) record.timestamp = timestamp(at);
          if (type !== undefined) record.type = type(at);
          return record;
        };
  return {
    name,
    next,
    close() {
      ended = true;
      reader.close();
    },
  };
}
