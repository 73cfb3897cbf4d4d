import { describeDocExamples, NatsServer } from '@annal/test-utils';
import { afterAll, beforeAll } from 'vitest';

import { createStream } from '../stream-contents.js';

// The examples need a server: one of their own, reached through NATS_URL (the children inherit it).
let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start();
  await createStream(server.url, 'ORDERS', ['orders.>']);
  process.env['NATS_URL'] = server.url;
});
afterAll(async () => {
  delete process.env['NATS_URL'];
  await server.dispose();
});

// Every ```js block of the README runs as a user's module, and prints its "prints" block.
describeDocExamples(new URL('../..', import.meta.url), { atLeast: 2, printsBlocks: true });
