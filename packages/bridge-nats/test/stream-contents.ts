/** Reads back what a stream holds, for the tests' checks. */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** One stored message as the tests check it. */
export interface Stored {
  readonly seq: number;
  readonly subject: string;
  readonly index: number;
  readonly origin: string;
  readonly payload: Uint8Array;
  readonly headers: Record<string, string>;
}

/** Every message of `stream` (on `subject`, if given), in stream order. */
export async function storedMessages(
  url: string,
  stream: string,
  subject?: string,
  credentials: { user?: string; pass?: string } = {},
): Promise<Stored[]> {
  const nc = await connect({ servers: url, ...credentials });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    // nats-server 2.9 has no filtered ordered consumer (filter_subjects is 2.10): read all, keep some.
    const total = info.state.messages;
    const result: Stored[] = [];
    if (total === 0) return result;
    const js = jetstream(nc);
    const consumer = await js.consumers.get(stream);
    const messages = await consumer.consume();
    let seen = 0;
    for await (const message of messages) {
      seen++;
      if (subject !== undefined && message.subject !== subject) {
        if (seen >= total) break;
        continue;
      }
      const headers: Record<string, string> = {};
      for (const [key, values] of message.headers ?? []) headers[key] = values[0] ?? '';
      result.push({
        seq: message.seq,
        subject: message.subject,
        index: Number(headers['Nats-Msg-Id']?.split(':')[1]),
        origin: headers['Nats-Msg-Id']?.split(':')[0] ?? '',
        payload: message.data.slice(),
        headers,
      });
      if (seen >= total) break;
    }
    await messages.close();
    return result;
  } finally {
    await nc.close();
  }
}

/** Creates a stream storing `subjects`. */
export async function createStream(
  url: string,
  name: string,
  subjects: string[],
  options: { duplicateWindowMs?: number; user?: string; pass?: string } = {},
): Promise<void> {
  const { user, pass } = options;
  const nc = await connect({
    servers: url,
    ...(user === undefined ? {} : { user }),
    ...(pass === undefined ? {} : { pass }),
  });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name,
      subjects,
      ...(options.duplicateWindowMs === undefined
        ? {}
        : { duplicate_window: options.duplicateWindowMs * 1_000_000 }),
    });
  } finally {
    await nc.close();
  }
}
