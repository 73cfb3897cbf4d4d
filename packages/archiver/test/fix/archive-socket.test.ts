/**
 * archiveFixSocket on plain loopback sockets: what it records, what it never changes, and how it
 * behaves when the archiver cannot take a message.
 */
import { once } from 'node:events';
import { Socket, connect, createServer, type AddressInfo } from 'node:net';

import { Archiver, openRecording, type Direction } from '@annal/archiver';
import { archiveFixSocket, type FixMalformedReason } from '@annal/archiver/fix';
import { ErrorCode } from '@annal/native';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { concat, fixMessage } from './support/fix-messages.js';

interface Pair {
  /** The socket the test taps. */
  readonly local: Socket;
  /** The other end. */
  readonly remote: Socket;
  /** Everything `remote` received, once it has ended. */
  readonly received: Promise<Buffer>;
}

async function socketPair(): Promise<Pair> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const local = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(local, 'connect');
  const [remote] = await accepted;
  server.close();
  const chunks: Buffer[] = [];
  remote.on('data', (chunk: Buffer) => chunks.push(chunk));
  const received = once(remote, 'end').then(() => Buffer.concat(chunks));
  return { local, remote, received };
}

function archived(directory: string, direction: Direction, stream = 'venue'): string[] {
  const recording = openRecording(directory);
  try {
    return Array.from(recording.messages({ stream, direction }), (message) =>
      Buffer.from(message.value).toString('latin1'),
    );
  } finally {
    recording.close();
  }
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

const messages = [
  fixMessage('A', [
    [98, '0'],
    [108, '30'],
  ]),
  fixMessage('D', [
    [11, 'order-1'],
    [55, 'AAPL'],
  ]),
  fixMessage('0', [[112, 'ping']], { bodyLengthDigits: 7 }),
];

describe('archiveFixSocket', () => {
  it('records what arrives and what the application writes (buffers, strings, end(chunk)), unchanged', async () => {
    const directory = temporaryDirectory('annal-fix-tap-');
    const archiver = await Archiver.open(directory);
    const { local, remote, received } = await socketPair();
    // The application reads strings: the tap turns them back into the same bytes.
    local.setEncoding('latin1');
    const appReceived: string[] = [];
    local.on('data', (chunk: string) => appReceived.push(chunk));
    const tap = archiveFixSocket(archiver, local, { stream: 'venue' });
    expect(tap.stream.protocol).toBe('fix');
    const tappedWrite: unknown = Reflect.get(local, 'write');

    // Inbound, cut anywhere: one byte, then the rest in two uneven pieces.
    const inbound = concat(messages);
    const closed = once(local, 'close');
    remote.write(inbound.subarray(0, 1));
    remote.write(inbound.subarray(1, 40));
    remote.end(inbound.subarray(40));

    // Outbound: a Buffer, a string with its encoding, and end() with the last message.
    const [first, second, third] = messages as [Uint8Array, Uint8Array, Uint8Array];
    local.write(first);
    local.write(latin1(second), 'latin1');
    local.end(third);
    expect(latin1(await received)).toBe(latin1(concat(messages)));
    await closed;
    await archiver.close();

    expect(appReceived.join('')).toBe(latin1(inbound));
    expect(archived(directory, 'in')).toEqual(messages.map(latin1));
    expect(archived(directory, 'out')).toEqual(messages.map(latin1));
    expect([tap.messagesIn, tap.messagesOut, tap.malformedIn, tap.malformedOut]).toEqual([
      3, 3, 0, 0,
    ]);
    // Closing detached it: the socket has its own methods back. (Node itself replaced write when
    // the peer's FIN came, with its write-after-FIN error: that one stays.)
    expect(tap.attached).toBe(false);
    expect(Reflect.get(local, 'write')).not.toBe(tappedWrite);
    expect(Object.hasOwn(local, 'end')).toBe(false);
    const recording = openRecording(directory);
    expect(recording.streams()[0]?.endedAt).toBeGreaterThan(0);
    recording.close();
  });

  it('counts malformed frames both ways, archives none of them, and passes their bytes on untouched', async () => {
    const directory = temporaryDirectory('annal-fix-tap-');
    const archiver = await Archiver.open(directory);
    const { local, remote, received } = await socketPair();
    const seen: [FixMalformedReason, Direction, string][] = [];
    const appReceived: Buffer[] = [];
    local.on('data', (chunk: Buffer) => appReceived.push(chunk));
    const tap = archiveFixSocket(archiver, local, {
      stream: 'venue',
      onMalformed: (reason, bytes, direction) => seen.push([reason, direction, latin1(bytes)]),
    });
    const garbage = new TextEncoder().encode('NOT FIX AT ALL');
    const badChecksum = fixMessage('D', [[11, 'x']], { checksum: '000' });
    const [first, second] = messages as [Uint8Array, Uint8Array];
    const cut = first.subarray(0, 12);

    const closed = once(local, 'close');
    const inbound = concat([first, garbage, second, cut]);
    remote.end(inbound);
    local.end(concat([badChecksum, second]));
    expect(latin1(await received)).toBe(latin1(concat([badChecksum, second])));
    await closed;
    await archiver.close();

    expect(latin1(Buffer.concat(appReceived))).toBe(latin1(inbound));
    expect(archived(directory, 'in')).toEqual([latin1(first), latin1(second)]);
    expect(archived(directory, 'out')).toEqual([latin1(second)]);
    expect(tap.malformedIn).toBe(2);
    expect(tap.malformedOut).toBe(1);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['begin-string', 'in', latin1(garbage)],
        ['truncated', 'in', latin1(cut)],
        ['checksum', 'out', latin1(badChecksum)],
      ]),
    );
  });

  it('detach() puts write and end back, records the stream end and records nothing more', async () => {
    const directory = temporaryDirectory('annal-fix-tap-');
    const archiver = await Archiver.open(directory);
    const { local, remote, received } = await socketPair();
    const ownWrite = (...args: Parameters<Socket['write']>): boolean =>
      Socket.prototype.write.apply(local, args);
    local.write = ownWrite as Socket['write'];
    const tap = archiveFixSocket(archiver, local, { stream: 'venue' });
    expect(Reflect.get(local, 'write')).not.toBe(ownWrite);
    const [first, second] = messages as [Uint8Array, Uint8Array];
    local.write(first);
    tap.detach();
    tap.detach();
    expect(Reflect.get(local, 'write')).toBe(ownWrite);
    expect(Object.hasOwn(local, 'end')).toBe(false);
    local.end(second);
    remote.end();
    expect(latin1(await received)).toBe(latin1(concat([first, second])));
    await once(local, 'close');
    await archiver.close();
    expect(archived(directory, 'out')).toEqual([latin1(first)]);
    expect(tap.messagesOut).toBe(1);
    const recording = openRecording(directory);
    expect(recording.streams()[0]?.endedAt).toBeGreaterThan(0);
    recording.close();
  });

  it('detach() leaves a wrapper added after the tap in place, and the tap under it passes through', async () => {
    const directory = temporaryDirectory('annal-fix-tap-');
    const archiver = await Archiver.open(directory);
    const { local, remote, received } = await socketPair();
    const tap = archiveFixSocket(archiver, local, { stream: 'venue' });
    const tapped = Reflect.get(local, 'write') as Socket['write'];
    let outer = 0;
    const later = (...args: Parameters<Socket['write']>): boolean => {
      outer++;
      return Reflect.apply(tapped, local, args) as boolean;
    };
    local.write = later as Socket['write'];
    const [first, second] = messages as [Uint8Array, Uint8Array];
    local.write(first);
    tap.detach();
    expect(Reflect.get(local, 'write')).toBe(later);
    local.write(second);
    local.end();
    remote.end();
    expect(latin1(await received)).toBe(latin1(concat([first, second])));
    await once(local, 'close');
    await archiver.close();
    expect(outer).toBe(2);
    expect(archived(directory, 'out')).toEqual([latin1(first)]);
  });

  it('never throws into the socket when the archiver cannot record: counts it and tells onError', async () => {
    const directory = temporaryDirectory('annal-fix-tap-');
    const archiver = await Archiver.open(directory);
    const { local, remote, received } = await socketPair();
    const errors: [unknown, Direction][] = [];
    const appReceived: Buffer[] = [];
    local.on('data', (chunk: Buffer) => appReceived.push(chunk));
    const tap = archiveFixSocket(archiver, local, {
      stream: 'venue',
      onError: (error, direction) => {
        errors.push([error, direction]);
        throw new Error('a handler that throws changes nothing');
      },
    });
    await archiver.close();
    const closed = once(local, 'close');
    remote.end(concat(messages));
    const [first] = messages as [Uint8Array];
    local.end(first);
    expect(latin1(await received)).toBe(latin1(first));
    await closed;
    expect(latin1(Buffer.concat(appReceived))).toBe(latin1(concat(messages)));
    // Three messages in, one out.
    expect(tap.failed).toBe(4);
    expect(errors.map(([error]) => (error as { code?: unknown }).code)).toContain(ErrorCode.CLOSED);
    expect(new Set(errors.map(([, direction]) => direction))).toEqual(new Set(['in', 'out']));
  });

  it('refuses what is not an archiver, a socket or valid options, with coded errors', async () => {
    const directory = temporaryDirectory('annal-fix-tap-');
    const archiver = await Archiver.open(directory);
    const socket = new Socket();
    try {
      expect(() => archiveFixSocket({} as never, socket, { stream: 's' })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, field: 'archiver' }),
      );
      expect(() => archiveFixSocket(archiver, {} as never, { stream: 's' })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT, field: 'socket' }),
      );
      expect(() => archiveFixSocket(archiver, socket, {} as never)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_OPTION, field: 'stream' }),
      );
      expect(() => archiveFixSocket(archiver, socket, { stream: '' })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_OPTION, field: 'stream' }),
      );
      expect(() => archiveFixSocket(archiver, socket, { stream: 's', maxMessageBytes: 8 })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_OPTION, field: 'maxMessageBytes' }),
      );
      expect(() =>
        archiveFixSocket(archiver, socket, { stream: 's', onError: 1 as never }),
      ).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTION, field: 'onError' }));
      expect(() =>
        archiveFixSocket(archiver, socket, { stream: 's', strem: 'x' } as never),
      ).toThrow(/"strem" is not an option/);
      // Nothing was declared by the refused calls, nor left wrapped on the socket.
      expect(Object.hasOwn(socket, 'write')).toBe(false);
    } finally {
      socket.destroy();
      await archiver.close();
    }
    const recording = openRecording(directory);
    expect(recording.streams()).toEqual([]);
    recording.close();
  });
});
