/**
 * The shapes of the event layer: what {@link EventLog.append} takes and what
 * {@link EventLog.readFrom} gives back.
 *
 * @module
 */

/**
 * An event's payload, one of three kinds, read back in the same kind:
 * - `{ json }`: any value JSON represents exactly (null, booleans, finite numbers, strings,
 *   arrays and plain objects of them), stored as `JSON.stringify` text; a value with a `toJSON`
 *   method (a `Date`) is stored as what that returns. `undefined`, functions, symbols, BigInt,
 *   NaN, ±Infinity, cycles, array holes and other objects (`Map`, class instances, typed arrays)
 *   are refused, so what is read back equals what was appended (`-0` reads back as `0`).
 * - `{ text }`: a string (well-formed: no lone surrogates), stored as UTF-8.
 * - `{ bytes }`: raw bytes, copied; read back as a `Uint8Array`.
 */
export type EventData =
  | {
      /** A value JSON represents exactly, stored as its `JSON.stringify` text. */
      readonly json: unknown;
    }
  | {
      /** A well-formed string (no lone surrogates), stored as UTF-8. */
      readonly text: string;
    }
  | {
      /** Raw bytes, copied when appended; read back as a `Uint8Array`. */
      readonly bytes: Uint8Array;
    };

/** What {@link EventLog.append} takes. */
export interface EventInput {
  /** What happened, e.g. `'order.created'`: 1 to 255 UTF-8 bytes. */
  readonly type: string;
  /** The payload. */
  readonly data: EventData;
  /**
   * String metadata, e.g. a correlation id: at most 256 headers, keys of 1 to 255 UTF-8 bytes.
   * Read back with the keys in the same order. Default none.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The id, a UUID string of any version (stored as its 16 bytes, read back lowercase), e.g.
   * one an upstream system assigned. Default: a fresh UUIDv7 (see {@link EventLog}).
   */
  readonly id?: string;
  /** When the event happened, Unix ms (any finite number). Default: the clock at append. */
  readonly timestamp?: number;
}

/** Where an event went: what {@link EventLog.append} returns. */
export interface AppendedEvent {
  /** The event's id, lowercase UUID. */
  readonly id: string;
  /** Its index in the partition: 0 for the first event, then consecutive. */
  readonly index: number;
  /** Its timestamp, Unix ms. */
  readonly timestamp: number;
}

/** An event as read: exactly what was appended, with its id, index and timestamp. */
export interface Event extends AppendedEvent {
  /** What happened, as appended. */
  readonly type: string;
  /** The payload, in the kind it was appended in (`json`, `text` or `bytes`). */
  readonly data: EventData;
  /** The headers (an empty object when there were none). */
  readonly headers: Readonly<Record<string, string>>;
}
