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
import { formatUuid } from './uuidv7.js';

// fatal: invalid UTF-8 is corruption, not U+FFFD; ignoreBOM: a leading U+FEFF is text, kept.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Strings up to this many bytes are tried as ASCII before the decoder (measured: types, keys). */
const ASCII_FAST_PATH_BYTES = 64;

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
  const corrupt = (problem: string): CorruptError =>
    new CorruptError(
      `topic ${JSON.stringify(source.topic)} partition ${source.partition}: the event at index ${index} is corrupt: ${problem}`,
      { index },
    );
  const length = record.length;
  if (length < EVENT_FIXED_BYTES) {
    throw corrupt(
      `${length} bytes, shorter than the ${EVENT_FIXED_BYTES} bytes before an event's type`,
    );
  }
  const view = new DataView(record.buffer, record.byteOffset, length);
  const version = view.getUint8(EVENT_VERSION_OFFSET);
  if (version !== EVENT_VERSION) throw corrupt(`unknown version ${version}`);
  const kind = view.getUint8(EVENT_DATA_KIND_OFFSET);
  if (kind !== EVENT_DATA_JSON && kind !== EVENT_DATA_TEXT && kind !== EVENT_DATA_BYTES) {
    throw corrupt(`unknown data kind ${kind}`);
  }
  const headerCount = view.getUint16(EVENT_HEADER_COUNT_OFFSET, true);
  if (headerCount > EVENT_HEADERS_MAX) {
    throw corrupt(`${headerCount} headers; at most ${EVENT_HEADERS_MAX}`);
  }
  const dataLength = view.getUint32(EVENT_DATA_LENGTH_OFFSET, true);
  const timestamp = view.getFloat64(EVENT_TIMESTAMP_OFFSET, true);
  if (!Number.isFinite(timestamp)) throw corrupt(`timestamp ${timestamp} is not finite`);
  const id = formatUuid(record, EVENT_ID_OFFSET);
  const typeLength = view.getUint16(EVENT_TYPE_LENGTH_OFFSET, true);
  if (typeLength === 0 || typeLength > EVENT_TYPE_MAX_BYTES) {
    throw corrupt(`type length ${typeLength}; from 1 to ${EVENT_TYPE_MAX_BYTES}`);
  }
  // Every length is checked against what is left before it is used: `at + n > length`.
  let at = EVENT_TYPE_OFFSET;
  if (at + typeLength > length)
    throw corrupt(`the type runs past the end of the record (${length} bytes)`);
  const type = utf8(record, at, typeLength, 'the type', corrupt);
  at += typeLength;

  // Most events carry no headers: allocate the list and the duplicate check only for those that do.
  const headers: [string, string][] | undefined = headerCount === 0 ? undefined : [];
  const keys: Set<string> | undefined = headerCount === 0 ? undefined : new Set<string>();
  for (let h = 0; h < headerCount; h++) {
    if (at + EVENT_HEADER_KEY_LENGTH_BYTES > length)
      throw corrupt(`header ${h} runs past the end of the record`);
    const keyLength = view.getUint16(at, true);
    at += EVENT_HEADER_KEY_LENGTH_BYTES;
    if (keyLength === 0 || keyLength > EVENT_HEADER_KEY_MAX_BYTES) {
      throw corrupt(
        `header ${h} has a key of ${keyLength} bytes; from 1 to ${EVENT_HEADER_KEY_MAX_BYTES}`,
      );
    }
    if (at + keyLength + EVENT_HEADER_VALUE_LENGTH_BYTES > length) {
      throw corrupt(`header ${h} runs past the end of the record`);
    }
    const key = utf8(record, at, keyLength, `the key of header ${h}`, corrupt);
    at += keyLength;
    if ((keys as Set<string>).has(key))
      throw corrupt(`header ${JSON.stringify(key)} appears twice`);
    (keys as Set<string>).add(key);
    const valueLength = view.getUint32(at, true);
    at += EVENT_HEADER_VALUE_LENGTH_BYTES;
    if (at + valueLength > length)
      throw corrupt(`the value of header ${h} runs past the end of the record`);
    (headers as [string, string][]).push([
      key,
      utf8(record, at, valueLength, `the value of header ${h}`, corrupt),
    ]);
    at += valueLength;
  }

  if (at + dataLength !== length) {
    throw corrupt(
      `data of ${dataLength} bytes at byte ${at} does not end the record of ${length} bytes`,
    );
  }
  let data: EventData;
  if (kind === EVENT_DATA_BYTES) {
    data = { bytes: record.slice(at, length) };
  } else {
    const text = utf8(record, at, dataLength, 'the data', corrupt);
    if (kind === EVENT_DATA_TEXT) {
      data = { text };
    } else {
      try {
        data = { json: JSON.parse(text) as unknown };
      } catch {
        throw corrupt('the data is not valid JSON');
      }
    }
  }
  return {
    id,
    index,
    timestamp,
    type,
    data,
    headers: headers === undefined ? {} : Object.fromEntries(headers),
  };
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

function utf8(
  record: Uint8Array,
  at: number,
  length: number,
  what: string,
  corrupt: (problem: string) => CorruptError,
): string {
  // Short ASCII (types, keys, small JSON) skips the decoder, whose call costs more than the loop;
  // ASCII bytes are valid UTF-8 and decode to the same characters.
  if (length <= ASCII_FAST_PATH_BYTES) {
    let ascii = true;
    for (let i = at, end = at + length; i < end; i++) {
      if ((record[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return String.fromCharCode.apply(
        null,
        record.subarray(at, at + length) as unknown as number[],
      );
    }
  }
  try {
    return decoder.decode(record.subarray(at, at + length));
  } catch {
    throw corrupt(`${what} is not valid UTF-8`);
  }
}
