/**
 * {@link WalReader}: a reader of one topic, named (its place persists) or anonymous.
 *
 * @module
 */
import { ClosedError } from '@annal/native';

import {
  checkFunction,
  checkIndex,
  checkInteger,
  checkOptionsObject,
  checkSignal,
} from './arguments.js';
import type { Cursor } from './cursor.js';
import { WalRecordView, copyRecord, type WalRecord } from './record.js';
import type { Topic } from './topic.js';
import type { WalHost } from './wal-host.js';

/**
 * How often a reader of a read-only wal that {@link WalReader.follow}s a topic looks for what the
 * owning process appended, in ms.
 */
export const FOLLOW_POLL_MS = 50;

/** Options of {@link Wal.reader}. */
export interface WalReaderOptions {
  /**
   * A name makes the reader's place persist in the topic (and survive restarts): at most
   * {@link MAX_READER_NAME_BYTES} UTF-8 bytes, no control characters. Without one the reader is
   * anonymous: it starts at the oldest record and stores nothing.
   */
  readonly name?: string;
}

/** Options of {@link WalReader.follow}. */
export interface FollowOptions {
  /** Ends the iteration (quietly) when it aborts. */
  readonly signal?: AbortSignal;
}

/** Handler of {@link WalReader.poll}: gets a flyweight valid only during the call. */
export type WalRecordHandler = (record: WalRecordView) => void;

/**
 * A reader of one topic: `wal.reader(topic, { name })`.
 *
 * Threading: use it on the thread that opened the wal. Only one reader of a topic may be open
 * under a name at a time (the wal's directory has one owning process, so the lock is within it);
 * a second gets ERR_ANNAL_LOCKED until the first is closed. Anonymous readers are unlimited.
 *
 * Durability of a named reader's place: under `consistency: 'strictly-once'` the index past a
 * record is stored before the record is handed out (`next`, `poll`, `follow`), under
 * `{ atLeastOnce: { persistEvery: n } }` every n records; `seek`, `toStart` and `toEnd` store at
 * once. A stored index survives a crash of the process at once and power loss once the `sync`
 * schedule has synced it (under `'each'`, before the call returns). After a crash a
 * strictly-once reader never sees a record again; an at-least-once reader sees at most n again.
 */
export class WalReader implements Disposable {
  /** The topic read. */
  readonly topic: string;
  /** The reader's name, or undefined for an anonymous reader. */
  readonly name: string | undefined;
  readonly #host: WalHost;
  readonly #key: string;
  readonly #nameBytes: Uint8Array | undefined;
  readonly #release: () => void;
  readonly #view = new WalRecordView();
  #log: Topic | undefined;
  #cursor: Cursor | undefined;
  #closed = false;
  /** Wakes a follower waiting for an append (also on close). */
  #wake: (() => void) | undefined;

  /** Use `wal.reader(topic, options)`. @internal */
  constructor(
    host: WalHost,
    topic: string,
    key: string,
    name: string | undefined,
    nameBytes: Uint8Array | undefined,
    release: () => void,
  ) {
    this.#host = host;
    this.topic = topic;
    this.#key = key;
    this.name = name;
    this.#nameBytes = nameBytes;
    this.#release = release;
    this.#attach();
  }

  /** Index of the record {@link next} returns next (0 before the topic has any). */
  get index(): number {
    return this.#cursor?.index ?? 0;
  }

  /** True after {@link close} (or after the wal closed). */
  get closed(): boolean {
    return this.#closed || this.#host.isClosed();
  }

  /**
   * The next record (a copy), or undefined when the reader has read everything appended so far.
   * @throws ERR_ANNAL_CORRUPT (`path`, byte `offset`, record `index`) at a damaged record, which
   *   it does not pass; ERR_ANNAL_CLOSED; ERR_ANNAL_IO when storing the index under `'each'`
   *   failed to sync
   */
  next(): WalRecord | undefined {
    const cursor = this.#checkedCursor();
    if (cursor === undefined) return undefined;
    const log = this.#log as Topic;
    const location = log.peek(cursor);
    if (location === undefined) return undefined;
    const record = copyRecord(location);
    log.advance(cursor, location);
    this.#host.durability.consumed(log, cursor, 1);
    return record;
  }

  /** The record {@link next} would return, without consuming it. @throws as {@link next} */
  peek(): WalRecord | undefined {
    const cursor = this.#checkedCursor();
    if (cursor === undefined) return undefined;
    const location = (this.#log as Topic).peek(cursor);
    return location === undefined ? undefined : copyRecord(location);
  }

  /**
   * Hands up to `limit` records to `handler`, consuming them, and returns how many. The handler
   * gets one {@link WalRecordView} refilled for every record (valid only during its call): no
   * allocation per record. A damaged record ends the poll before it (it throws when it would
   * hand none); an error thrown by the handler propagates, the records before it and the one it
   * was handed consumed.
   *
   * Under `'strictly-once'` a named reader stores the index past the whole poll before the first
   * handler call (one store, one sync under `'each'`), and moves it back to where it stopped if
   * the poll ends early.
   *
   * @param limit - most records (an integer from 1, or Infinity); default Infinity
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`handler`, `limit`); as {@link next}
   */
  poll(handler: WalRecordHandler, limit = Number.POSITIVE_INFINITY): number {
    checkFunction(handler, 'handler');
    if (limit !== Number.POSITIVE_INFINITY) checkInteger(limit, 'limit', 1);
    const cursor = this.#checkedCursor();
    if (cursor === undefined) return 0;
    const log = this.#log as Topic;
    const durability = this.#host.durability;
    const view = this.#view;
    const storeFirst = cursor.slot !== undefined && durability.storesEach;
    // Read-only: what the owning process appended since (nothing to do otherwise).
    log.refresh(cursor);
    const available = Math.min(limit, log.nextIndex - cursor.index);
    if (available <= 0) return 0;
    const end = cursor.index + available;
    if (storeFirst) durability.store(log, cursor, end);
    let count = 0;
    let inHandler = false;
    let failure: Error | undefined;
    try {
      while (count < available) {
        const location = log.peek(cursor);
        if (location === undefined) break;
        log.advance(cursor, location);
        count++;
        if (!storeFirst) durability.consumed(log, cursor, 1);
        inHandler = true;
        handler(view.fill(location));
        inHandler = false;
        // A handler that closed this reader ends the poll (the place is stored just below).
        if (this.#closed) break;
      }
    } catch (error) {
      failure = error as Error;
    }
    // Stored past records never handed out: store where the reader really is.
    if (storeFirst && cursor.index !== end) durability.store(log, cursor);
    if (failure !== undefined && (inHandler || count === 0)) throw failure;
    return count;
  }

  /**
   * Moves the reader so that {@link next} returns record `index`; an index older than the oldest
   * record kept moves it to the oldest, one past the newest to the end. A named reader stores its
   * new place at once.
   * @returns true when the reader is now at `index`
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`index`); ERR_ANNAL_CLOSED
   */
  seek(index: number): boolean {
    checkIndex(index);
    const cursor = this.#checkedCursor();
    if (cursor === undefined) return index === 0;
    const log = this.#log as Topic;
    log.seek(cursor, index);
    if (cursor.slot !== undefined) {
      this.#host.durability.store(log, cursor);
      log.retainSoon();
    }
    return cursor.index === index;
  }

  /** Moves to the oldest record kept (see {@link seek}). @returns this reader */
  toStart(): this {
    this.seek(0);
    return this;
  }

  /** Moves past the newest record: {@link next} returns only records appended from now on. */
  toEnd(): this {
    // Read-only: the end is wherever the owning process has appended to by now.
    this.#log?.refresh();
    this.seek(this.#log?.nextIndex ?? 0);
    return this;
  }

  /**
   * Yields every record from the reader's place on, then each new one as it is appended in this
   * process (copies, consumed as {@link next} consumes them), until `signal` aborts or the reader
   * or the wal closes: then the iteration ends quietly. On a `readOnly` wal the appends are
   * another process's, which cannot wake this one: it looks again every {@link FOLLOW_POLL_MS}.
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`options`, `signal`) at the call; ERR_ANNAL_CLOSED
   */
  follow(options: FollowOptions = {}): AsyncIterableIterator<WalRecord> {
    checkOptionsObject(options, 'options');
    checkSignal(options.signal);
    this.#checkOpen();
    return this.#follow(options.signal);
  }

  /**
   * Stops reading and releases the name. A named reader's place is already stored (as the
   * consistency mode says); close stores it once more, so every record handed out counts.
   * Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const cursor = this.#cursor;
    const log = this.#log;
    this.#cursor = undefined;
    this.#log = undefined;
    try {
      if (cursor !== undefined && log !== undefined && !this.#host.isClosed()) {
        log.closeCursor(cursor);
        if (cursor.slot !== undefined && cursor.sinceStore > 0) {
          this.#host.durability.store(log, cursor);
        }
      }
    } finally {
      // Released whatever storing did: a failed sync must not keep the name taken.
      this.#release();
      this.#wake?.();
    }
  }

  /** Calls {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- internals -----------------------------------------------------------------------------

  async *#follow(signal: AbortSignal | undefined): AsyncGenerator<WalRecord, void, undefined> {
    for (;;) {
      if (signal?.aborted === true || this.closed) return;
      const record = this.next();
      if (record !== undefined) {
        yield record;
        continue;
      }
      await this.#appended(signal);
    }
  }

  /**
   * Resolves after the next append to the topic (or its creation), an abort or a close. On a
   * read-only wal, appends happen in another process, which tells this one nothing: it resolves
   * after {@link FOLLOW_POLL_MS} instead, to look again.
   */
  #appended(signal: AbortSignal | undefined): Promise<void> {
    if (this.#host.readOnly) return this.#later(signal);
    return new Promise<void>((resolve) => {
      const log = this.#log;
      const topics = this.#host.topics;
      const wake = (): void => {
        this.#wake = undefined;
        signal?.removeEventListener('abort', wake);
        if (log === undefined) topics.offOpen(wake);
        else log.offAppend(wake);
        resolve();
      };
      this.#wake = wake;
      signal?.addEventListener('abort', wake, { once: true });
      if (log === undefined) topics.onOpen(wake);
      else log.onAppend(wake);
    });
  }

  #later(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, FOLLOW_POLL_MS);
      this.#wake = wake;
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  #checkOpen(): void {
    if (this.closed) {
      throw new ClosedError(
        `the reader${this.name === undefined ? '' : ` ${JSON.stringify(this.name)}`} of topic ${JSON.stringify(this.topic)} is closed`,
        { field: 'reader' },
      );
    }
  }

  /** The cursor, attaching to the topic once it exists. @throws ERR_ANNAL_CLOSED */
  #checkedCursor(): Cursor | undefined {
    this.#checkOpen();
    return this.#cursor ?? this.#attach();
  }

  #attach(): Cursor | undefined {
    const log = this.#host.topics.existingAt(this.#key, this.topic);
    if (log === undefined) return undefined;
    this.#log = log;
    this.#cursor = log.openCursor(this.#nameBytes);
    return this.#cursor;
  }
}
