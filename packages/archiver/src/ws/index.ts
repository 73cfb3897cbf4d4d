/**
 * `@annal/archiver/ws`: record the messages of `ws` sockets into an archiver
 * ({@link archiveWebSocket}) and serve a recording back to WebSocket
 * clients ({@link serveRecording}). `ws` is an optional peer dependency of `@annal/archiver`:
 * install it to use this entry point.
 *
 * @module
 */
export { archiveWebSocket, WS_PROTOCOL } from './archive-socket.js';
export type { ArchiveWebSocketOptions, WebSocketTap } from './archive-socket.js';
export { serveRecording } from './serve-recording.js';
export type { RecordingServer, ServeRecordingOptions } from './serve-recording.js';
export { archiveServer } from './archive-server.js';
export type { ArchiveServerOptions, ServerTap } from './archive-server.js';
