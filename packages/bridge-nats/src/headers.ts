/**
 * The headers every shipped message carries: who shipped it and which record it is (the
 * message id JetStream deduplicates by, and what the bridge reads back at start to know where
 * it stopped), plus what replay needs of an archive record.
 *
 * @module
 */
import { headers, type MsgHdrs } from '@nats-io/transport-node';

import type { ArchiveLabel } from './archive-layout.js';

/** The `origin` the bridge was given: which local log the message came from. */
export const ORIGIN_HEADER = 'Annal-Origin';
/** The record's index in its local log (decimal). */
export const INDEX_HEADER = 'Annal-Index';
/** Archive records: when the archiver recorded it, Unix time `seconds.nanoseconds` (9 digits). */
export const TIME_HEADER = 'Annal-Time';
/** Archive records: `message`, `stream`, `session`, `end` or `gap`. */
export const KIND_HEADER = 'Annal-Kind';
/** Archive records: the stream id within its session (a GAP: the messages dropped before it). */
export const STREAM_ID_HEADER = 'Annal-Stream-Id';
/** Archive MESSAGE records: `in` (received) or `out` (sent). */
export const DIRECTION_HEADER = 'Annal-Direction';

/** The message id of record `index` of `origin`: JetStream drops a second message with it. */
export function messageId(origin: string, index: number): string {
  return `${origin}:${index}`;
}

/** Headers of a plain record (a queue's or a wal topic's). */
export function recordHeaders(origin: string, index: number): MsgHdrs {
  const result = headers();
  result.set(ORIGIN_HEADER, origin);
  result.set(INDEX_HEADER, String(index));
  return result;
}

/** Headers of an archive record: the plain ones and its label. */
export function archiveHeaders(origin: string, index: number, label: ArchiveLabel): MsgHdrs {
  const result = recordHeaders(origin, index);
  if (label.kind === undefined) return result;
  result.set(KIND_HEADER, label.kind);
  result.set(STREAM_ID_HEADER, String(label.stream));
  result.set(TIME_HEADER, `${label.seconds}.${String(label.nanos).padStart(9, '0')}`);
  if (label.kind === 'message') result.set(DIRECTION_HEADER, label.direction);
  return result;
}

/** The index a message's headers give, or undefined when it has none (or not a valid one). */
export function indexOf(header: MsgHdrs | undefined): number | undefined {
  const text = header?.get(INDEX_HEADER) ?? '';
  if (!/^(0|[1-9][0-9]*)$/.test(text)) return undefined;
  const index = Number(text);
  return Number.isSafeInteger(index) ? index : undefined;
}
