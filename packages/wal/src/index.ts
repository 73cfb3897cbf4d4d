/**
 * `@annal/wal`: a topic write-ahead log for Node.js — memory-mapped segments with checksummed
 * records, named readers whose places persist in a fixed-slot mapped table, sync schedules
 * with group commit, and batches that stay atomic across a crash.
 *
 * @packageDocumentation
 */
export { Wal, WAL_LOCK_FILE } from './wal.js';
export { FOLLOW_POLL_MS, WalReader } from './wal-reader.js';
export type { FollowOptions, WalReaderOptions, WalRecordHandler } from './wal-reader.js';
export { WalRecordView, DEFAULT_READ_MAX_BYTES, DEFAULT_READ_MAX_RECORDS } from './record.js';
export type { ReadLimits, WalRecord } from './record.js';
export {
  ANNAL_QUIET_VALUES,
  BATCH_OVERHEAD_BYTES_PER_RECORD,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_BATCH_RECORDS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_SEGMENT_BYTES,
  MAX_SEGMENT_BYTES,
  MIN_SEGMENT_BYTES,
  parseWalOptions,
} from './options.js';
export type { ByteSize, Consistency, ResolvedWalOptions, WalOptions } from './options.js';
export { MAX_READER_NAME_BYTES, MAX_READERS_PER_TOPIC } from './layout.js';
export { EventLog } from './events/event-log.js';
export type { AppendedEvent, Event, EventData, EventInput } from './events/event.js';
export { EVENT_HEADERS_MAX, EVENT_HEADER_KEY_MAX_BYTES, EVENT_TYPE_MAX_BYTES } from './layout.js';
export { MAX_PARTITION } from './sub-log.js';
export type { NamedReaderInfo, SegmentInfo, TopicInfo } from './topic-info.js';
export { DEFAULT_MAX_PROBLEMS } from '@annal/native';
export type { VerifyProblem } from '@annal/native';
export type { VerifyOptions, VerifyReport } from './verify.js';
