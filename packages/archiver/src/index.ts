/**
 * `@annal/archiver`: records every message a service sends and receives into an `@annal/core`
 * queue, off the thread that handles the traffic, and reads it back. Adapters:
 * `@annal/archiver/ws` for `ws` sockets, `@annal/archiver/fix` for FIX sessions over `net`
 * sockets.
 *
 * @module
 */
export { Archiver } from './archiver.js';
export { ArchiveStream } from './archive-stream.js';
export type { ArchiverEvents } from './archiver.js';
export type { ArchiverStats } from './archiver-stats.js';
export type { Direction, RecordMeta } from './archive-stream.js';
export {
  DEFAULT_BACKLOG_BYTES,
  DEFAULT_RING_BYTES,
  DEFAULT_SYNC_EVERY_MS,
  DEFAULT_WAIT_MICROS,
} from './options.js';
export type { ArchiverOptions, WhenFull } from './options.js';
export { MAX_STREAM_NAME_LENGTH } from './stream-info.js';
export type { StreamInfo } from './stream-info.js';
export { ArchivedMessage } from './archived-message.js';
export { Recording, openRecording } from './recording.js';
export { isArchiveStart, readRecordHeader } from './record-header.js';
export type { RecordHeader, RecordKind } from './record-header.js';
export type {
  MessageFilter,
  RecordedStream,
  RecordingSource,
  RecordingSummary,
} from './recording.js';
export { BackPressuredError, WorkerFailedError } from './errors.js';
export { RECORD_FORMAT, RECORD_HEADER_BYTES } from './layout.js';
