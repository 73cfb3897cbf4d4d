/**
 * A record as `dump`, `tail` and `export` show it, in each `--format`.
 *
 * @module
 */
import type { Event } from '@annal/wal';

import { microsecondTime, type ShownMessage } from './archive-store.js';
import type { StoreRecord } from './opened-store.js';
import type { Output } from './output.js';
import { hexLines, inlinePayload, jsonPayload, type JsonPayload } from './payload.js';
import { counted, time } from './units.js';

/** The formats of `dump` and `tail`. */
export const RECORD_FORMATS = ['text', 'hex', 'json'] as const;
/** One of {@link RECORD_FORMATS}. */
export type RecordFormat = (typeof RECORD_FORMATS)[number];

/** A record as JSON (`--format json`, `--json`, `export --format ndjson`). */
export function recordJson(record: StoreRecord): Record<string, unknown> {
  const { event } = record;
  if (event !== undefined) {
    return {
      ...(record.stream === undefined ? {} : { stream: record.stream }),
      index: event.index,
      id: event.id,
      timestamp: event.timestamp,
      type: event.type,
      data: eventData(event),
      headers: event.headers,
    };
  }
  return {
    ...(record.stream === undefined ? {} : { stream: record.stream }),
    index: record.index,
    ...(record.timestamp === undefined ? {} : { timestamp: record.timestamp }),
    length: record.payload.length,
    payload: jsonPayload(record.payload),
  };
}

/** An event's data in JSON: JSON data as it is, text as `{ text }`, bytes as `{ base64 }`. */
function eventData(event: Event): unknown {
  const data = event.data;
  if ('json' in data) return { json: data.json };
  if ('text' in data) return { text: data.text };
  return jsonPayload(data.bytes) satisfies JsonPayload;
}

/** Writes `record` to `output` in `format`. */
export async function writeRecord(
  output: Output,
  record: StoreRecord,
  format: RecordFormat,
): Promise<void> {
  if (format === 'json' || output.json) {
    await output.value(recordJson(record));
    return;
  }
  const { dim, cyan } = output.colors;
  const stream = record.stream === undefined ? '' : `${cyan(record.stream)}  `;
  const { event } = record;
  if (event !== undefined) {
    const data = eventData(event);
    await output.line(
      `${stream}${record.index}  ${dim(time(event.timestamp))}  ${event.type}  ${JSON.stringify(data)}${Object.keys(event.headers).length === 0 ? '' : `  ${dim(JSON.stringify(event.headers))}`}  ${dim(event.id)}`,
    );
    return;
  }
  const when = record.timestamp === undefined ? '' : `${dim(time(record.timestamp))}  `;
  if (format === 'hex') {
    await output.line(`${stream}${record.index}  ${when}${dim(`${record.payload.length} B`)}`);
    for (const line of hexLines(record.payload)) await output.line(`  ${line}`);
    return;
  }
  await output.line(
    `${stream}${record.index}  ${when}${dim(`${record.payload.length} B`)}  ${inlinePayload(record.payload)}`,
  );
}

/** An archived message as JSON (`--format json`, `--json`). */
export function messageJson(message: ShownMessage): Record<string, unknown> {
  return {
    index: message.index,
    time: microsecondTime(message.seconds, message.nanos),
    timestamp: message.timestamp,
    session: message.session,
    stream: message.stream,
    streamId: message.streamId,
    direction: message.direction,
    text: message.text,
    droppedBefore: message.droppedBefore,
    length: message.body.length,
    payload: message.text
      ? { text: new TextDecoder().decode(message.body) }
      : { base64: Buffer.from(message.body).toString('base64') },
  };
}

/**
 * Writes an archived message to `output` in `format`: index, time to the microsecond, stream,
 * direction and body (a text message as quoted text, a binary one as hex). Messages the archiver
 * dropped just before it come first, as a `~` line.
 */
export async function writeMessage(
  output: Output,
  message: ShownMessage,
  format: RecordFormat,
): Promise<void> {
  if (format === 'json' || output.json) {
    await output.value(messageJson(message));
    return;
  }
  const { dim, cyan, yellow } = output.colors;
  if (message.droppedBefore > 0) {
    await output.line(
      yellow(`~ ${counted(message.droppedBefore, 'message')} dropped by the archiver here`),
    );
  }
  const head = `${message.index}  ${dim(microsecondTime(message.seconds, message.nanos))}  ${cyan(message.stream)}  ${message.direction.padEnd(3)}`;
  if (format === 'hex') {
    await output.line(`${head}  ${dim(`${message.body.length} B`)}`);
    for (const line of hexLines(message.body)) await output.line(`  ${line}`);
    return;
  }
  const body = message.text
    ? JSON.stringify(new TextDecoder().decode(message.body))
    : `0x${Buffer.from(message.body).toString('hex')}`;
  await output.line(`${head}  ${body}`);
}
