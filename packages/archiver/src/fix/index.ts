/**
 * `@annal/archiver/fix`: records every FIX message a `net` socket carries, in both directions,
 * into an annal archive; and serves a recording again as a FIX acceptor.
 *
 * @module
 */
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
