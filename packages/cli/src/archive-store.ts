/**
 * A queue that `@annal/archiver` wrote, as `annal` reads it: the queue adapter for everything at
 * the queue level (`verify`, `export`, `stats`, raw records), plus the archive's streams in `ls`
 * and its messages (stream, direction, time, body) for `dump` and `tail`, read through
 * `openRecording`.
 *
 * @module
 */
import { setTimeout as delay } from 'node:timers/promises';

import {
  openRecording,
  isArchiveStart,
  type ArchivedMessage,
  type Direction,
  type MessageFilter,
  type Recording,
  type RecordingSummary,
} from '@annal/archiver';
import type { Queue } from '@annal/core';
import { CorruptError } from '@annal/native';

import type { Listing, OpenedStore, Selection } from './opened-store.js';
import { counted, time } from './units.js';

/** While following, how long to wait before looking for new messages again. */
const FOLLOW_POLL_MS = 100;

/**
 * Whether `queue`'s first record is an archive's SESSION record. Reads that one record only; a
 * queue whose first record cannot be read is a queue (its damage is `ls`'s and `verify`'s to show).
 */
export function startsAnArchive(queue: Queue): boolean {
  const reader = queue.reader();
  try {
    const record = reader.next();
    return record !== undefined && isArchiveStart(record.buffer, record.offset, record.length);
  } catch {
    return false;
  } finally {
    reader.close();
  }
}

/** Which messages `dump` and `tail` show: `--stream` and `--direction`. */
export interface MessageSelection extends Selection {
  readonly stream?: string | undefined;
  readonly direction?: Direction | undefined;
}

/** One archived message as the commands show it; `body` is valid during the visit only. */
export interface ShownMessage {
  readonly index: number;
  readonly session: number;
  readonly stream: string;
  readonly streamId: number;
  readonly direction: Direction;
  /** Sent as text (a WebSocket text frame, FIX), else binary. */
  readonly text: boolean;
  readonly seconds: number;
  readonly nanos: number;
  /** Unix ms (fractional). */
  readonly timestamp: number;
  /** Messages the archiver dropped just before this one (a GAP record). */
  readonly droppedBefore: number;
  readonly body: Uint8Array;
}

/** Called for each message; may wait (for a slow stdout). */
export type VisitMessage = (message: ShownMessage) => void | Promise<void>;

/** What an archive adds to a queue's {@link OpenedStore}. */
export interface ArchiveReading {
  /** Visits the selected messages in index order; resolves with how many. */
  messages(selection: MessageSelection, visit: VisitMessage): Promise<number>;
  /**
   * Visits the last `count` selected messages, then (with `signal`) every message appended
   * after them until `signal` aborts.
   */
  tail(
    selection: MessageSelection,
    count: number,
    signal: AbortSignal | undefined,
    visit: VisitMessage,
  ): Promise<void>;
}

/** An opened store that is an archive. */
export interface OpenedArchive extends OpenedStore {
  readonly archive: ArchiveReading;
}

/** The archive in `queueStore`'s directory: the queue's adapter, and the archive's reading. */
export function openArchiveStore(queueStore: OpenedStore): OpenedArchive {
  const recording = openRecording(queueStore.store.path);
  return {
    ...queueStore,
    list: (): Listing => archiveListing(queueStore.list(), recording),
    archive: {
      async messages(selection, visit) {
        const limit = selection.limit ?? Number.POSITIVE_INFINITY;
        let count = 0;
        for (const message of recording.messages(filterOf(selection))) {
          if (count >= limit) break;
          if (selection.from !== undefined && message.index < selection.from) continue;
          if (selection.to !== undefined && message.index > selection.to) break;
          await visit(shown(message, message.value));
          count++;
        }
        return count;
      },
      async tail(selection, count, signal, visit) {
        const source = recording.source(filterOf(selection));
        try {
          // The last `count`, kept as copies: the message object is reused for the next one.
          const last: ShownMessage[] = [];
          for (let message = source.next(); message !== undefined; message = source.next()) {
            if (count === 0) continue;
            if (last.length === count) last.shift();
            last.push(shown(message, message.copy()));
          }
          for (const message of last) await visit(message);
          if (signal === undefined) return;
          // The archive's reader gives what was appended since it reached the end; it has no
          // wake-up of its own, so look again after a short wait.
          while (!signal.aborted) {
            const message = source.next();
            if (message !== undefined) {
              await visit(shown(message, message.value));
              continue;
            }
            try {
              await delay(FOLLOW_POLL_MS, undefined, { signal });
            } catch {
              return; // aborted
            }
          }
        } finally {
          source.close();
        }
      },
    },
    async close() {
      recording.close();
      await queueStore.close();
    },
  };
}

function filterOf(selection: MessageSelection): MessageFilter {
  return {
    ...(selection.stream === undefined ? {} : { stream: selection.stream }),
    ...(selection.direction === undefined ? {} : { direction: selection.direction }),
  };
}

function shown(message: ArchivedMessage, body: Uint8Array): ShownMessage {
  return {
    index: message.index,
    session: message.session,
    stream: message.stream,
    streamId: message.streamId,
    direction: message.direction,
    text: message.text,
    seconds: message.seconds,
    nanos: message.nanos,
    timestamp: message.timestamp,
    droppedBefore: message.droppedBefore,
    body,
  };
}

/** The queue's listing, with the archive's sessions, streams and drops after it. */
function archiveListing(queue: Listing, recording: Recording): Listing {
  let summary: RecordingSummary;
  try {
    summary = recording.summary();
  } catch (error) {
    if (!CorruptError.isInstance(error)) throw error;
    // The queue's part still helps; `verify` and `dump` say more about the damage.
    return {
      json: { ...(queue.json as object), kind: 'archive', archiveProblem: error.message },
      lines: [...queue.lines, `  archive damaged: ${error.message}`],
    };
  }
  const streams = summary.streams.map((stream) => ({
    session: stream.session,
    id: stream.id,
    name: stream.name,
    protocol: stream.protocol,
    description: stream.description,
    messagesIn: stream.messagesIn,
    messagesOut: stream.messagesOut,
    declaredAt: stream.declaredAt,
    endedAt: stream.endedAt ?? null,
  }));
  const [first = '', ...rest] = queue.lines;
  const lines = [
    first.replace(/^queue /, 'archive '),
    ...rest,
    `  archive: ${counted(summary.sessions, 'session')}, ${counted(summary.messages, 'message')}, ${summary.dropped} dropped`,
    summary.streams.length === 0 ? '  no streams' : '  streams:',
    ...summary.streams.map(
      (stream) =>
        `    session ${stream.session}  #${stream.id}  ${stream.name}  ${stream.protocol === '' ? '-' : stream.protocol}  in ${stream.messagesIn}  out ${stream.messagesOut}  declared ${time(stream.declaredAt)}  ${stream.endedAt === undefined ? 'open' : `ended ${time(stream.endedAt)}`}`,
    ),
  ];
  return {
    json: {
      ...(queue.json as object),
      kind: 'archive',
      sessions: summary.sessions,
      messages: summary.messages,
      dropped: summary.dropped,
      streams,
    },
    lines,
  };
}

/** `seconds` and `nanos` as an ISO 8601 UTC time to the microsecond. */
export function microsecondTime(seconds: number, nanos: number): string {
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
}
