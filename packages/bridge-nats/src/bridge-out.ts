/**
 * {@link BridgeOut}: ships every record of a local log to a JetStream stream, exactly once and
 * in order, however the bridge, the server or both stop and start again.
 *
 * How (see the package README for what it guarantees and what not):
 * - At start and after any failure the bridge re-synchronises: it reads the last message on
 *   its subject (its `Annal-Index` header says which record it is) and goes on with the next
 *   record. This holds however long the bridge was down, beyond any duplicate window.
 * - The first message after a re-synchronisation is published alone, expecting the subject's
 *   last sequence the bridge read (`Nats-Expected-Last-Subject-Sequence`); the next ones are
 *   pipelined, each expecting the previous one's id as the stream's last message id
 *   (`Nats-Expected-Last-Msg-Id`, ids being `origin:index`). So the server stores record k+1
 *   only right after record k: a message lost in a broken connection makes every later one of
 *   the window fail, never leaves a hole, and the bridge re-synchronises. A re-sent message the
 *   stream already holds is dropped as a duplicate (`Nats-Msg-Id`) or fails its expectation.
 * - The named reader moves only over what JetStream acknowledged.
 *
 * A little over 400 lines on purpose: one class, whose run loop, window of unacknowledged
 * messages and re-synchronisation share the same private state; the window (in-flight.ts), the
 * sources (ship-source.ts), headers and error mapping are in their own files.
 *
 * @module
 */
import { EventEmitter } from 'node:events';

import { readRecordHeader, type RecordHeader } from '@annal/archiver';
import { AnnalError, ClosedError } from '@annal/native';
import { jetstream, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';

import { connectTo, describeServers, type Connected } from './connection.js';
import { archiveHeaders, messageId } from './headers.js';
import { InFlight, type InFlightEntry } from './in-flight.js';
import { isTransient, toBridgeError } from './nats-errors.js';
import {
  DEFAULT_READER_PREFIX,
  parseBridgeOutOptions,
  type BridgeOutOptions,
  type ResolvedBridgeOutOptions,
} from './options.js';
import { QueueSource } from './queue-source.js';
import type { ShipRecord, ShipSource } from './ship-source.js';
import { checkStream, lastShipped } from './stream-check.js';
import { WalSource } from './wal-source.js';
import { pause } from './pause.js';

/** What {@link BridgeOut.metrics} reports. */
export interface BridgeOutMetrics {
  /** Messages published since open (re-sent ones after a re-synchronisation count again). */
  readonly shipped: number;
  /** Messages JetStream acknowledged since open (duplicates it dropped included). */
  readonly acknowledged: number;
  /** Of those, acknowledged as duplicates (the stream held them already). */
  readonly duplicates: number;
  /** Messages published and not yet acknowledged. */
  readonly inFlight: number;
  /** Records of the local log not yet acknowledged: in flight and not yet read. */
  readonly lagRecords: number;
  /**
   * Age, in seconds, of the oldest record not yet acknowledged: from its recorded time for an
   * archive, else from when the bridge read it (or, for records not read yet, since the last
   * acknowledgement); 0 when caught up.
   */
  readonly lagSeconds: number;
  /** Index of the last record JetStream acknowledged (or the stream held at start); -1 for none. */
  readonly acknowledgedIndex: number;
  /** Re-synchronisations after a failure (lost connection, timeout, broken expectation). */
  readonly resyncs: number;
}

/** Events of a {@link BridgeOut}. */
export interface BridgeOutEvents {
  /** The bridge stopped on an error no re-synchronisation cures (coded). Emitted once. */
  error: [error: AnnalError];
  /** JetStream acknowledged every record up to `index`. */
  acknowledged: [index: number];
  /** A failure (the cause) made the bridge re-synchronise; it goes on after record `after`. */
  resync: [cause: unknown, after: number];
}

/** Acknowledgements between two moves of the named reader. */
const STORE_EVERY = 64;
/** Backoff of the re-synchronisation attempts: from this, doubling up to `maxBackoffMs`. */
const FIRST_BACKOFF_MS = 50;

/**
 * Ships a core queue, an archiver recording or a wal topic to a JetStream stream. Open with
 * {@link BridgeOut.open}; it runs in the background until {@link BridgeOut.close}.
 *
 * @example
 * ```ts
 * const bridge = await BridgeOut.open({
 *   url: 'nats://127.0.0.1:4222',
 *   source: { queue: '/var/lib/app/orders' },
 *   stream: 'ORDERS',
 *   subject: 'orders.eu-1',
 *   origin: 'eu-1-orders',
 * });
 * bridge.on('error', (error) => console.error(error.code, error.message));
 * // … later
 * await bridge.close();
 * ```
 */
export class BridgeOut extends EventEmitter<BridgeOutEvents> {
  readonly #options: Readonly<ResolvedBridgeOutOptions>;
  readonly #source: ShipSource;
  readonly #connected: Connected;
  readonly #js: JetStreamClient;
  readonly #window: InFlight;
  readonly #archive: boolean;
  readonly #label: RecordHeader = {
    kind: 'message',
    direction: 'in',
    text: false,
    stream: 0,
    seconds: 0,
    nanos: 0,
  };
  readonly #stop = new AbortController();
  readonly #where: string;

  /** Wakes the run loop (an acknowledgement, a failure, close). */
  #wake: (() => void) | undefined;
  /** The first failure of the current window; the loop re-synchronises once all settled. */
  #failure: unknown;
  /** The record whose message failed first, and its size: named when the failure stops the bridge. */
  #failedIndex = -1;
  #failedBytes = 0;
  /** A failure no re-synchronisation cures: the bridge stopped. */
  #fatal: AnnalError | undefined;
  /** After a (re-)synchronisation: the subject's last sequence (for the first message), or 0. */
  #anchorSeq = 0;
  /** True until the first message after a (re-)synchronisation is acknowledged. */
  #anchoring = true;
  /** The id of the message published last: what the next one expects as the stream's last. */
  #lastId = '';
  #running: Promise<void> = Promise.resolve();
  /** Callers of caughtUp(), resolved when the pump is idle with nothing in flight, or stops. */
  #caughtUpWaiters: (() => void)[] = [];
  /** Acknowledged through this index, not yet told to the named reader (it is told in steps). */
  #unstoredIndex = -1;
  #acksSinceStore = 0;
  #closing: Promise<void> | undefined;

  #shipped = 0;
  #acknowledged = 0;
  #duplicates = 0;
  #acknowledgedIndex = -1;
  #lastAckAt = Date.now();
  #resyncs = 0;

  private constructor(
    options: Readonly<ResolvedBridgeOutOptions>,
    source: ShipSource,
    connected: Connected,
  ) {
    super();
    this.#options = options;
    this.#source = source;
    this.#connected = connected;
    this.#js = jetstream(connected.nc, { timeout: options.ackTimeoutMs });
    this.#window = new InFlight(options.maxInFlight);
    this.#archive = 'queue' in options.source && options.source.archive;
    this.#where = `bridge ${options.origin} → ${describeServers(options.url)} stream ${options.stream} subject ${options.subject}`;
  }

  /**
   * Opens the source, connects, checks the stream, reads where shipping stopped, and starts
   * shipping in the background.
   *
   * @throws (rejects) ERR_ANNAL_INVALID_OPTION (the option named); ERR_ANNAL_NOT_FOUND (a queue
   *   directory that does not exist); ERR_ANNAL_LOCKED (the named reader is open elsewhere: a
   *   second bridge of the same origin); ERR_ANNAL_BRIDGE_CONNECT (server unreachable);
   *   ERR_ANNAL_BRIDGE_AUTH (credentials refused); ERR_ANNAL_BRIDGE_NO_STREAM (no such stream,
   *   or no JetStream); ERR_ANNAL_BRIDGE_SUBJECT (the stream does not store the subject);
   *   ERR_ANNAL_BRIDGE_CONFLICT (the subject's last message is not this origin's, or is a
   *   record the log never had)
   */
  static async open(options: BridgeOutOptions): Promise<BridgeOut> {
    const resolved = parseBridgeOutOptions(options);
    const readerName = resolved.reader ?? `${DEFAULT_READER_PREFIX}${resolved.origin}`;
    const source =
      'queue' in resolved.source
        ? QueueSource.open(resolved.source.queue, readerName)
        : WalSource.open(resolved.source.wal, resolved.source.topic, readerName);
    let connected: Connected | undefined;
    try {
      connected = await connectTo(resolved, `annal bridge out ${resolved.origin}`);
      const bridge = new BridgeOut(resolved, source, connected);
      await bridge.#synchronise();
      bridge.#running = bridge.#run();
      bridge.#watchConnection();
      return bridge;
    } catch (error) {
      await source.close();
      await connected?.nc.close().catch(() => undefined);
      throw toBridgeError(error, `bridge ${resolved.origin}`);
    }
  }

  /** The error the bridge stopped on, if it did (also emitted as `'error'`). */
  get failure(): AnnalError | undefined {
    return this.#fatal;
  }

  /**
   * The bridge's counters. `lagRecords` counts the local log's records not read yet, which for
   * a queue means describing its files: call it for monitoring, not per record.
   */
  metrics(): BridgeOutMetrics {
    const window = this.#window;
    const unread = this.#closing === undefined ? this.#source.unread() : 0;
    const oldest = window.oldest;
    const now = Date.now();
    let lagMs = 0;
    if (oldest !== undefined) lagMs = now - oldest.since;
    else if (unread > 0) lagMs = now - this.#lastAckAt;
    return {
      shipped: this.#shipped,
      acknowledged: this.#acknowledged,
      duplicates: this.#duplicates,
      inFlight: window.size,
      lagRecords: window.size + unread,
      lagSeconds: Math.max(0, lagMs) / 1000,
      acknowledgedIndex: this.#acknowledgedIndex,
      resyncs: this.#resyncs,
    };
  }

  /**
   * Resolves once JetStream acknowledged every record the log held when called (or when the
   * bridge stops: check {@link failure}).
   */
  caughtUp(): Promise<void> {
    if (this.#fatal !== undefined || this.#closing !== undefined) return Promise.resolve();
    if (this.#window.size === 0 && this.#failure === undefined && !this.#source.hasNext()) {
      return Promise.resolve();
    }
    // The pump resolves it when it finds nothing to read and nothing in flight.
    return new Promise((resolve) => this.#caughtUpWaiters.push(resolve));
  }

  /**
   * Stops reading new records, waits for the acknowledgement of those in flight (each has
   * `ackTimeoutMs`), stores the named reader's position, closes the connection and, when the
   * bridge opened it, the log. Idempotent; never rejects for a failure already emitted.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  /** Calls {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #shutDown(): Promise<void> {
    this.#stop.abort();
    this.#wake?.();
    await this.#running.catch(() => undefined);
    this.#storePosition();
    this.#releaseWaiters();
    await this.#source.close();
    await this.#connected.nc.drain().catch(() => this.#connected.nc.close());
  }

  /** A connection closed for good (credentials revoked, close()) stops the bridge. */
  #watchConnection(): void {
    void this.#connected.nc.closed().then((error) => {
      if (this.#stop.signal.aborted) return;
      this.#stopOn(
        error === undefined
          ? new ClosedError(`${this.#where}: the connection closed`)
          : toBridgeError(error, this.#where),
      );
    });
  }

  #stopOn(error: AnnalError): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = error;
    this.#stop.abort();
    this.#wake?.();
    this.#releaseWaiters();
    this.emit('error', error);
  }

  /** Reads the subject's last message and puts the source right after it. */
  async #synchronise(): Promise<void> {
    const { jsm } = this.#connected;
    const { stream, subject, origin } = this.#options;
    // Still there, still storing the subject (a failure may have been its deletion).
    await checkStream(jsm, stream, subject);
    const last = await lastShipped(jsm, stream, subject, origin);
    this.#source.resumeAfter(last?.index);
    this.#unstoredIndex = -1;
    if (last !== undefined) {
      this.#source.acknowledged(last.index);
      this.#acknowledgedIndex = last.index;
    }
    this.#anchorSeq = last?.seq ?? 0;
    this.#anchoring = true;
    this.#window.clear();
    this.#failure = undefined;
  }

  async #run(): Promise<void> {
    try {
      await this.#ship();
    } catch (error) {
      // The local log's errors (damage, a closed queue): the bridge cannot go on.
      this.#stopOn(toBridgeError(error, this.#where));
    }
  }

  async #ship(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const failure = await this.#pump();
      if (failure === undefined) return;
      if (!isTransient(failure)) {
        const record = `record ${this.#failedIndex} (${this.#failedBytes} bytes)`;
        this.#stopOn(toBridgeError(failure, `${this.#where}, ${record}`));
        return;
      }
      this.#resyncs++;
      if (!(await this.#resynchronise(failure))) return;
    }
    // Closing with a failure pending: nothing to drain; the stream says what it holds.
  }

  /** Re-synchronises with back-off until it works (true) or the bridge stops (false). */
  async #resynchronise(cause: unknown): Promise<boolean> {
    const signal = this.#stop.signal;
    let backoff = FIRST_BACKOFF_MS;
    for (;;) {
      if (signal.aborted) return false;
      try {
        await this.#synchronise();
        this.emit('resync', cause, this.#acknowledgedIndex);
        return true;
      } catch (error) {
        if (!isTransient(error)) {
          this.#stopOn(AnnalError.isInstance(error) ? error : toBridgeError(error, this.#where));
          return false;
        }
        await pause(backoff, signal);
        backoff = Math.min(backoff * 2, this.#options.maxBackoffMs);
      }
    }
  }

  /**
   * Publishes until closed (undefined, everything in flight acknowledged) or until a message
   * fails (the failure, once every message in flight has its answer).
   */
  async #pump(): Promise<unknown> {
    const window = this.#window;
    const signal = this.#stop.signal;
    for (;;) {
      if (this.#failure !== undefined) {
        if (window.allSettled) return this.#failure;
      } else if (signal.aborted) {
        if (window.size === 0 || this.#fatal !== undefined) return undefined;
      } else {
        while (!window.full && !(this.#anchoring && window.size > 0)) {
          const record = this.#source.next();
          if (record === undefined) break;
          this.#publish(record);
        }
        if (window.size === 0) {
          this.#storePosition();
          this.#releaseWaiters();
          await this.#source.wait(signal);
          continue;
        }
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  #publish(record: ShipRecord): void {
    const { origin, subject } = this.#options;
    const index = record.index;
    const payload = record.payload;
    let since: number;
    let headers: MsgHdrs | undefined;
    if (this.#archive && readRecordHeader(payload, 0, payload.length, this.#label) !== undefined) {
      headers = archiveHeaders(this.#label);
      since = this.#label.seconds * 1000 + this.#label.nanos / 1e6;
    } else {
      since = Date.now();
    }
    const id = messageId(origin, index);
    const expect = this.#anchoring
      ? this.#anchorSeq > 0
        ? { lastSubjectSequence: this.#anchorSeq }
        : {}
      : { lastMsgID: this.#lastId };
    this.#lastId = id;
    const entry = this.#window.push(index, since);
    this.#shipped++;
    this.#js
      .publish(subject, payload, {
        msgID: id,
        expect,
        retries: 1,
        ...(headers === undefined ? {} : { headers }),
      })
      .then(
        (ack) => this.#onAck(entry, ack),
        (error: unknown) => this.#onFailure(entry, error, payload.length),
      );
  }

  #onAck(entry: InFlightEntry, ack: PubAck): void {
    entry.settled = true;
    this.#acknowledged++;
    if (ack.duplicate) this.#duplicates++;
    this.#anchoring = false;
    const through = this.#window.popAcknowledged();
    if (through >= 0 && this.#failure === undefined) {
      this.#acknowledgedIndex = through;
      this.#lastAckAt = Date.now();
      // The named reader moves every STORE_EVERY acknowledgements (and when idle, and at close):
      // moving it reads the records again, which per message would cost as much as shipping.
      this.#unstoredIndex = through;
      if (++this.#acksSinceStore >= STORE_EVERY) this.#storePosition();
      this.emit('acknowledged', through);
    }
    this.#wake?.();
  }

  /** Tells the named reader what JetStream acknowledged. */
  #storePosition(): void {
    if (this.#unstoredIndex < 0) return;
    const index = this.#unstoredIndex;
    this.#unstoredIndex = -1;
    this.#acksSinceStore = 0;
    this.#source.acknowledged(index);
  }

  #releaseWaiters(): void {
    const waiters = this.#caughtUpWaiters;
    if (waiters.length === 0) return;
    this.#caughtUpWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #onFailure(entry: InFlightEntry, error: unknown, bytes: number): void {
    entry.settled = true;
    entry.failed = true;
    if (this.#failure === undefined) {
      this.#failure = error;
      this.#failedIndex = entry.index;
      this.#failedBytes = bytes;
    }
    this.#wake?.();
  }
}
