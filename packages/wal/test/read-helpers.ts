import type { Wal, WalRecord } from '@annal/wal';

/**
 * The next record for named reader `name` of `topic`: opens the reader, reads one record
 * (stored as the consistency mode says) and closes it, as a process that reads one record per
 * run would.
 */
export function nextOf(wal: Wal, topic: string, name: string): WalRecord | undefined {
  const reader = wal.reader(topic, { name });
  try {
    return reader.next();
  } finally {
    reader.close();
  }
}

/** Up to `limit` records for named reader `name` of `topic` through `poll`, copied. */
export function pollOf(wal: Wal, topic: string, name: string, limit = 2000): WalRecord[] {
  const reader = wal.reader(topic, { name });
  const records: WalRecord[] = [];
  try {
    reader.poll((record) => records.push({ index: record.index, payload: record.copy() }), limit);
  } finally {
    reader.close();
  }
  return records;
}
