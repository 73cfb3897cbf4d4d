/**
 * serveFixRecording: a recorded stream's inbound side, served again to raw TCP clients.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

import { Archiver, openRecording, type Recording } from '@annal/archiver';
import { archiveFixSocket, serveFixRecording, type FixReplayPace } from '@annal/archiver/fix';
import { ErrorCode } from '@annal/native';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { concat, fixMessage } from './support/fix-messages.js';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

const venueMessages = [
  fixMessage('A', [
    [98, '0'],
    [108, '30'],
  ]),
  fixMessage('0', [[112, 'hb-1']], { bodyLengthDigits: 7 }),
  fixMessage('8', [
    [37, 'ord-1'],
    [17, 'exec-1'],
    [150, 'F'],
  ]),
  fixMessage('8', [
    [37, 'ord-2'],
    [17, 'exec-2'],
    [58, '8=FIX.4.4 in a Text field'],
  ]),
  fixMessage('5', [[58, 'bye']]),
];

/** A connected pair of loopback sockets. */
async function socketPair(): Promise<{ local: Socket; remote: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const local = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(local, 'connect');
  const [remote] = await accepted;
  server.close();
  return { local, remote };
}

/**
 * Records a stream 'venue' whose counterparty sends `venueMessages` one at a time (each after the
 * previous one arrived, so they have distinct times) while the application sends its own, and a
 * second stream 'other'.
 */
async function record(directory: string): Promise<void> {
  const archiver = await Archiver.open(directory);
  const venue = await socketPair();
  const other = await socketPair();
  venue.local.resume();
  other.local.resume();
  archiveFixSocket(archiver, venue.local, { stream: 'venue' });
  archiveFixSocket(archiver, other.local, { stream: 'other' });
  other.remote.write(fixMessage('0', [[112, 'not this stream']]));
  for (const message of venueMessages) {
    const arrived = once(venue.local, 'data');
    venue.remote.write(message);
    await arrived;
    venue.local.write(fixMessage('0', [[112, 'sent by the application']]));
  }
  const closed = Promise.all([once(venue.local, 'close'), once(other.local, 'close')]);
  venue.remote.end();
  other.remote.end();
  venue.local.end();
  other.local.end();
  await closed;
  await archiver.close();
}

/** Connects to the server and resolves with everything it sent, once it ended the connection. */
async function receiveAll(port: number): Promise<Buffer> {
  const client = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => chunks.push(chunk));
  // The client says something, as an initiator would: the server must not mind.
  client.write(fixMessage('A', [[98, '0']]));
  await once(client, 'end');
  client.end();
  await once(client, 'close');
  return Buffer.concat(chunks);
}

async function withRecording(test: (recording: Recording) => Promise<void>): Promise<void> {
  const directory = temporaryDirectory('annal-fix-serve-');
  await record(directory);
  const recording = openRecording(directory);
  try {
    await test(recording);
  } finally {
    recording.close();
  }
}

describe('serveFixRecording', () => {
  for (const pace of ['asap', 'recorded'] as FixReplayPace[]) {
    it(`sends each client the recorded inbound messages of the stream, byte-exact, in order (${pace})`, async () => {
      await withRecording(async (recording) => {
        const inbound = Array.from(recording.messages({ stream: 'venue', direction: 'in' }), (m) =>
          latin1(m.copy()),
        );
        expect(inbound).toEqual(venueMessages.map(latin1));
        const server = await serveFixRecording(recording, { stream: 'venue', pace });
        try {
          expect(server.host).toBe('127.0.0.1');
          // Two clients at once: each gets the whole replay on its own reader.
          const [first, second] = await Promise.all([
            receiveAll(server.port),
            receiveAll(server.port),
          ]);
          expect(latin1(first)).toBe(latin1(concat(venueMessages)));
          expect(latin1(second)).toBe(latin1(concat(venueMessages)));
          expect(server.messagesServed).toBe(2 * venueMessages.length);
        } finally {
          await server.close();
          await server.close();
        }
        expect(server.connections).toBe(0);
      });
    });
  }

  it('close() ends a replay in progress and releases its reader', async () => {
    await withRecording(async (recording) => {
      const server = await serveFixRecording(recording, { stream: 'venue', pace: 'recorded' });
      const client = connect(server.port, '127.0.0.1');
      client.on('error', () => undefined);
      const closed = once(client, 'close');
      await once(client, 'data');
      await server.close();
      await closed;
      expect(server.connections).toBe(0);
      // The recording is still usable: the server closed only its own readers.
      expect(recording.streams().map((stream) => stream.name)).toEqual(['venue', 'other']);
    });
  });

  it('refuses what is not a recording, bad options, an unknown stream and a port in use', async () => {
    await withRecording(async (recording) => {
      await expect(serveFixRecording({} as never, { stream: 'venue' })).rejects.toMatchObject({
        code: ErrorCode.INVALID_ARGUMENT,
        field: 'recording',
      });
      await expect(serveFixRecording(recording, { stream: 'nope' })).rejects.toMatchObject({
        code: ErrorCode.INVALID_OPTION,
        field: 'stream',
        message: expect.stringContaining('"venue", "other"'),
      });
      await expect(
        serveFixRecording(recording, { stream: 'venue', pace: 'slow' as never }),
      ).rejects.toMatchObject({ code: ErrorCode.INVALID_OPTION, field: 'pace' });
      await expect(
        serveFixRecording(recording, { stream: 'venue', port: 70000 }),
      ).rejects.toMatchObject({ code: ErrorCode.INVALID_OPTION, field: 'port' });
      await expect(
        serveFixRecording(recording, { stream: 'venue', prot: 1 } as never),
      ).rejects.toMatchObject({ code: ErrorCode.INVALID_OPTION, field: 'prot' });

      const first = await serveFixRecording(recording, { stream: 'venue' });
      try {
        await expect(
          serveFixRecording(recording, { stream: 'venue', port: first.port }),
        ).rejects.toMatchObject({
          code: ErrorCode.IO,
          cause: expect.objectContaining({ code: 'EADDRINUSE' }),
        });
      } finally {
        await first.close();
      }
    });
  });
});
