/**
 * The server of the archiver suite's ws scenario: a `ws` WebSocketServer on 127.0.0.1 that, for
 * each `round` message from the main thread, pushes `count` binary messages of `payloadBytes` to
 * the one client connected, then posts `pushed`.
 *
 * The handshake and the socket are ws's; the messages are written as pre-built, unmasked
 * WebSocket binary frames straight to the socket, 64 KiB per write, and the server waits for the
 * socket's 'drain' whenever write() says its buffer is full. A ws.send() per message would cost
 * this thread more than the client pays to receive, and on 2 vCPUs it would make the server,
 * not the client, the bottleneck; the client cannot tell the difference (the bytes are the
 * frames ws.send() writes). Every message's first 4 bytes are its sequence number within the
 * round (u32 little-endian); the rest is a fixed pattern.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { WebSocketServer } from 'ws';

const { payloadBytes } = workerData;
if (payloadBytes < 126 || payloadBytes > 65535) throw new Error('payloadBytes must be 126..65535');
/** FIN + binary opcode, then 126 (a 16-bit length follows), then the length. */
const HEADER_BYTES = 4;
const FRAME_BYTES = HEADER_BYTES + payloadBytes;
const FRAMES_PER_WRITE = Math.floor((64 << 10) / FRAME_BYTES);

const template = Buffer.alloc(FRAME_BYTES);
template[0] = 0x82;
template[1] = 126;
template.writeUInt16BE(payloadBytes, 2);
for (let index = HEADER_BYTES; index < FRAME_BYTES; index++)
  template[index] = (index * 31 + 7) & 0xff;

let socket;
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('listening', () => {
  parentPort.postMessage({ type: 'listening', port: server.address().port });
});
server.on('connection', (ws) => {
  socket = ws._socket;
  socket.setNoDelay(true);
});

function chunk(first, frames) {
  const bytes = Buffer.allocUnsafe(frames * FRAME_BYTES);
  for (let frame = 0; frame < frames; frame++) {
    const at = frame * FRAME_BYTES;
    template.copy(bytes, at);
    bytes.writeUInt32LE((first + frame) >>> 0, at + HEADER_BYTES);
  }
  return bytes;
}

function push(count) {
  let sent = 0;
  const pump = () => {
    while (sent < count) {
      const frames = Math.min(FRAMES_PER_WRITE, count - sent);
      const bytes = chunk(sent, frames);
      sent += frames;
      if (!socket.write(bytes) && sent < count) {
        socket.once('drain', pump);
        return;
      }
    }
    parentPort.postMessage({ type: 'pushed', count });
  };
  pump();
}

parentPort.on('message', (message) => {
  if (message?.type === 'round') push(message.count);
});
