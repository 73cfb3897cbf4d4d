/**
 * {@link BridgeIn}: consumes a JetStream stream through a durable pull consumer into a local
 * core queue or wal topic, acknowledging each message only once its append is as durable as the
 * log's `sync` schedule promises, and never appending a message twice.
 *
 * How: the local log remembers which stream sequences it holds. Before each batch is appended,
 * the state file (intake-state-layout.ts) announces it: the sequence held before, the log's last
 * index before, the batch's sequences. At start, the records found after that index say how much
 * of the batch made it, hence the last sequence held; a message at or below it (a redelivery
 * after a crash between append and ack, or after acks lost with a connection) is acknowledged
 * and not appended. The consumer delivers at most `maxBatchRecords` unacknowledged messages, so
 * a redelivery never comes after a later message; a consumer that delivered messages the log
 * does not hold is recreated at the first sequence the log lacks, so none waits for its
 * acknowledgement timeout and none is skipped.
 *
 * @module
 */
import { EventEmitter } from 'node:events';

import { BridgeConflictError, type AnnalError } from '@annal/native';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

import { connectTo, describeServers, type Connected } from './connection.js';
import { IntakeState } from './intake-state.js';
import { QueueTarget, WalTarget, statePath, type IntakeTarget } from './intake-target.js';
import { isConsumerGone, isTransient, toBridgeError } from './nats-errors.js';
import {
  parseBridgeInOptions,
  type BridgeInOptions,
  type ResolvedBridgeInOptions,
} from './options.js';
import { checkStream, notStored } from './stream-check.js';
import { subjectsOverlap } from './subjects.js';
import { pause } from './pause.js';

/** What {@link BridgeIn.metrics} reports. */
export interface BridgeInMetrics {
  /** Messages received since open (redeliveries included). */
  readonly received: number;
  /** Messages appended to the local log since open. */
  readonly appended: number;
  /** Messages acknowledged without appending: the log held them already. */
  readonly skipped: number;
  /** The stream sequence of the last message the log holds (0: none). */
  readonly heldSequence: number;
  /** Messages of the consumer not delivered yet, as the last delivery said. */
  readonly pending: number;
}

/** Events of a {@link BridgeIn}. */
export interface BridgeInEvents {
  /** The bridge stopped on an error no retry cures (coded). Emitted once. */
  error: [error: AnnalError];
  /** A batch is appended (durably, as the log's sync promises) and acknowledged. */
  appended: [heldSequence: number, lastIndex: number];
  /** Messages the log held already (redeliveries) were acknowledged without appending. */
  skipped: [count: number, heldSequence: number];
}

/**
 * Consumes a JetStream stream into a local log. Open with {@link BridgeIn.open}; it runs in the
 * background until {@link BridgeIn.close}.
 */
export class BridgeIn extends EventEmitter<BridgeInEvents> {
  readonly #options: Readonly<ResolvedBridgeInOptions>;
  readonly #target: IntakeTarget;
  readonly #state: IntakeState;
  readonly #connected: Connected;
  readonly #js: JetStreamClient;
  readonly #stop = new AbortController();
  readonly #where: string;
  #held: number;
  #running: Promise<void> = Promise.resolve();
  #messages: ConsumerMessages | undefined;
  #closing: Promise<void> | undefined;
  #fatal: AnnalError | undefined;
  #received = 0;
  #appended = 0;
  #skipped = 0;
  #pending = 0;

  private constructor(
    options: Readonly<ResolvedBridgeInOptions>,
    target: IntakeTarget,
    state: IntakeState,
    held: number,
    connected: Connected,
  ) {
    super();
    this.#options = options;
    this.#target = target;
    this.#state = state;
    this.#held = held;
    this.#connected = connected;
    this.#js = jetstream(connected.nc, { timeout: options.ackTimeoutMs });
    this.#where = `bridge in ${describeServers(options.url)} stream ${options.stream} consumer ${options.consumer} → ${target.description}`;
  }

  /**
   * Connects, checks the stream (and that it stores `subject`), opens the log (creating it if
   * missing), reads what it holds, makes sure of the consumer, and starts consuming in the
   * background.
   *
   * @throws (rejects) ERR_ANNAL_INVALID_OPTION; ERR_ANNAL_BRIDGE_CONNECT, ERR_ANNAL_BRIDGE_AUTH,
   *   ERR_ANNAL_BRIDGE_NO_STREAM (before the log is created); ERR_ANNAL_BRIDGE_SUBJECT (no
   *   subject of the stream matches `subject`); ERR_ANNAL_BRIDGE_CONFLICT when the log holds records this
   *   bridge did not append (it must be the log's only appender); the log's own errors
   */
  static async open(options: BridgeInOptions): Promise<BridgeIn> {
    const resolved = parseBridgeInOptions(options);
    let target: IntakeTarget | undefined;
    let state: IntakeState | undefined;
    let connected: Connected | undefined;
    try {
      // The server and the stream first: a failed start does not leave a new, empty log behind.
      connected = await connectTo(resolved, `annal bridge in ${resolved.consumer}`);
      const subjects = await checkStream(connected.jsm, resolved.stream, undefined);
      const subject = resolved.subject;
      if (subject !== undefined && !subjects.some((stored) => subjectsOverlap(stored, subject))) {
        throw notStored(resolved.stream, subject, subjects);
      }
      target =
        'queue' in resolved.target
          ? new QueueTarget(resolved.target.queue)
          : new WalTarget(resolved.target.wal, resolved.target.topic);
      state = new IntakeState(statePath(target, resolved.consumer), target.durable);
      const held = reconcile(target, state);
      const bridge = new BridgeIn(resolved, target, state, held, connected);
      await bridge.#ensureConsumer();
      bridge.#running = bridge.#run();
      return bridge;
    } catch (error) {
      state?.close();
      await target?.close();
      await connected?.nc.close().catch(() => undefined);
      throw toBridgeError(error, `bridge in ${resolved.consumer}`);
    }
  }

  /** The error the bridge stopped on, if it did (also emitted as `'error'`). */
  get failure(): AnnalError | undefined {
    return this.#fatal;
  }

  /** The stream sequence of the last message the local log holds (0: none). */
  get heldSequence(): number {
    return this.#held;
  }

  /** The bridge's counters. */
  metrics(): BridgeInMetrics {
    return {
      received: this.#received,
      appended: this.#appended,
      skipped: this.#skipped,
      heldSequence: this.#held,
      pending: this.#pending,
    };
  }

  /**
   * Resolves once the consumer has nothing left to deliver and nothing unacknowledged: the log
   * holds everything its subject had when called (or when the bridge stops: check
   * {@link failure}).
   */
  async caughtUp(): Promise<void> {
    const { jsm } = this.#connected;
    const { stream, consumer } = this.#options;
    for (;;) {
      if (this.#fatal !== undefined || this.#closing !== undefined) return;
      // Listening before asking: a batch that ends while the answer travels still wakes us.
      let wake = (): void => undefined;
      const progress = new Promise<void>((resolve) => (wake = resolve));
      this.on('appended', wake);
      this.on('skipped', wake);
      this.on('error', wake);
      try {
        const info = await jsm.consumers.info(stream, consumer);
        // Acknowledgements travel on their own: what is delivered and held counts as done.
        if (info.num_pending === 0 && info.delivered.stream_seq <= this.#held) return;
        await progress;
      } catch (error) {
        if (!isTransient(error)) throw toBridgeError(error, this.#where);
      } finally {
        this.off('appended', wake);
        this.off('skipped', wake);
        this.off('error', wake);
      }
    }
  }

  /**
   * Stops consuming, finishes the batch in hand (append, then acknowledge), and closes the
   * connection, the state file and, when the bridge opened it, the log. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      this.#messages?.stop();
      await this.#running.catch(() => undefined);
      this.#state.close();
      await this.#target.close();
      await this.#connected.nc.drain().catch(() => this.#connected.nc.close());
    })();
    return this.#closing;
  }

  /** Calls {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Keeps the consumer when it delivered nothing the log lacks (redeliveries of what the log
   * holds are skipped); otherwise (re)creates it at the first sequence the log lacks.
   */
  async #ensureConsumer(): Promise<void> {
    const { jsm } = this.#connected;
    const { stream, consumer, subject, maxBatchRecords } = this.#options;
    let delivered: number | undefined;
    try {
      delivered = (await jsm.consumers.info(stream, consumer)).delivered.stream_seq;
    } catch (error) {
      if (!(
        error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound
      )) {
        throw toBridgeError(error, this.#where);
      }
    }
    if (delivered !== undefined && delivered <= this.#held) return;
    // A stream that ends before what the log holds is not the stream the log was filled from
    // (deleted and created again: its sequences start over). Consuming it after the held
    // sequence would skip its first messages without a word.
    let lastSequence: number;
    try {
      lastSequence = (await jsm.streams.info(stream)).state.last_seq;
    } catch (error) {
      throw toBridgeError(error, this.#where);
    }
    if (lastSequence < this.#held) {
      throw new BridgeConflictError(
        `stream ${stream} ends at sequence ${lastSequence}, before sequence ${this.#held}, which ${this.#target.description} already holds: it is not the stream this log was filled from (deleted and created again?); consume it into a new log`,
        { field: 'stream' },
      );
    }
    if (delivered !== undefined) await jsm.consumers.delete(stream, consumer);
    await jsm.consumers.add(stream, {
      durable_name: consumer,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.#options.ackWaitMs),
      max_ack_pending: maxBatchRecords,
      ...(this.#held === 0
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.#held + 1 }),
      ...(subject === undefined ? {} : { filter_subject: subject }),
    });
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const { stream, consumer, maxBatchRecords } = this.#options;
    let backoff = 50;
    let first = true;
    while (!signal.aborted) {
      try {
        // After a failure: the consumer may be gone, or have delivered what the log lacks.
        if (!first) await this.#ensureConsumer();
        first = false;
        const source = await this.#js.consumers.get(stream, consumer);
        // A consumer or stream deleted under the bridge ends the iteration (at once when the
        // server says so, else once heartbeats are missed): the loop then recreates the consumer
        // after what the log holds, or stops on a stream that is gone. The client would
        // otherwise wait for the consumer to come back, for ever.
        const messages = await source.consume({
          max_messages: maxBatchRecords,
          abort_on_missing_resource: true,
        });
        this.#messages = messages;
        if (signal.aborted) messages.stop();
        let batch: JsMsg[] = [];
        for await (const message of messages) {
          batch.push(message);
          // A batch ends when full or when the stream has nothing more for now: no waiting
          // for more messages that may not come.
          if (batch.length >= maxBatchRecords || message.info.pending === 0) {
            await this.#take(batch);
            batch = [];
          }
        }
        await this.#take(batch);
        backoff = 50;
      } catch (error) {
        if (!isTransient(error) && !isConsumerGone(error)) {
          this.#stopOn(toBridgeError(error, this.#where));
          return;
        }
        await pause(backoff, signal);
        backoff = Math.min(backoff * 2, this.#options.maxBackoffMs);
      }
    }
  }

  /** Appends what the log lacks of `batch`, then acknowledges all of it. */
  async #take(batch: JsMsg[]): Promise<void> {
    if (batch.length === 0) return;
    this.#received += batch.length;
    // A redelivery may come after a later message of the same fetch: append in stream order.
    batch.sort((a, b) => a.seq - b.seq);
    const payloads: Uint8Array[] = [];
    const sequences: number[] = [];
    let last = this.#held;
    for (const message of batch) {
      if (message.seq <= last) continue;
      payloads.push(message.data);
      sequences.push(message.seq);
      last = message.seq;
    }
    const skipped = batch.length - payloads.length;
    this.#skipped += skipped;
    if (payloads.length > 0) {
      this.#state.write(this.#held, this.#target.lastIndex(), sequences);
      const lastIndex = await this.#target.appendBatch(payloads);
      this.#held = last;
      this.#appended += payloads.length;
      this.emit('appended', last, lastIndex);
    }
    for (const message of batch) message.ack();
    if (skipped > 0) this.emit('skipped', skipped, this.#held);
    this.#pending = (batch.at(-1) as JsMsg).info.pending;
  }

  #stopOn(error: AnnalError): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = error;
    this.#stop.abort();
    this.#messages?.stop();
    this.emit('error', error);
  }
}

/** The last stream sequence the log holds, from the state file and the records after its `before`. */
function reconcile(target: IntakeTarget, state: IntakeState): number {
  const batch = state.read();
  if (batch === undefined) {
    if (target.lastIndex() >= 0) {
      throw new BridgeConflictError(
        `${target.description} holds records, but no state of this consumer (${state.path}): the bridge appends only into a log it filled from the start`,
        { path: state.path },
      );
    }
    return 0;
  }
  const count = batch.sequences.length;
  const made = target.countAfter(batch.before, count);
  if (made > count) {
    throw new BridgeConflictError(
      `${target.description}: ${made} records after index ${batch.before}, but the bridge's last batch had ${count}: another writer appended (the bridge must be the only appender)`,
      { path: state.path },
    );
  }
  return made === 0 ? batch.heldBefore : (batch.sequences[made - 1] as number);
}
