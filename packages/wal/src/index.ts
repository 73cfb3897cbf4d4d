/**
 * `@annal/wal`: a topic write-ahead log for Node.js — memory-mapped segments with checksummed
 * entries, named readers whose offsets persist in a fixed-slot mapped table, fsync schedules
 * with group commit, and batches that stay atomic across a crash.
 *
 * @packageDocumentation
 */
export { Wal, WAL_LOCK_FILE } from './wal.js';
export type { ReadBatchOptions, ReadLimits, ReadNextOptions, WalEntry } from './wal.js';
export { DEFAULT_DATA_DIR, DEFAULT_NAMESPACE, parseWalOptions } from './options.js';
export type { Consistency, ResolvedWalOptions, WalOptions } from './options.js';
export { READER_NAME_MAX_BYTES, READER_SLOTS } from './layout.js';
export { EventLog } from './events/event-log.js';
export type { AppendedEvent, Event, EventData, EventInput } from './events/event.js';
export { EVENT_HEADERS_MAX, EVENT_HEADER_KEY_MAX_BYTES, EVENT_TYPE_MAX_BYTES } from './layout.js';
export { MAX_PARTITION } from './wal.js';
