/**
 * A recorded jspurefix session served again by serveFixRecording, to a new jspurefix initiator.
 */
import type { Socket } from 'node:net';

import { Archiver, openRecording } from '@annal/archiver';
import { archiveFixSocket, serveFixRecording } from '@annal/archiver/fix';
import { temporaryDirectory } from '@annal/test-utils';
import { expect, it } from 'vitest';

import { concat } from './support/fix-messages.js';
import { runFixSession, runPassiveInitiator } from './support/jspurefix-harness.js';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

it("serves the recorded initiator's inbound side to a new jspurefix initiator, which runs the session again to its logout", async () => {
  const directory = temporaryDirectory('annal-fix-replay-');
  const archiver = await Archiver.open(directory);
  try {
    await runFixSession({
      orders: 2,
      heartbeats: 1,
      onSocket: (side, socket) => {
        archiveFixSocket(archiver, socket, { stream: side });
      },
    });
  } finally {
    await archiver.close();
  }

  const recording = openRecording(directory);
  try {
    const recorded = Array.from(
      recording.messages({ stream: 'initiator', direction: 'in' }),
      (message) => message.copy(),
    );
    const types = recorded.map((message) => /\x0135=([^\x01]+)/.exec(latin1(message))?.[1]); // eslint-disable-line no-control-regex
    expect(types[0]).toBe('A');
    expect(types.filter((type) => type === '8')).toHaveLength(2);
    expect(types.at(-1)).toBe('5');

    const server = await serveFixRecording(recording, { stream: 'initiator', pace: 'recorded' });
    try {
      const wire: Buffer[] = [];
      const log = await runPassiveInitiator(server.port, (socket: Socket) => {
        socket.on('data', (chunk: Buffer) => wire.push(chunk));
      });
      // The engine took the replay as a live acceptor's side: every message, in order.
      expect(log.received).toEqual(types);
      expect(log.errors).toEqual([]);
      expect(log.sent[0]).toBe('A');
      expect(log.sent.at(-1)).toBe('5');
      expect(latin1(Buffer.concat(wire))).toBe(latin1(concat(recorded)));
    } finally {
      await server.close();
    }
  } finally {
    recording.close();
  }
});
