/**
 * `@annal/archiver/fix`: records every FIX message a `net` socket carries, both ways, into an
 * annal archive ({@link archiveFixSocket}), framed and checked by {@link FixFramer}; and serves
 * a recording again as a FIX acceptor.
 *
 * @module
 */
export { FixSocketTap, archiveFixSocket } from './archive-socket.js';
export type { ArchiveFixSocketOptions } from './archive-socket.js';
export {
  DEFAULT_MAX_FIX_MESSAGE_BYTES,
  FixFramer,
  MAX_MAX_FIX_MESSAGE_BYTES,
  MIN_MAX_FIX_MESSAGE_BYTES,
} from './framer.js';
export type {
  FixFramerOptions,
  FixMalformedHandler,
  FixMalformedReason,
  FixMessageHandler,
} from './framer.js';
export { fixChecksum } from './fix-layout.js';
export { FixRecordingServer, serveFixRecording } from './serve-recording.js';
export type { FixReplayPace, ServeFixRecordingOptions } from './serve-recording.js';
