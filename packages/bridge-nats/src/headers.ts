/**
 * The headers a shipped message carries: its identity, `Nats-Msg-Id: origin:index` (what
 * JetStream deduplicates by, and what the bridge reads back at start to know where it stopped),
 * plus, for an archive record, what replay needs. A plain record carries no other header: each
 * one costs the publisher time.
 *
 * @module
 */
import type { RecordHeader } from '@annal/archiver';
import { headers, type MsgHdrs } from '@nats-io/transport-node';

/** JetStream's message id header: `origin:index`, the record's identity. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';
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

/** Headers of an archive record: its label (the message id is set apart). */
export function archiveHeaders(label: RecordHeader): MsgHdrs {
  const result = headers();
  result.set(KIND_HEADER, label.kind);
  result.set(STREAM_ID_HEADER, String(label.stream));
  result.set(TIME_HEADER, `${label.seconds}.${String(label.nanos).padStart(9, '0')}`);
  if (label.kind === 'message') result.set(DIRECTION_HEADER, label.direction);
  return result;
}

/** What a message id says: which log, which record. */
export interface MessageIdentity {
  /** The bridge's `origin`: which local log. */
  readonly origin: string;
  /** The record's index in that log. */
  readonly index: number;
}

/**
 * The origin and index of a message id `origin:index`, or undefined when it is not one (the
 * origin holds no colon, the index is a decimal safe integer).
 */
export function parseMessageId(id: string | undefined): MessageIdentity | undefined {
  // Anything may be in a header another publisher set, or be passed from JavaScript.
  if (typeof id !== 'string') return undefined;
  const colon = id.indexOf(':');
  const text = id.slice(colon + 1);
  if (colon <= 0 || !/^(0|[1-9][0-9]*)$/.test(text)) return undefined;
  const index = Number(text);
  return Number.isSafeInteger(index) ? { origin: id.slice(0, colon), index } : undefined;
}
