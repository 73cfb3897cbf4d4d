/**
 * {@link EventLog}: typed events over one partition of a topic, after kawa-storage's event
 * layer (seeds.md §6) without its flaws: offsets are the sub-log's own (never renumbered from
 * a scan), every segment stays readable, a damaged event is an error naming where it is, and
 * ids are time-ordered UUIDv7 instead of v4.
 *
 * @module
 */
import { InvalidArgumentError, TooLargeError } from '@annal/native';

import type { SubLog } from '../wal.js';
import type { AppendedEvent, Event, EventInput } from './event.js';
import { decodeEvent, encodeEvent, peekEventId, type EventSource } from './event-codec.js';
import { checkEventInput } from './event-input.js';
import { UUID_BYTES, Uuidv7Generator, formatUuid, parseUuidInto } from './uuidv7.js';

/**
 * The events of one partition of a topic: `wal.events(topic, partition)`. Each event is one
 * entry of the partition's sub-log, a log with offsets of its own (0, 1, 2, …) that no plain
 * topic can see or collide with, whatever its name.
 *
 * Belongs to its `Wal`: use it from the thread that opened the wal, like the wal itself.
 * It keeps its own id generator (nothing at module level), so logs of other partitions or
 * other `Wal` instances in the process never share state.
 *
 * Durability is exactly that of the partition's entries (the wal's Durability table): an
 * event survives a crash of the process once `appendEventSync` returns under the `mmap`
 * backend (under `fd`, once that turn of the event loop has ended), and power loss once the
 * fsync schedule synced it: `appendEvent` resolves after that under `fsync: 'each'`, and
 * `synced()` waits for it under any schedule. A crash never makes part of an event readable:
 * its entry is framed and checksummed whole, as every entry is.
 *
 * Ids: UUIDv7 (RFC 9562): 48 bits of Unix ms, a 12-bit counter that keeps the ids of one
 * `EventLog` strictly increasing within a millisecond and across a clock that steps back, and
 * 62 random bits. The first generated id also sorts after the partition's newest event when
 * that one has a v7 id, so a wal reopened after its clock stepped back keeps them increasing.
 *
 * @example
 * ```ts
 * await using wal = Wal.open({ dir: '/var/lib/app', fsync: 'each' });
 * const orders = wal.events('orders', 3);
 * const { id, offset } = await orders.appendEvent({ type: 'order.created', data: { json: { id: 1 } } });
 * for (const event of orders.readEvents(0, 100)) console.log(event.offset, event.type, event.data);
 * ```
 */
export class EventLog {
  /** The topic. */
  readonly topic: string;
  /** The partition (0 … MAX_PARTITION). */
  readonly partition: number;
  readonly #log: SubLog;
  readonly #maxEntryBytes: number;
  readonly #source: EventSource;
  readonly #ids = new Uuidv7Generator();
  /** Scratch for the id of the event being appended. */
  readonly #id = new Uint8Array(UUID_BYTES);
  #seeded = false;

  /**
   * Use `wal.events(topic, partition)`.
   * @internal
   */
  constructor(log: SubLog, topic: string, partition: number, maxEntryBytes: number) {
    this.#log = log;
    this.topic = topic;
    this.partition = partition;
    this.#maxEntryBytes = maxEntryBytes;
    this.#source = { topic, partition };
  }

  /**
   * Appends one event and returns where it went once it is written: readable at once, safe
   * from a crash of the process as an entry is (above), and durable against power loss only
   * per the fsync schedule. Never waits.
   * @throws ERR_ANNAL_INVALID_ARGUMENT whose `field` names the wrong part (`type`, `data`,
   *   `data.json`, `data.text`, `data.bytes`, `headers`, `headers.<key>`, `id`, `timestamp`);
   *   ERR_ANNAL_TOO_LARGE when the encoded event exceeds `maxEntryBytes`; ERR_ANNAL_FULL,
   *   ERR_ANNAL_IO, ERR_ANNAL_CLOSED as `Wal.appendSync`. Nothing is written when it throws.
   */
  appendEventSync(input: EventInput): AppendedEvent {
    const [entry, id, timestamp] = this.#encode(input);
    return { id, offset: this.#log.appendSync(entry), timestamp };
  }

  /**
   * {@link appendEventSync}, resolving once the event is as durable as the schedule promises:
   * under `'each'` after the fdatasync that covers it (events appended meanwhile share it),
   * otherwise at once. Rejects with the same errors.
   */
  async appendEvent(input: EventInput): Promise<AppendedEvent> {
    const [entry, id, timestamp] = this.#encode(input);
    return { id, offset: await this.#log.append(entry), timestamp };
  }

  /**
   * Up to `limit` events from offset `fromOffset` on, in offset order: stateless (nothing is
   * consumed or stored), each a fresh copy. Past the newest event: `[]`. An offset older than
   * the oldest event kept (the `retention` option) starts at that event: look at `offset`.
   * Finding `fromOffset` skims at most 256 frames past the nearest checkpoint of its
   * segment's sparse index (built as reads walk the segment).
   * @param fromOffset - the first offset to read (a non-negative integer)
   * @param limit - most events to return (a positive integer)
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`fromOffset`, `limit`); ERR_ANNAL_CORRUPT at a damaged
   *   entry or event, naming topic, partition and offset; ERR_ANNAL_CLOSED
   */
  readEvents(fromOffset: number, limit: number): Event[] {
    if (!(Number.isSafeInteger(fromOffset) && fromOffset >= 0)) {
      throw new InvalidArgumentError(
        `fromOffset must be a non-negative integer: ${String(fromOffset)}`,
        { field: 'fromOffset' },
      );
    }
    if (!(Number.isSafeInteger(limit) && limit >= 1)) {
      throw new InvalidArgumentError(`limit must be a positive integer: ${String(limit)}`, {
        field: 'limit',
      });
    }
    const entries = this.#log.readFrom(fromOffset, limit);
    const events: Event[] = new Array<Event>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as (typeof entries)[number];
      events[i] = decodeEvent(entry.data, entry.offset, this.#source);
    }
    return events;
  }

  /**
   * The offset of the newest event, or undefined when the partition has none. Current as of
   * the call: appends in this process show at once.
   * @throws ERR_ANNAL_CLOSED
   */
  latestOffset(): number | undefined {
    return this.#log.latestOffset();
  }

  /**
   * Resolves when every event appended so far survives power loss (syncing now if the
   * schedule would not). Rejects with ERR_ANNAL_IO if a sync failed.
   */
  synced(): Promise<void> {
    return this.#log.synced();
  }

  /** Checks and encodes `input`: the entry, the id and the timestamp. */
  #encode(input: EventInput): [entry: Uint8Array, id: string, timestamp: number] {
    const event = checkEventInput(input);
    if (event.length > this.#maxEntryBytes) {
      throw new TooLargeError(
        `an event of ${event.length} bytes for topic ${JSON.stringify(this.topic)} partition ${this.partition} exceeds maxEntryBytes (${this.#maxEntryBytes})`,
        { field: 'event' },
      );
    }
    const nowMs = Date.now();
    const idBytes = this.#id;
    let id = event.id;
    if (id === undefined) {
      if (!this.#seeded) this.#seed();
      this.#ids.nextInto(nowMs, idBytes, 0);
      id = formatUuid(idBytes, 0);
    } else {
      parseUuidInto(id, idBytes, 0);
    }
    const timestamp = event.timestamp ?? nowMs;
    return [encodeEvent(event, idBytes, timestamp), id, timestamp];
  }

  /** Before the first generated id: sort after the newest event's id, if it is a v7 one. */
  #seed(): void {
    this.#seeded = true;
    const latest = this.#log.latestOffset();
    if (latest === undefined) return;
    const [entry] = this.#log.readFrom(latest, 1);
    const id = entry === undefined ? undefined : peekEventId(entry.data);
    if (id !== undefined) this.#ids.observe(id, 0);
  }
}
