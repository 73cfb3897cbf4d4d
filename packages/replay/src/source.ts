/**
 * The one interface every recorded stream is replayed through, whatever stores it.
 *
 * @module
 */
import { ClosedError, InvalidArgumentError } from '@annal/native';

import type { ReplayRecord } from './record.js';

/**
 * A recorded stream, read once from its start (or the index it was opened at) to its end.
 * Adapters: {@link fromArray}; `fromQueue` (`@annal/replay/core`); `fromTopic` and
 * `fromEventLog` (`@annal/replay/wal`); {@link merge} of several.
 *
 * A source must be deterministic: opened over the same recording it returns the same records in
 * the same order. That is all a replay's determinism rests on.
 *
 * @typeParam R - the records it returns
 */
export interface Source<R extends ReplayRecord = ReplayRecord> {
  /** Names the stream in records, filters and error messages. */
  readonly name: string;
  /**
   * The next record, or `undefined` at the end of the recording. The object returned may be
   * reused by the next call.
   * @throws ERR_ANNAL_CORRUPT when the recording is damaged at the next record (never a
   *   skipped or altered record)
   */
  next(): R | undefined;
  /** Releases what the source holds (readers, not the queue or wal it reads). Idempotent. */
  close(): void;
}

/** What a replay of `S` delivers. */
export type RecordOf<S> = S extends Source<infer R> ? R : never;

/**
 * Refuses what is not a {@link Source}, at the edge of every function that takes one.
 * @param where - the function, for the message; `field` - the argument (`source`, `sources[2]`)
 * @throws ERR_ANNAL_INVALID_ARGUMENT naming `field`
 */
export function checkSource(
  source: unknown,
  where: string,
  field: string,
): asserts source is Source {
  const candidate = source as Partial<Source> | null | undefined;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.name !== 'string' ||
    typeof candidate.next !== 'function' ||
    typeof candidate.close !== 'function'
  ) {
    throw new InvalidArgumentError(
      `${where}: ${field} must be a Source (an object with a name, next() and close(); see fromArray, fromQueue, fromTopic, fromEventLog, merge)`,
      { field },
    );
  }
}

/** Sources a replay, merge or eventsOf has taken: each reads its source once, to its end. */
const taken = new WeakSet<Source>();

/**
 * {@link checkSource}, then takes `source` for one reader: a source is a cursor, read once, so a
 * second replay of the same source would silently deliver nothing (or the rest of what the first
 * left). Refused instead.
 * @throws ERR_ANNAL_INVALID_ARGUMENT for what is not a source; ERR_ANNAL_CLOSED for a source
 *   already taken
 */
export function takeSource(
  source: unknown,
  where: string,
  field: string,
): asserts source is Source {
  checkSource(source, where, field);
  if (taken.has(source)) {
    throw new ClosedError(
      `${where}: ${field} (stream "${source.name}") was already read by a replay, merge or eventsOf; a source is read once: open a new one for each replay`,
      { field },
    );
  }
  taken.add(source);
}
