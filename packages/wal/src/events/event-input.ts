/**
 * Checks what a caller gives {@link EventLog.appendEvent} and encodes its strings, so that the
 * codec only copies bytes. Every refusal is an `InvalidArgumentError` whose `field` names the
 * part (`type`, `data.json`, `headers`, …).
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

import {
  EVENT_FIXED_BYTES,
  EVENT_DATA_BYTES,
  EVENT_DATA_JSON,
  EVENT_DATA_TEXT,
  EVENT_HEADERS_MAX,
  EVENT_HEADER_KEY_LENGTH_BYTES,
  EVENT_HEADER_KEY_MAX_BYTES,
  EVENT_HEADER_VALUE_LENGTH_BYTES,
  EVENT_TYPE_MAX_BYTES,
} from '../layout.js';
import { isUuid } from './uuidv7.js';

/** An event checked and encoded, waiting for its id and timestamp. @internal */
export interface PreparedEvent {
  /** EVENT_DATA_JSON, EVENT_DATA_TEXT or EVENT_DATA_BYTES. */
  readonly kind: number;
  readonly type: Uint8Array;
  /** Keys and values, alternating, as UTF-8. */
  readonly headers: readonly Uint8Array[];
  readonly data: Uint8Array;
  /** The caller's id, lowercase, or undefined to generate one. */
  readonly id: string | undefined;
  /** The caller's timestamp, or undefined for the clock. */
  readonly timestamp: number | undefined;
  /** Bytes of the whole encoding. */
  readonly length: number;
}

const FIELDS = new Set(['type', 'data', 'headers', 'id', 'timestamp']);
const DATA_KINDS = ['json', 'text', 'bytes'];

const encoder = new TextEncoder();
// TextEncoder turns a lone surrogate into U+FFFD: such a string would not read back as written.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks `input` and encodes its parts.
 * @throws ERR_ANNAL_INVALID_ARGUMENT whose `field` names the part that is wrong
 */
export function checkEventInput(input: unknown): PreparedEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('event', `an event must be an object { type, data, … }: ${describe(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (!FIELDS.has(key)) {
      throw invalid(
        key,
        `${JSON.stringify(key)} is not a field of an event; the fields are ${[...FIELDS].join(', ')}`,
      );
    }
  }
  const event = input as Record<string, unknown>;
  const type = checkType(event['type']);
  const headers = checkHeaders(event['headers']);
  const [kind, data] = checkData(event['data']);
  const id = event['id'];
  if (id !== undefined && !isUuid(id)) {
    throw invalid('id', `id must be a UUID string (8-4-4-4-12 hex digits): ${describe(id)}`);
  }
  const timestamp = event['timestamp'];
  if (timestamp !== undefined && !(typeof timestamp === 'number' && Number.isFinite(timestamp))) {
    throw invalid(
      'timestamp',
      `timestamp must be a finite number (Unix ms): ${describe(timestamp)}`,
    );
  }
  let length = EVENT_FIXED_BYTES + type.length + data.length;
  for (let i = 0; i < headers.length; i += 2) {
    length += EVENT_HEADER_KEY_LENGTH_BYTES + (headers[i] as Uint8Array).length;
    length += EVENT_HEADER_VALUE_LENGTH_BYTES + (headers[i + 1] as Uint8Array).length;
  }
  return {
    kind,
    type,
    headers,
    data,
    id: id === undefined ? undefined : id.toLowerCase(),
    timestamp,
    length,
  };
}

function checkType(type: unknown): Uint8Array {
  if (typeof type !== 'string' || type.length === 0) {
    throw invalid('type', `type must be a non-empty string: ${describe(type)}`);
  }
  const bytes = wellFormed('type', type);
  if (bytes.length > EVENT_TYPE_MAX_BYTES) {
    throw invalid('type', `type is ${bytes.length} UTF-8 bytes; at most ${EVENT_TYPE_MAX_BYTES}`);
  }
  return bytes;
}

function checkHeaders(headers: unknown): Uint8Array[] {
  if (headers === undefined) return [];
  if (typeof headers !== 'object' || headers === null || !isPlainObject(headers)) {
    throw invalid('headers', `headers must be a plain object of strings: ${describe(headers)}`);
  }
  const entries = Object.entries(headers);
  if (entries.length > EVENT_HEADERS_MAX) {
    throw invalid('headers', `${entries.length} headers; at most ${EVENT_HEADERS_MAX}`);
  }
  const encoded: Uint8Array[] = [];
  for (const [key, value] of entries) {
    const field = `headers.${key}`;
    if (key.length === 0) throw invalid('headers', 'a header key must not be empty');
    const keyBytes = wellFormed(field, key);
    if (keyBytes.length > EVENT_HEADER_KEY_MAX_BYTES) {
      throw invalid(
        field,
        `header key is ${keyBytes.length} UTF-8 bytes; at most ${EVENT_HEADER_KEY_MAX_BYTES}`,
      );
    }
    if (typeof value !== 'string') {
      throw invalid(field, `header ${JSON.stringify(key)} must be a string: ${describe(value)}`);
    }
    encoded.push(keyBytes, wellFormed(field, value));
  }
  return encoded;
}

function checkData(data: unknown): [kind: number, bytes: Uint8Array] {
  const keys = typeof data === 'object' && data !== null ? Object.keys(data) : [];
  const [kind] = keys;
  if (keys.length !== 1 || kind === undefined || !DATA_KINDS.includes(kind)) {
    throw invalid('data', `data must be one of { json }, { text } or { bytes }: ${describe(data)}`);
  }
  const value = (data as Record<string, unknown>)[kind];
  if (kind === 'text') {
    if (typeof value !== 'string')
      throw invalid('data.text', `data.text must be a string: ${describe(value)}`);
    return [EVENT_DATA_TEXT, wellFormed('data.text', value)];
  }
  if (kind === 'bytes') {
    if (!(value instanceof Uint8Array)) {
      throw invalid('data.bytes', `data.bytes must be a Uint8Array: ${describe(value)}`);
    }
    return [EVENT_DATA_BYTES, value];
  }
  return [EVENT_DATA_JSON, encoder.encode(stringify(value))];
}

/** `JSON.stringify(value)`, refusing whatever would not read back as it was (EventData). */
function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, jsonReplacer);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    // Cycles, and toJSON methods or getters that throw.
    throw new InvalidArgumentError(`data.json cannot be stored as JSON: ${String(error)}`, {
      field: 'data.json',
      cause: error,
    });
  }
}

/** Sees every value JSON.stringify writes (after toJSON), the root under key "". */
function jsonReplacer(key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      break;
    case 'object':
      if (value === null || Array.isArray(value) || isPlainObject(value)) return value;
      break;
    default:
      break;
  }
  const where = key === '' ? '' : ` at key ${JSON.stringify(key)}`;
  throw invalid(
    'data.json',
    `data.json has ${describe(value)}${where}, which JSON does not represent exactly (null, booleans, finite numbers, strings, arrays and plain objects only)`,
  );
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function wellFormed(field: string, text: string): Uint8Array {
  if (LONE_SURROGATE.test(text)) {
    throw invalid(field, `${field} has a lone surrogate, which UTF-8 cannot store`);
  }
  return encoder.encode(text);
}

function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { field });
}

/** A short description of a wrong value for a message. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value}n (a BigInt)`;
    case 'object':
      return Array.isArray(value)
        ? 'an array'
        : `an object (${value.constructor?.name ?? 'no prototype'})`;
    default:
      return `a ${typeof value}`;
  }
}
