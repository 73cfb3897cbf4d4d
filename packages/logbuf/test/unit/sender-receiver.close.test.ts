import { describe, expect, it } from 'vitest';
import { CLOSED, ClosedError, Receiver, Sender, SpscRing, TIMED_OUT } from '@annal/logbuf';

function senderAndReceiver(capacity = 1024): { sender: Sender; receiver: Receiver } {
  const buffer = SpscRing.allocate(capacity);
  return {
    sender: new Sender(SpscRing.attach(buffer)),
    receiver: new Receiver(SpscRing.attach(buffer), { spinCount: 4 }),
  };
}

describe('Sender#close()', () => {
  it('lets the receiver read what is left, then answers CLOSED', () => {
    const { sender, receiver } = senderAndReceiver();
    sender.trySend(Uint8Array.of(1));
    sender.trySend(Uint8Array.of(2));
    sender.close();
    sender.close(); // idempotent
    expect(receiver.senderClosed).toBe(true);
    const seen: number[] = [];
    for (;;) {
      const record = receiver.recvSync(0);
      if (record === CLOSED) break;
      if (record === TIMED_OUT) throw new Error('timed out');
      seen.push(record.buffer[record.offset] as number);
      record.release();
    }
    expect(seen).toEqual([1, 2]);
    expect(receiver.tryRecv()).toBe(CLOSED);
  });

  it('makes further sends from the closed sender throw ERR_ANNAL_CLOSED', () => {
    const { sender } = senderAndReceiver();
    sender.close();
    expect(() => sender.trySend(Uint8Array.of(1))).toThrow(ClosedError);
    expect(() => sender.tryClaim(1)).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }));
  });

  it('wakes a receiver waiting in recv', async () => {
    const { sender, receiver } = senderAndReceiver();
    const pending = receiver.recv();
    sender.close();
    expect(await pending).toBe(CLOSED);
  });
});

describe('Receiver#close()', () => {
  it('makes senders get CLOSED, and the receiver itself throw ERR_ANNAL_CLOSED', () => {
    const { sender, receiver } = senderAndReceiver();
    expect(sender.trySend(Uint8Array.of(1))).toBe(1);
    receiver.close();
    receiver.close(); // idempotent
    expect(sender.receiverClosed).toBe(true);
    expect(sender.trySend(Uint8Array.of(1))).toBe(CLOSED);
    expect(sender.tryClaim(1)).toBe(CLOSED);
    expect(sender.sendSync(Uint8Array.of(1))).toBe(CLOSED);
    expect(() => receiver.recvSync(0)).toThrow(ClosedError);
    expect(() => receiver.tryRecv()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }));
  });
});
