/**
 * `@annal/bridge-nats`: ships an `@annal/core` queue, an `@annal/archiver` recording or an
 * `@annal/wal` topic to a NATS JetStream stream exactly once and in order ({@link BridgeOut}),
 * and consumes a JetStream stream into a local queue or wal topic without appending any
 * message twice ({@link BridgeIn}).
 *
 * @packageDocumentation
 */
export { BridgeOut } from './bridge-out.js';
export type { BridgeOutEvents, BridgeOutMetrics } from './bridge-out.js';
export { BridgeIn } from './bridge-in.js';
export type { BridgeInEvents, BridgeInMetrics } from './bridge-in.js';
export {
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MAX_BATCH_RECORDS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_RECONNECT_WAIT_MS,
  MAX_ORIGIN_LENGTH,
} from './options.js';
export type {
  BridgeInOptions,
  BridgeOutOptions,
  ConnectionOptions,
  QueueSourceOptions,
  QueueTargetOptions,
  WalSourceOptions,
  WalTargetOptions,
} from './options.js';
export {
  DIRECTION_HEADER,
  KIND_HEADER,
  MSG_ID_HEADER,
  STREAM_ID_HEADER,
  TIME_HEADER,
  messageId,
  parseMessageId,
} from './headers.js';
export type { MessageIdentity } from './headers.js';
export {
  BridgeAuthError,
  BridgeConflictError,
  BridgeConnectError,
  BridgeNoStreamError,
  BridgeRejectedError,
  BridgeSubjectError,
} from '@annal/native';
