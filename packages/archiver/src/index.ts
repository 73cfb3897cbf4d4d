/**
 * `@annal/archiver`: records every message a service sends and receives into an `@annal/core`
 * queue, off the thread that handles the traffic. Adapters: `@annal/archiver/ws` for `ws`
 * sockets, `@annal/archiver/fix` for FIX sessions over `net` sockets.
 *
 * @module
 */
export const ARCHIVER_FORMAT_VERSION = 1;
