/**
 * A real FIX session (two jspurefix engines on loopback, through a recording proxy) archived by
 * archiveFixSocket on both engines' sockets; the archive is compared with the proxy's record
 * of the wire.
 */
import { Archiver, openRecording, type Direction } from '@annal/archiver';
import { archiveFixSocket, type FixMalformedReason, type FixSocketTap } from '@annal/archiver/fix';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { concat, fixMessage, hasValidChecksum } from './support/fix-messages.js';
import { runFixSession, type FixSessionResult } from './support/jspurefix-harness.js';
import { startTcpProxy, type ProxyDirection, type TcpProxy } from './support/tcp-proxy.js';

type Side = 'initiator' | 'acceptor';

interface Recorded {
  readonly messages: Uint8Array[];
  readonly timestamps: number[];
}

/** Every archived message of `stream` in `direction`, copied, in archive order. */
function read(directory: string, stream: Side, direction: Direction): Recorded {
  const recording = openRecording(directory);
  try {
    const messages: Uint8Array[] = [];
    const timestamps: number[] = [];
    for (const message of recording.messages({ stream, direction })) {
      expect(message.text).toBe(true);
      messages.push(message.copy());
      timestamps.push(message.timestamp);
    }
    return { messages, timestamps };
  } finally {
    recording.close();
  }
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
const msgType = (message: Uint8Array): string =>
  /\x0135=([^\x01]+)\x01/.exec(latin1(message))?.[1] ?? '?'; // eslint-disable-line no-control-regex

/** The proxy direction that carried what `side` received (`'in'`) or sent (`'out'`). */
function wireOf(side: Side, direction: Direction): ProxyDirection {
  return (side === 'initiator') === (direction === 'out') ? 'up' : 'down';
}

interface ArchivedSession {
  readonly directory: string;
  readonly result: FixSessionResult;
  readonly proxy: TcpProxy;
  readonly taps: Record<Side, FixSocketTap>;
  readonly malformed: { side: Side; reason: FixMalformedReason; bytes: Uint8Array }[];
}

async function archiveSession(
  options: { orders: number; heartbeats: number; inject?: Uint8Array } = {
    orders: 4,
    heartbeats: 2,
  },
): Promise<ArchivedSession> {
  const directory = temporaryDirectory('annal-fix-session-');
  const archiver = await Archiver.open(directory, { whenFull: 'wait' });
  const taps: Partial<Record<Side, FixSocketTap>> = {};
  const malformed: ArchivedSession['malformed'] = [];
  let proxy!: TcpProxy;
  let injected = false;
  try {
    const result = await runFixSession({
      orders: options.orders,
      heartbeats: options.heartbeats,
      connectPort: async (port) => {
        proxy = await startTcpProxy(port);
        return proxy.port;
      },
      onSocket: (side, socket) => {
        taps[side] = archiveFixSocket(archiver, socket, {
          stream: side,
          description: `jspurefix ${side}`,
          onMalformed: (reason, bytes) =>
            malformed.push({ side, reason, bytes: Uint8Array.from(bytes) }),
        });
        // The frame goes in right after the initiator's Logon, before anything else comes up.
        const inject = options.inject;
        if (side === 'acceptor' && inject !== undefined) {
          socket.once('data', () => {
            if (!injected) void proxy.inject('up', inject);
            injected = true;
          });
        }
      },
    });
    await proxy.closed;
    return { directory, result, proxy, taps: taps as Record<Side, FixSocketTap>, malformed };
  } finally {
    await proxy?.close();
    await archiver.close();
  }
}

describe('archiveFixSocket on a jspurefix session', () => {
  it('archives every message of both sides byte-exact, in order per direction, as on the wire', async () => {
    const { directory, result, proxy, taps, malformed } = await archiveSession();
    expect(result.initiator.errors).toEqual([]);
    expect(result.acceptor.errors).toEqual([]);
    // The scripted session happened: logon, heartbeats, orders and executions, logout.
    expect(result.initiator.sent[0]).toBe('A');
    expect(result.initiator.sent.filter((type) => type === 'D')).toHaveLength(4);
    expect(result.initiator.received.filter((type) => type === '0').length).toBeGreaterThanOrEqual(
      2,
    );
    expect(result.initiator.received.filter((type) => type === '8')).toHaveLength(4);
    expect(result.initiator.sent.at(-1)).toBe('5');
    expect(result.acceptor.sent.at(-1)).toBe('5');

    const recording = openRecording(directory);
    // The two taps attach in whichever order the connection completes on each side.
    const streams = recording.streams().sort((a, b) => a.name.localeCompare(b.name));
    recording.close();
    expect(
      streams.map(({ name, protocol, description }) => ({ name, protocol, description })),
    ).toEqual([
      { name: 'acceptor', protocol: 'fix', description: 'jspurefix acceptor' },
      { name: 'initiator', protocol: 'fix', description: 'jspurefix initiator' },
    ]);
    expect(streams.every((stream) => stream.endedAt !== undefined)).toBe(true);

    for (const side of ['initiator', 'acceptor'] as const) {
      const log = result[side];
      for (const direction of ['in', 'out'] as const) {
        const { messages, timestamps } = read(directory, side, direction);
        // Byte-exact and complete: the archived messages, end to end, are the wire's bytes.
        expect(latin1(concat(messages))).toBe(latin1(proxy.wire(wireOf(side, direction))));
        // One archived message per message the engine handled, in its order.
        expect(messages.map(msgType)).toEqual(direction === 'in' ? log.received : log.sent);
        for (const message of messages) {
          expect(latin1(message.subarray(0, 10))).toBe('8=FIX.4.4\x01');
          expect(hasValidChecksum(message)).toBe(true);
        }
        expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
      }
      expect(taps[side].messagesIn).toBe(log.received.length);
      expect(taps[side].messagesOut).toBe(log.sent.length);
      expect(taps[side].malformedIn + taps[side].malformedOut).toBe(0);
      expect(taps[side].dropped + taps[side].failed).toBe(0);
      expect(taps[side].attached).toBe(false);
    }
    expect(malformed).toEqual([]);
  });

  it('counts a malformed frame injected on the wire, does not archive it, and archives the rest of the session', async () => {
    // A Heartbeat with a wrong CheckSum (PossDupFlag=Y, so the engine's sequence check passes it
    // to its own checksum check, which rejects it with a session Reject).
    const good = fixMessage('0', [
      [49, 'INIT'],
      [56, 'ACCEPT'],
      [34, '1'],
      [43, 'Y'],
      [52, '20261204-12:00:00.000'],
    ]);
    const right = Number(latin1(good.subarray(-4, -1)));
    const bad = fixMessage(
      '0',
      [
        [49, 'INIT'],
        [56, 'ACCEPT'],
        [34, '1'],
        [43, 'Y'],
        [52, '20261204-12:00:00.000'],
      ],
      { checksum: String((right + 1) % 256).padStart(3, '0') },
    );
    const { directory, result, proxy, taps, malformed } = await archiveSession({
      orders: 3,
      heartbeats: 1,
      inject: bad,
    });

    expect(malformed).toEqual([{ side: 'acceptor', reason: 'checksum', bytes: bad }]);
    expect(taps.acceptor.malformedIn).toBe(1);
    expect(taps.initiator.malformedIn + taps.initiator.malformedOut).toBe(0);
    // The engine saw it too, rejected it, and the session went on to its logout.
    expect(result.acceptor.sent).toContain('3');
    expect(result.initiator.received.filter((type) => type === '8')).toHaveLength(3);
    expect(result.acceptor.received.at(-1)).toBe('5');

    const wireUp = latin1(proxy.wire('up'));
    const at = wireUp.indexOf(latin1(bad));
    expect(at).toBeGreaterThan(0);
    const upWithoutInjection = wireUp.slice(0, at) + wireUp.slice(at + bad.length);
    const acceptorIn = read(directory, 'acceptor', 'in').messages;
    expect(latin1(concat(acceptorIn))).toBe(upWithoutInjection);
    expect(acceptorIn.every(hasValidChecksum)).toBe(true);
    // Archiving went on after it: the orders and the logout came later.
    const typesIn = acceptorIn.map(msgType);
    expect(typesIn.slice(1).filter((type) => type === 'D')).toHaveLength(3);
    expect(typesIn.at(-1)).toBe('5');
    // The initiator never saw the frame: its side of the archive is its wire, exactly.
    expect(latin1(concat(read(directory, 'initiator', 'out').messages))).toBe(upWithoutInjection);
    expect(latin1(concat(read(directory, 'acceptor', 'out').messages))).toBe(
      latin1(proxy.wire('down')),
    );
  });
});
