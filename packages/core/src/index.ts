/**
 * `@annal/core`: a persistent, memory-mapped, rolling message queue (Chronicle Queue's model)
 * for Node.js. Appenders write records into preallocated, mapped cycle files with one atomic
 * store per record; readers in any thread or process read them in place, seek by index, and
 * tail across processes.
 *
 * @packageDocumentation
 */
export { Queue } from './queue.js';
export type { DeleteCyclesOptions } from './queue.js';
export type { CycleInfo, NamedReaderInfo, QueueInfo } from './queue-info.js';
export type { RepairOptions, RepairReport } from './queue-repair.js';
// verify()'s report has one shape in every package (@annal/native defines it).
export { DEFAULT_MAX_PROBLEMS } from '@annal/native';
export type { VerifyOptions, VerifyProblem, VerifyReport } from '@annal/native';
export { Appender, AppendClaim, APPENDER_LOCK_FILE } from './appender.js';
export { Reader } from './reader.js';
export { READER_LOCK_DIRECTORY } from './reader.js';
export type {
  FollowOptions,
  ReaderOptions,
  RecordHandler,
  WaitNextOptions,
  WaitNextSyncOptions,
} from './reader.js';
export { QueueRecord } from './record.js';
export { Channel, ChannelReader, ChannelWriter } from './channel.js';
export type { ChannelCreateOptions, ChannelFollowOptions, ChannelStatus } from './channel.js';
export { IndexCodec, indexFromBigInt, indexToBigInt } from './queue-index.js';
export { ROLL_CYCLES } from './roll-cycle.js';
export type { RollCycle, RollCycleName } from './roll-cycle.js';
export {
  queueOptionsSchema,
  DEFAULT_BLOCK_BYTES,
  MAX_BLOCK_BYTES,
  MIN_BLOCK_BYTES,
  DEFAULT_LOCK_TIMEOUT_MS,
} from './options.js';
export type {
  AppenderOptions,
  QueueOptions,
  ResolvedAppenderOptions,
  ResolvedQueueOptions,
} from './options.js';
export { MAX_SHARED_APPENDERS } from './appender-membership.js';
export {
  CYCLE_FILE_EXTENSION,
  FORMAT_VERSION,
  MAX_READER_NAME_BYTES,
  METADATA_FILE_NAME,
  READER_POSITIONS_FILE_NAME,
} from './layout.js';
