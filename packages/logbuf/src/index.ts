/**
 * @annal/logbuf: SPSC and MPSC ring buffers for variable-length byte records over a
 * SharedArrayBuffer, and a sender and a receiver over a ring: the receiver can wait while senders never do. Pure
 * TypeScript with no dependencies; runs wherever SharedArrayBuffer exists.
 *
 * @module
 */
export { SpscRing } from './spsc-ring.js';
export { MpscRing, DEFAULT_UNBLOCK_TIMEOUT_MS } from './mpsc-ring.js';
export type { MpscRingOptions } from './mpsc-ring.js';
export { WriteClaim } from './write-claim.js';
export { ReadClaim } from './read-claim.js';
export type { RecordHandler } from './consumer.js';
export { Sender, DEFAULT_SEND_SPINS } from './sender.js';
export { Receiver, DEFAULT_SPIN_COUNT } from './receiver.js';
export type { FollowOptions, ReceiverOptions } from './receiver.js';
export { IdleStrategy, DEFAULT_IDLE_PAUSE_MICROS } from './idle-strategy.js';
export type { IdleStrategyOptions } from './idle-strategy.js';
export { BACK_PRESSURED, EMPTY, CLOSED, TIMED_OUT } from './status.js';
export type { Status } from './status.js';
export {
  LogbufError,
  InvalidArgumentError,
  InvalidOptionError,
  CorruptError,
  TooLargeError,
  ClosedError,
  TimeoutError,
  AbortedError,
} from './errors.js';
export type { LogbufErrorCode, LogbufErrorDetails } from './errors.js';
export { MAX_CAPACITY_BYTES, MIN_CAPACITY_BYTES } from './layout.js';
