/**
 * {@link EventLog}: typed events over one partition of a topic, after kawa-storage's event
 * layer without its flaws: indexes are the partition log's own (never renumbered
 * from a scan), every segment stays readable, a damaged event is an error naming where it is,
 * and ids are time-ordered UUIDv7 instead of v4.
 *
 * @module
 */
import { InvalidArgumentError, TooLargeError } from '@annal/native';

import { checkIndex } from '../arguments.js';
import type { RecordLocation } from '../cursor.js';
import type { SubLog } from '../sub-log.js';
import type { AppendedEvent, Event, EventInput } from './event.js';
import { decodeEventAt, encodeEvent, peekEventId, type EventSource } from './event-codec.js';
import { checkEventInput } from './event-input.js';
import { UUID_BYTES, Uuidv7Generator, formatUuid, parseUuidInto } from './uuidv7.js';

/**
 * The events of one partition of a topic: `wal.events(topic, partition)`. Each event is one
 * record of the partition's log, a log with indexes of its own (0, 1, 2, …) that no plain
 * topic can see or collide with, whatever its name.
 *
 * Belongs to its `Wal`: use it from the thread that opened the wal, like the wal itself.
 * It keeps its own id generator (nothing at module level), so logs of other partitions or
 * other `Wal` instances in the process never share state.
 *
 * Durability is exactly that of the partition's records (the wal's Durability table): an
 * event survives a crash of the process once `appendSync` returns under the `mmap` backend
 * (under `fd`, once that turn of the event loop has ended), and power loss once the `sync`
 * schedule synced it: `append` resolves after that under `sync: 'each'`, and `sync()` waits for
 * it under any schedule. A crash never makes part of an event readable: its record is framed
 * and checksummed whole, as every record is.
 *
 * Ids: UUIDv7 (RFC 9562): 48 bits of Unix ms, a 12-bit counter that keeps the ids of one
 * `EventLog` strictly increasing within a millisecond and across a clock that steps back, and
 * 62 random bits. The first generated id also sorts after the partition's newest event when
 * that one has a v7 id, so a wal reopened after its clock stepped back keeps them increasing.
 */
export class EventLog {
  /** The topic. */
  readonly topic: string;
  /** The partition (0 … MAX_PARTITION). */
  readonly partition: number;
  readonly #log: SubLog;
  readonly #maxPayloadBytes: number;
  readonly #source: EventSource;
  readonly #ids = new Uuidv7Generator();
  /** Scratch for the id of the event being appended. */
  readonly #id = new Uint8Array(UUID_BYTES);
  #seeded = false;
  readonly #decode = (location: RecordLocation): Event =>
    decodeEventAt(location.bytes, location.start, location.length, location.index, this.#source);

  /**
   * Use `wal.events(topic, partition)`.
   * @internal
   */
  constructor(log: SubLog, topic: string, partition: number, maxPayloadBytes: number) {
    this.#log = log;
    this.topic = topic;
    this.partition = partition;
    this.#maxPayloadBytes = maxPayloadBytes;
    this.#source = { topic, partition };
  }

  /**
   * Appends one event and returns where it went once it is written: readable at once, safe
   * from a crash of the process as a record is (above), and durable against power loss only
   * per the `sync` schedule (under `'each'`, before it returns).
   * @throws ERR_ANNAL_INVALID_ARGUMENT whose `field` names the wrong part (`event`, `type`,
   *   `data`, `data.json`, `data.text`, `data.bytes`, `headers`, `headers.<key>`, `id`,
   *   `timestamp`); ERR_ANNAL_TOO_LARGE when the encoded event exceeds `maxPayloadBytes`;
   *   ERR_ANNAL_FULL, ERR_ANNAL_IO, ERR_ANNAL_CLOSED as `Wal.appendSync`. Nothing is written
   *   when it throws.
   */
  appendSync(input: EventInput): AppendedEvent {
    const [payload, id, timestamp] = this.#encode(input);
    return { id, index: this.#log.appendSync(payload), timestamp };
  }

  /**
   * {@link appendSync}, resolving once the event is as durable as the schedule promises:
   * under `'each'` after the fdatasync that covers it (events appended meanwhile share it),
   * otherwise at once. Rejects with the same errors.
   */
  async append(input: EventInput): Promise<AppendedEvent> {
    const [payload, id, timestamp] = this.#encode(input);
    return { id, index: await this.#log.append(payload), timestamp };
  }

  /**
   * Up to `limit` events from index `index` on, in index order: stateless (nothing is
   * consumed or stored), each a fresh copy. Past the newest event: `[]`. An index older than
   * the oldest event kept (the `retention` option) starts at that event: look at `index`.
   * Finding `index` skims at most 256 frames past the nearest checkpoint of its segment's
   * sparse index (built as reads walk the segment).
   * @param index - the first index to read (an integer from 0)
   * @param limit - most events to return (an integer from 1)
   * A damaged record or event ends the batch before it (the events before it are returned); a
   * read that starts there throws.
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`index`, `limit`); ERR_ANNAL_CORRUPT at a damaged
   *   record or event, naming topic, partition and index; ERR_ANNAL_CLOSED
   */
  readFrom(index: number, limit: number): Event[] {
    checkIndex(index);
    if (!(Number.isSafeInteger(limit) && limit >= 1)) {
      throw new InvalidArgumentError(`limit must be an integer from 1: ${String(limit)}`, {
        field: 'limit',
      });
    }
    // Decoded where each record lies: a copy of its payload first would be thrown away.
    return this.#log.readMapped(index, limit, this.#decode);
  }

  /**
   * The index of the newest event, or undefined when the partition has none. Current as of
   * the call: appends in this process show at once.
   * @throws ERR_ANNAL_CLOSED
   */
  lastIndex(): number | undefined {
    return this.#log.lastIndex();
  }

  /**
   * Resolves when every event appended so far (in this wal) survives power loss, syncing now if
   * the schedule would not. Rejects with ERR_ANNAL_IO if a sync failed; ERR_ANNAL_CLOSED.
   */
  sync(): Promise<void> {
    return this.#log.sync();
  }

  /** {@link sync} on the calling thread. @throws ERR_ANNAL_IO, ERR_ANNAL_CLOSED */
  syncSync(): void {
    this.#log.syncSync();
  }

  /** Checks and encodes `input`: the payload, the id and the timestamp. */
  #encode(input: EventInput): [payload: Uint8Array, id: string, timestamp: number] {
    const event = checkEventInput(input);
    if (event.length > this.#maxPayloadBytes) {
      throw new TooLargeError(
        `an event of ${event.length} bytes for topic ${JSON.stringify(this.topic)} partition ${this.partition} exceeds maxPayloadBytes (${this.#maxPayloadBytes})`,
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
    const last = this.#log.lastIndex();
    if (last === undefined) return;
    const [record] = this.#log.readFrom(last, 1);
    const id = record === undefined ? undefined : peekEventId(record.payload);
    if (id !== undefined) this.#ids.observe(id, 0);
  }
}
