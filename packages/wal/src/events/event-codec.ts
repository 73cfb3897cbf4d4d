/**
 * The binary encoding of one event as one record of its partition's log (layout.ts, "events"; docs/format.md,
 * "Event"). Encoding takes an event already checked by `checkEventInput`; decoding checks
 * every length against the record, the version, the data kind, every string's UTF-8 and the
 * JSON, and throws `ERR_ANNAL_CORRUPT` rather than return anything it did not fully verify.
 *
 * @module
 */
import { CorruptError } from '@annal/native';

import {
  EVENT_DATA_BYTES,
  EVENT_DATA_JSON,
  EVENT_DATA_KIND_OFFSET,
  EVENT_DATA_LENGTH_OFFSET,
  EVENT_DATA_TEXT,
  EVENT_FIXED_BYTES,
  EVENT_HEADERS_MAX,
  EVENT_HEADER_COUNT_OFFSET,
  EVENT_HEADER_KEY_LENGTH_BYTES,
  EVENT_HEADER_KEY_MAX_BYTES,
  EVENT_HEADER_VALUE_LENGTH_BYTES,
  EVENT_ID_BYTES,
  EVENT_ID_OFFSET,
  EVENT_TIMESTAMP_OFFSET,
  EVENT_TYPE_LENGTH_OFFSET,
  EVENT_TYPE_MAX_BYTES,
  EVENT_TYPE_OFFSET,
  EVENT_VERSION,
  EVENT_VERSION_OFFSET,
} from '../layout.js';
import type { Event, EventData } from './event.js';
import type { PreparedEvent } from './event-input.js';
import { NOT_HANDLED, parseAsciiJson } from './ascii-json.js';
import { decodeText, internedText } from './text.js';
import { formatUuid } from './uuidv7.js';

/** Which partition an record came from, for error messages. @internal */
export interface EventSource {
  readonly topic: string;
  readonly partition: number;
}

/**
 * The record for `event` with the 16 bytes of `id` and `timestamp` (Unix ms, finite).
 * @internal
 */
export function encodeEvent(event: PreparedEvent, id: Uint8Array, timestamp: number): Uint8Array {
  const record = new Uint8Array(event.length);
  const view = new DataView(record.buffer);
  view.setUint8(EVENT_VERSION_OFFSET, EVENT_VERSION);
  view.setUint8(EVENT_DATA_KIND_OFFSET, event.kind);
  view.setUint16(EVENT_HEADER_COUNT_OFFSET, event.headers.length / 2, true);
  view.setUint32(EVENT_DATA_LENGTH_OFFSET, event.data.length, true);
  view.setFloat64(EVENT_TIMESTAMP_OFFSET, timestamp, true);
  record.set(id.subarray(0, EVENT_ID_BYTES), EVENT_ID_OFFSET);
  view.setUint16(EVENT_TYPE_LENGTH_OFFSET, event.type.length, true);
  record.set(event.type, EVENT_TYPE_OFFSET);
  let at = EVENT_TYPE_OFFSET + event.type.length;
  const headers = event.headers;
  for (let i = 0; i < headers.length; i += 2) {
    const key = headers[i] as Uint8Array;
    const value = headers[i + 1] as Uint8Array;
    view.setUint16(at, key.length, true);
    at += EVENT_HEADER_KEY_LENGTH_BYTES;
    record.set(key, at);
    at += key.length;
    view.setUint32(at, value.length, true);
    at += EVENT_HEADER_VALUE_LENGTH_BYTES;
    record.set(value, at);
    at += value.length;
  }
  record.set(event.data, at);
  return record;
}

/**
 * The event in `record`, the payload of the sub-log record at `index` of `source`.
 * @throws ERR_ANNAL_CORRUPT naming the topic, partition and index (also in `index`) when
 *   anything in the record is out of place
 * @internal
 */
export function decodeEvent(record: Uint8Array, index: number, source: EventSource): Event {
  return decodeEventAt(record, 0, record.length, index, source);
}

/**
 * The event in `bytes[start, start + length)`, where the record lies (a segment's mapping or
 * read window): nothing is copied first, and what the event keeps (strings, the parsed JSON, a
 * copy of bytes data) is its own. Everything is checked before it is used.
 * @throws ERR_ANNAL_CORRUPT as {@link decodeEvent}
 * @internal
 */
export function decodeEventAt(
  bytes: Uint8Array,
  start: number,
  length: number,
  index: number,
  source: EventSource,
): Event {
  const end = start + length;
  if (length < EVENT_FIXED_BYTES) {
    throw corrupt(
      source,
      index,
      `${length} bytes, shorter than the ${EVENT_FIXED_BYTES} bytes before an event's type`,
    );
  }
  const version = bytes[start + EVENT_VERSION_OFFSET] as number;
  if (version !== EVENT_VERSION) throw corrupt(source, index, `unknown version ${version}`);
  const kind = bytes[start + EVENT_DATA_KIND_OFFSET] as number;
  if (kind !== EVENT_DATA_JSON && kind !== EVENT_DATA_TEXT && kind !== EVENT_DATA_BYTES) {
    throw corrupt(source, index, `unknown data kind ${kind}`);
  }
  const headerCount = u16(bytes, start + EVENT_HEADER_COUNT_OFFSET);
  if (headerCount > EVENT_HEADERS_MAX) {
    throw corrupt(source, index, `${headerCount} headers; at most ${EVENT_HEADERS_MAX}`);
  }
  const dataLength = u32(bytes, start + EVENT_DATA_LENGTH_OFFSET);
  const timestamp = f64(bytes, start + EVENT_TIMESTAMP_OFFSET);
  if (!Number.isFinite(timestamp)) {
    throw corrupt(source, index, `timestamp ${timestamp} is not finite`);
  }
  const id = formatUuid(bytes, start + EVENT_ID_OFFSET);
  const typeLength = u16(bytes, start + EVENT_TYPE_LENGTH_OFFSET);
  if (typeLength === 0 || typeLength > EVENT_TYPE_MAX_BYTES) {
    throw corrupt(source, index, `type length ${typeLength}; from 1 to ${EVENT_TYPE_MAX_BYTES}`);
  }
  // Every length is checked against what is left before it is used: `at + n > end`.
  let at = start + EVENT_TYPE_OFFSET;
  if (at + typeLength > end) {
    throw corrupt(source, index, `the type runs past the end of the record (${length} bytes)`);
  }
  const type = typeText(bytes, at, typeLength);
  if (type === undefined) throw corrupt(source, index, 'the type is not valid UTF-8');
  at += typeLength;

  let headers: Record<string, string> = EMPTY_HEADERS;
  if (headerCount > 0) {
    // Most events carry no headers: the object and the duplicate check are made only for those that do.
    const entries: [string, string][] = [];
    const keys = new Set<string>();
    for (let h = 0; h < headerCount; h++) {
      if (at + EVENT_HEADER_KEY_LENGTH_BYTES > end) {
        throw corrupt(source, index, `header ${h} runs past the end of the record`);
      }
      const keyLength = u16(bytes, at);
      at += EVENT_HEADER_KEY_LENGTH_BYTES;
      if (keyLength === 0 || keyLength > EVENT_HEADER_KEY_MAX_BYTES) {
        throw corrupt(
          source,
          index,
          `header ${h} has a key of ${keyLength} bytes; from 1 to ${EVENT_HEADER_KEY_MAX_BYTES}`,
        );
      }
      if (at + keyLength + EVENT_HEADER_VALUE_LENGTH_BYTES > end) {
        throw corrupt(source, index, `header ${h} runs past the end of the record`);
      }
      const key = internedText(bytes, at, keyLength);
      if (key === undefined) {
        throw corrupt(source, index, `the key of header ${h} is not valid UTF-8`);
      }
      at += keyLength;
      if (keys.has(key)) {
        throw corrupt(source, index, `header ${JSON.stringify(key)} appears twice`);
      }
      keys.add(key);
      const valueLength = u32(bytes, at);
      at += EVENT_HEADER_VALUE_LENGTH_BYTES;
      if (at + valueLength > end) {
        throw corrupt(source, index, `the value of header ${h} runs past the end of the record`);
      }
      const value = decodeText(bytes, at, valueLength);
      if (value === undefined) {
        throw corrupt(source, index, `the value of header ${h} is not valid UTF-8`);
      }
      entries.push([key, value]);
      at += valueLength;
    }
    headers = Object.fromEntries(entries);
  }

  if (at + dataLength !== end) {
    throw corrupt(
      source,
      index,
      `data of ${dataLength} bytes at byte ${at - start} does not end the record of ${length} bytes`,
    );
  }
  let data: EventData;
  if (kind === EVENT_DATA_BYTES) {
    data = { bytes: bytes.slice(at, end) };
  } else if (kind === EVENT_DATA_JSON) {
    // Small ASCII JSON is parsed from the bytes; the rest is decoded and given to JSON.parse.
    let json = parseAsciiJson(bytes, at, dataLength);
    if (json === NOT_HANDLED) json = parseJsonText(bytes, at, dataLength, source, index);
    data = { json };
  } else {
    const text = decodeText(bytes, at, dataLength);
    if (text === undefined) throw corrupt(source, index, 'the data is not valid UTF-8');
    data = { text };
  }
  return {
    id,
    index,
    timestamp,
    type,
    data,
    headers: headers === EMPTY_HEADERS ? {} : headers,
  };
}

/**
 * The type of the last event decoded, bytes and string: a log holds runs of events of one type,
 * so one comparison of the bytes finds most types (the intern table hashes them first).
 */
const lastType = { bytes: new Uint8Array(0), text: '' };

/** {@link internedText} for an event's type, through {@link lastType}. */
function typeText(bytes: Uint8Array, at: number, length: number): string | undefined {
  const last = lastType.bytes;
  if (last.length === length) {
    let k = 0;
    while (k < length && last[k] === bytes[at + k]) k++;
    if (k === length) return lastType.text;
  }
  const text = internedText(bytes, at, length);
  if (text !== undefined) {
    lastType.bytes = bytes.slice(at, at + length);
    lastType.text = text;
  }
  return text;
}

/** JSON data the byte parser left: decoded as UTF-8, then `JSON.parse`. */
function parseJsonText(
  bytes: Uint8Array,
  at: number,
  length: number,
  source: EventSource,
  index: number,
): unknown {
  const text = decodeText(bytes, at, length);
  if (text === undefined) throw corrupt(source, index, 'the data is not valid UTF-8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw corrupt(source, index, 'the data is not valid JSON');
  }
}

/** Marks "no headers" without allocating until the event object is built. */
const EMPTY_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function corrupt(source: EventSource, index: number, problem: string): CorruptError {
  return new CorruptError(
    `topic ${JSON.stringify(source.topic)} partition ${source.partition}: the event at index ${index} is corrupt: ${problem}`,
    { index },
  );
}

// Fixed-width fields are read byte by byte, little-endian: a DataView per event cost 90 ns, more
// than the reads it served.
function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
}

function u32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16)) +
    (bytes[at + 3] as number) * 0x1000000
  );
}

const float64 = new Float64Array(1);
const float64Bytes = new Uint8Array(float64.buffer);
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function f64(bytes: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) {
    float64Bytes[HOST_LITTLE_ENDIAN ? i : 7 - i] = bytes[at + i] as number;
  }
  return float64[0] as number;
}

/**
 * The id of the event in `record` (a subarray), or undefined when the record is not an event of
 * this version. Checks only what it reads: for seeding the id generator, never for data.
 * @internal
 */
export function peekEventId(record: Uint8Array): Uint8Array | undefined {
  if (record.length < EVENT_FIXED_BYTES || record[EVENT_VERSION_OFFSET] !== EVENT_VERSION) {
    return undefined;
  }
  return record.subarray(EVENT_ID_OFFSET, EVENT_ID_OFFSET + EVENT_ID_BYTES);
}
