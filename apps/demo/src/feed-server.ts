/**
 * A local WebSocket feed, on its own thread so that it does not share the client's: it listens
 * on a free loopback port, and to each client that subscribes it pushes `count` messages as fast
 * as the socket takes them, then closes the connection.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';

import { WebSocketServer, type WebSocket } from 'ws';

import { isBinary, makeMessage } from './messages.js';

/** Stop sending while this much is queued in the socket, and go on when it drains. */
const HIGH_WATER_BYTES = 1 << 20;

const { count } = workerData as { count: number };
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });

function push(socket: WebSocket): void {
  let sequence = 0;
  const pump = (): void => {
    while (sequence < count && socket.bufferedAmount < HIGH_WATER_BYTES) {
      socket.send(makeMessage(sequence), { binary: isBinary(sequence) });
      sequence++;
    }
    if (sequence < count) setImmediate(pump);
    else socket.close(1000, 'end of feed');
  };
  pump();
}

server.on('connection', (socket) => {
  socket.once('message', () => {
    push(socket); // any first message subscribes
  });
});
server.on('listening', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the feed has no port');
  parentPort?.postMessage({ port: address.port });
});
parentPort?.on('message', () => {
  server.close();
  parentPort?.close();
});
