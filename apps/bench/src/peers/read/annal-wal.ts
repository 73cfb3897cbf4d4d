/**
 * `@annal/wal` as a read source: one topic filled in setup (untimed) with `appendSync` under
 * sync `'none'`; each round reads all of it with a named reader's `poll(handler, 2000)` until it
 * returns 0, and checks every record's index, length and sequence number in the flyweight the
 * handler gets (no copy, no allocation per record: what `poll` gives a user).
 *
 * Every round reads with a named reader it has never used, so it starts at index 0 and consumes
 * the topic as a first-time consumer would: under `'strictly-once'` the reader's place is
 * stored into its slot of the mapped readers table once per poll (before its first handler
 * call), under at-least-once every `persistEvery` records. (A topic has
 * {@link MAX_READERS_PER_TOPIC} slots; the row fails when its rounds would need more, which no
 * budget here comes near.)
 *
 * @module
 */
import { MAX_READERS_PER_TOPIC, type Consistency, type WalRecordView } from '@annal/wal';

import { closeWal, openWalInTemporaryDirectory, WAL_TOPIC, type WalBackend } from '../annal-wal.js';
import { readSequence, stampSequence } from '../records.js';
import { badRecordError, type ReadSource } from './read-source.js';

/** Records per `poll`. */
export const WAL_READ_BATCH_ENTRIES = 2000;

/** How a row's description and notes name a consistency mode. */
export function describeConsistency(consistency: Consistency): string {
  return consistency === 'strictly-once'
    ? "'strictly-once'"
    : `{ atLeastOnce: { persistEvery: ${consistency.atLeastOnce.persistEvery} } }`;
}

/** A read source over a new `@annal/wal` log whose topic holds `count` records. */
export async function createAnnalWalSource(
  backend: WalBackend,
  consistency: Consistency,
  count: number,
  template: Buffer,
): Promise<ReadSource> {
  const opened = openWalInTemporaryDirectory({ backend, sync: 'none', consistency });
  const { wal } = opened;
  try {
    const record = Buffer.from(template);
    for (let sequence = 0; sequence < count; sequence++) {
      stampSequence(record, sequence);
      wal.appendSync(WAL_TOPIC, record);
    }
  } catch (error) {
    await closeWal(opened);
    throw error;
  }
  const payloadBytes = template.length;
  let rounds = 0;
  let closed = false;
  let expected = 0;
  // One handler for every round: no closure per round or record.
  const check = (record: WalRecordView): void => {
    const sequence = readSequence(record.buffer, record.offset);
    if (record.index !== expected || record.length !== payloadBytes || sequence !== expected) {
      throw badRecordError(expected, record.length, sequence);
    }
    expected++;
  };
  return {
    readAll(): number {
      if (rounds >= MAX_READERS_PER_TOPIC) {
        throw new Error(
          `round ${rounds} would need reader slot ${rounds + 1} of ${MAX_READERS_PER_TOPIC}`,
        );
      }
      const reader = wal.reader(WAL_TOPIC, { name: `round-${rounds++}` });
      expected = 0;
      try {
        while (reader.poll(check, WAL_READ_BATCH_ENTRIES) > 0);
      } finally {
        reader.close();
      }
      return expected;
    },
    notes: `backend ${backend}, consistency ${describeConsistency(consistency)}; filled with appendSync (sync: 'none'), default 32 MiB segments; a fresh named reader per round, poll(handler, ${WAL_READ_BATCH_ENTRIES}) until 0; the handler reads the flyweight in place (no copy)`,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await closeWal(opened);
    },
  };
}
