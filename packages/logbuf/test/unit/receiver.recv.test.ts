import { describe, expect, it } from 'vitest';
import {
  BACK_PRESSURED,
  EMPTY,
  MpscRing,
  Receiver,
  Sender,
  SpscRing,
  TIMED_OUT,
} from '@annal/logbuf';

function senderAndReceiver(capacity = 1024): { sender: Sender; receiver: Receiver } {
  const buffer = SpscRing.allocate(capacity);
  return {
    sender: new Sender(SpscRing.attach(buffer)),
    receiver: new Receiver(SpscRing.attach(buffer), { spinCount: 4 }),
  };
}

describe('Receiver#recvSync()', () => {
  it('returns TIMED_OUT when nothing arrives in time', () => {
    const { receiver } = senderAndReceiver();
    expect(receiver.recvSync(1)).toBe(TIMED_OUT);
    expect(receiver.tryRecv()).toBe(EMPTY);
  });

  it('throws ERR_ANNAL_ABORTED for an aborted signal', () => {
    const { receiver } = senderAndReceiver();
    expect(() => receiver.recvSync(1000, AbortSignal.abort('stop'))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_ABORTED', cause: 'stop' }),
    );
  });

  it('works over an MPSC ring', () => {
    const buffer = MpscRing.allocate(1024);
    const sender = new Sender(MpscRing.attach(buffer));
    const receiver = new Receiver(MpscRing.attach(buffer, { unblockTimeoutMs: 50 }));
    sender.trySend(Uint8Array.of(3));
    const record = receiver.recvSync(1000);
    if (typeof record === 'number') throw new Error(`got ${record}`);
    expect([...record.bytes]).toEqual([3]);
    record.release();
  });
});

describe('Receiver#recv()', () => {
  it('rejects with ERR_ANNAL_ABORTED when the signal aborts while waiting', async () => {
    const { receiver } = senderAndReceiver();
    const controller = new AbortController();
    const pending = receiver.recv(Infinity, controller.signal);
    controller.abort(new Error('shutdown'));
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ANNAL_ABORTED' });
  });

  it('resolves with a record committed while it waits', async () => {
    const { sender, receiver } = senderAndReceiver();
    const pending = receiver.recv(10_000);
    setImmediate(() => sender.trySend(Uint8Array.of(42)));
    const record = await pending;
    if (typeof record === 'number') throw new Error(`got ${record}`);
    expect([...record.bytes]).toEqual([42]);
    record.release();
  });

  it('returns TIMED_OUT when nothing arrives in time', async () => {
    const { receiver } = senderAndReceiver();
    expect(await receiver.recv(1)).toBe(TIMED_OUT);
  });
});

describe('Receiver#follow()', () => {
  it('iterates until the sender closes, releasing each record', async () => {
    const { sender, receiver } = senderAndReceiver(64);
    const seen: number[] = [];
    const producing = (async () => {
      for (let i = 0; i < 50;) {
        if (sender.trySend(Uint8Array.of(i)) === BACK_PRESSURED) await new Promise(setImmediate);
        else i++;
      }
      sender.close();
    })();
    for await (const record of receiver) seen.push(record.buffer[record.offset] as number);
    await producing;
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('releases the current record when the loop breaks early', async () => {
    const { sender, receiver } = senderAndReceiver();
    sender.trySend(Uint8Array.of(1));
    sender.trySend(Uint8Array.of(2));
    for await (const record of receiver.follow()) {
      expect(record.buffer[record.offset]).toBe(1);
      break;
    }
    const next = receiver.tryRecv();
    if (typeof next === 'number') throw new Error(`got ${next}`);
    expect(next.buffer[next.offset]).toBe(2);
    next.release();
  });
});

describe('new Sender() / new Receiver()', () => {
  it('refuses what is not a ring', () => {
    expect(() => new Sender({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'ring' }),
    );
    expect(() => new Receiver(SpscRing.attach(SpscRing.allocate(64)), { spinCount: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'spinCount' }),
    );
  });
});
