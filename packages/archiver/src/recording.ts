/**
 * Reading an archive back: its streams, and its messages as a zero-copy, timestamped stream of
 * both directions, also as an `@annal/replay` source.
 *
 * @module
 */
import { basename } from 'node:path';

import { Queue, type QueueRecord, type Reader } from '@annal/core';
import {
  CorruptError,
  InvalidArgumentError,
  InvalidOptionError,
  NotFoundError,
} from '@annal/native';

import { toMs } from './clock.js';
import { ArchivedMessage } from './archived-message.js';
import type { Direction } from './archive-stream.js';
import {
  FLAG_OUT,
  FLAG_TEXT,
  KIND_END,
  KIND_GAP,
  KIND_MESSAGE,
  KIND_SESSION,
  KIND_STREAM,
  RECORD_FORMAT,
  RECORD_HEADER_BYTES,
  flagsAt,
  formatAt,
  kindAt,
  nanosAt,
  secondsAt,
  streamAt,
} from './layout.js';

const decoder = new TextDecoder();

/** A stream as its STREAM record declared it, with what the archive holds of it. */
export interface RecordedStream {
  /** Its id within its session. */
  readonly id: number;
  /** The session (1, 2, …: each `Archiver.open` on the directory starts one) it belongs to. */
  readonly session: number;
  /** Its name, as given to `archiver.stream(name)` (names need not be unique). */
  readonly name: string;
  /** What it carries (`'ws'`, `'fix'`, or the caller's word), as declared; `''` when not given. */
  readonly protocol: string;
  /** Free text declared with it (a URL, a FIX session's CompIDs); `''` when not given. */
  readonly description: string;
  /** When it was declared, Unix ms. */
  readonly declaredAt: number;
  /** When it ended (`stream.end()`, a closed socket), Unix ms; undefined if it never did. */
  readonly endedAt: number | undefined;
  /** Its messages received (direction `'in'`) in the archive. */
  readonly messagesIn: number;
  /** Its messages sent (direction `'out'`) in the archive. */
  readonly messagesOut: number;
}

/** What {@link Recording.summary} counts. */
export interface RecordingSummary {
  /** Times an archiver opened the directory. */
  readonly sessions: number;
  /** Every stream declared, in order. */
  readonly streams: RecordedStream[];
  /** Messages, both directions, every stream. */
  readonly messages: number;
  /** Messages the archivers dropped (ring or backlog full, too large), from the GAP records. */
  readonly dropped: number;
}

/** Which messages {@link Recording.messages} and {@link Recording.source} give. */
export interface MessageFilter {
  /** Only the streams of this name (in every session). Default all. */
  readonly stream?: string;
  /** Only this direction. Default both. */
  readonly direction?: Direction;
  /** Only the streams of this session (1, 2, …). Default all. */
  readonly session?: number;
}

/** A replay source over an archive: `@annal/replay`'s `Source<BytesRecord>`, structurally. */
export interface RecordingSource {
  /** The source's name: the stream filtered on, else the archive directory's base name. */
  readonly name: string;
  /**
   * The next message (the same reused {@link ArchivedMessage} each time), or undefined at the
   * end of what the archive holds or after {@link close}.
   */
  next(): ArchivedMessage | undefined;
  /** Releases the source's reader. Idempotent. */
  close(): void;
}

/**
 * An archive opened for reading. Opening maps the queue read-only; a running archiver may go on
 * appending (iterations see what was there when they reached the end).
 */
export class Recording {
  /** The archive's directory, as given. */
  readonly directory: string;
  readonly #queue: Queue;
  readonly #readers = new Set<Reader>();

  /** @internal */
  constructor(directory: string, queue: Queue) {
    this.directory = directory;
    this.#queue = queue;
  }

  /**
   * Every stream the archive declares, in order, with its message counts (one pass over the
   * archive, reading only headers).
   * @throws ERR_ANNAL_CORRUPT at a damaged record or one that is not an archive record
   */
  streams(): RecordedStream[] {
    return this.summary().streams;
  }

  /**
   * What the archive holds, counted in one pass over its headers: sessions, streams, messages,
   * and the messages the archiver dropped (its GAP records, including any after the last message).
   * @throws ERR_ANNAL_CORRUPT at a damaged record or one that is not an archive record
   */
  summary(): RecordingSummary {
    const walk = new ArchiveWalk(this);
    const reader = this.#reader();
    let messages = 0;
    try {
      for (let record = reader.next(); record !== undefined; record = reader.next()) {
        if (walk.step(record)) messages++;
      }
    } finally {
      this.#release(reader);
    }
    return {
      sessions: walk.sessions,
      streams: walk.all.map((stream) => ({ ...stream })),
      messages,
      dropped: walk.droppedTotal,
    };
  }

  /**
   * The messages, in the order they were recorded (both directions, all streams interleaved, as
   * the traffic thread called `record()`), filtered.
   * @throws ERR_ANNAL_CORRUPT (during the iteration) at a damaged record, never skipping it
   */
  *messages(filter: MessageFilter = {}): Generator<ArchivedMessage, void, undefined> {
    const source = this.source(filter);
    try {
      for (let message = source.next(); message !== undefined; message = source.next()) {
        yield message;
      }
    } finally {
      source.close();
    }
  }

  /**
   * The messages as an `@annal/replay` source (`replay(recording.source(), handler)`), named
   * for the archive (or the stream filtered on). Each source reads once, through its own reader.
   */
  source(filter: MessageFilter = {}): RecordingSource {
    checkFilter(filter);
    const walk = new ArchiveWalk(this);
    const reader = this.#reader();
    const message = new ArchivedMessage();
    const { stream, direction, session } = filter;
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      this.#release(reader);
    };
    return {
      name: stream ?? basename(this.directory),
      next: (): ArchivedMessage | undefined => {
        if (!open) return undefined;
        for (let record = reader.next(); record !== undefined; record = reader.next()) {
          if (!walk.step(record)) continue;
          const current = walk.current;
          if (stream !== undefined && current.name !== stream) continue;
          if (session !== undefined && current.session !== session) continue;
          const out = (flagsAt(record.buffer, record.offset) & FLAG_OUT) !== 0;
          if (direction !== undefined && (direction === 'out') !== out) continue;
          walk.fill(message, record);
          return message;
        }
        return undefined;
      },
      close,
    };
  }

  /** Closes the queue. Idempotent. */
  close(): void {
    for (const reader of this.#readers) reader.close();
    this.#readers.clear();
    this.#queue.close();
  }

  /** Same as {@link close}, so `using` closes the recording at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  #reader(): Reader {
    const reader = this.#queue.reader();
    this.#readers.add(reader);
    return reader;
  }

  #release(reader: Reader): void {
    if (this.#readers.delete(reader)) reader.close();
  }
}

interface MutableStream {
  id: number;
  session: number;
  name: string;
  protocol: string;
  description: string;
  declaredAt: number;
  endedAt: number | undefined;
  messagesIn: number;
  messagesOut: number;
}

/** Follows sessions, declarations and gaps along the records; the state every reading shares. */
class ArchiveWalk {
  readonly all: MutableStream[] = [];
  #byId = new Map<number, MutableStream>();
  #session = 0;
  #dropped = 0;
  /** Every drop the GAP records report, attributed to a message or not. */
  droppedTotal = 0;
  current!: MutableStream;
  readonly #recording: Recording;

  /** Sessions seen so far. */
  get sessions(): number {
    return this.#session;
  }

  constructor(recording: Recording) {
    this.#recording = recording;
  }

  /** Takes one record; true when it is a message (then `current` is its stream). */
  step(record: QueueRecord): boolean {
    const bytes = record.buffer;
    const at = record.offset;
    if (record.length < RECORD_HEADER_BYTES || formatAt(bytes, at) !== RECORD_FORMAT) {
      throw this.#corrupt(
        record,
        record.length < RECORD_HEADER_BYTES
          ? `it has ${record.length} bytes, less than a ${RECORD_HEADER_BYTES}-byte header`
          : `its format byte is ${formatAt(bytes, at)}, not ${RECORD_FORMAT}`,
      );
    }
    const kind = kindAt(bytes, at);
    if (kind === KIND_MESSAGE) {
      const stream = this.#byId.get(streamAt(bytes, at));
      if (stream === undefined)
        throw this.#corrupt(
          record,
          `it is a message of stream ${streamAt(bytes, at)}, which no STREAM record declared in its session`,
        );
      if ((flagsAt(bytes, at) & FLAG_OUT) !== 0) stream.messagesOut++;
      else stream.messagesIn++;
      this.current = stream;
      return true;
    }
    const time = toMs(secondsAt(bytes, at), nanosAt(bytes, at));
    if (kind === KIND_STREAM) {
      const declared = this.#declaration(record);
      const stream: MutableStream = {
        id: streamAt(bytes, at),
        session: this.#session,
        ...declared,
        declaredAt: time,
        endedAt: undefined,
        messagesIn: 0,
        messagesOut: 0,
      };
      this.#byId.set(stream.id, stream);
      this.all.push(stream);
    } else if (kind === KIND_SESSION) {
      this.#session++;
      this.#byId = new Map();
    } else if (kind === KIND_END) {
      const stream = this.#byId.get(streamAt(bytes, at));
      if (stream !== undefined) stream.endedAt = time;
    } else if (kind === KIND_GAP) {
      this.#dropped += streamAt(bytes, at);
      this.droppedTotal += streamAt(bytes, at);
    } else {
      throw this.#corrupt(record, `its kind byte is ${kind}, not one of 1 to 5`);
    }
    return false;
  }

  /** Fills `message` from a record `step` said was a message. */
  fill(message: ArchivedMessage, record: QueueRecord): void {
    const bytes = record.buffer;
    const at = record.offset;
    const flags = flagsAt(bytes, at);
    message.index = record.index;
    message.stream = this.current.name;
    message.streamId = this.current.id;
    message.session = this.current.session;
    message.direction = (flags & FLAG_OUT) !== 0 ? 'out' : 'in';
    message.text = (flags & FLAG_TEXT) !== 0;
    message.seconds = secondsAt(bytes, at);
    message.nanos = nanosAt(bytes, at);
    message.timestamp = toMs(message.seconds, message.nanos);
    message.droppedBefore = this.#dropped;
    this.#dropped = 0;
    message.buffer = bytes;
    message.offset = at + RECORD_HEADER_BYTES;
    message.length = record.length - RECORD_HEADER_BYTES;
  }

  #declaration(record: QueueRecord): { name: string; protocol: string; description: string } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(
        decoder.decode(
          record.buffer.subarray(
            record.offset + RECORD_HEADER_BYTES,
            record.offset + record.length,
          ),
        ),
      );
    } catch (error) {
      throw this.#corrupt(record, 'its stream declaration is not JSON', error);
    }
    const { name, protocol, description } = (parsed ?? {}) as Record<string, unknown>;
    if (
      typeof name !== 'string' ||
      typeof protocol !== 'string' ||
      typeof description !== 'string'
    ) {
      throw this.#corrupt(record, 'its stream declaration lacks a name, protocol or description');
    }
    return { name, protocol, description };
  }

  #corrupt(record: QueueRecord, why: string, cause?: unknown): CorruptError {
    return new CorruptError(
      `archive ${this.#recording.directory}: record ${record.index} is not a valid archive record: ${why}`,
      { path: this.#recording.directory, index: record.index, cause },
    );
  }
}

function checkFilter(filter: unknown): asserts filter is MessageFilter {
  if (filter === null || typeof filter !== 'object') {
    throw new InvalidArgumentError('Recording.messages: filter must be an object', {
      field: 'filter',
    });
  }
  const { stream, direction, session, ...rest } = filter as MessageFilter;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) {
    throw new InvalidOptionError(
      `Recording: "${unknown}" is not a filter (known: stream, direction, session)`,
      { field: unknown },
    );
  }
  if (stream !== undefined && typeof stream !== 'string') {
    throw new InvalidOptionError('Recording: stream must be a stream name', { field: 'stream' });
  }
  if (direction !== undefined && direction !== 'in' && direction !== 'out') {
    throw new InvalidOptionError(
      `Recording: direction must be 'in' or 'out', got ${String(direction)}`,
      { field: 'direction' },
    );
  }
  if (session !== undefined && !(Number.isInteger(session) && session >= 1)) {
    throw new InvalidOptionError('Recording: session must be an integer from 1', {
      field: 'session',
    });
  }
}

/**
 * Opens the archive an {@link Archiver} writes in `directory`, read-only.
 * @throws ERR_ANNAL_NOT_FOUND when the directory does not exist or holds no queue cycle file;
 *   the queue's errors
 */
export function openRecording(directory: string): Recording {
  if (typeof directory !== 'string' || directory === '') {
    throw new InvalidArgumentError('openRecording: directory must be a non-empty string', {
      field: 'directory',
    });
  }
  const queue = Queue.open(directory, { readOnly: true });
  // An archiver writes its SESSION record when it opens: an archive always has a cycle file.
  // A directory without one is a mistyped path, not an empty archive.
  if (queue.describe().cycles.length === 0) {
    queue.close();
    throw new NotFoundError(
      `openRecording: ${directory} holds no archive (no queue cycle file); is it the directory Archiver.open was given?`,
      { path: directory },
    );
  }
  return new Recording(directory, queue);
}
