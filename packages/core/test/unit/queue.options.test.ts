import { describe, expect, it } from 'vitest';
import { Queue, indexFromBigInt, indexToBigInt } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { ManualClock, SMALL } from '../queue-helpers.js';

describe('Queue options and errors', () => {
  it.each([
    [{ blockBytes: 1000 }, 'blockBytes'],
    [{ blockBytes: '3 MiB' }, 'blockBytes'],
    [{ rollCycle: 'WEEKLY' }, 'rollCycle'],
    [{ checksums: 'md5' }, 'checksums'],
    [{ indexSpacing: 3 }, 'indexSpacing'],
    [
      { blockBytes: '64 KiB', rollCycle: 'TEST_SECONDLY', maxPayloadBytes: 20_000 },
      'maxPayloadBytes',
    ],
    [{ rollCycle: 'FIVE_MINUTELY', indexCount: 4096, indexSpacing: 256 }, 'indexSpacing'],
    [{ blokSize: 1 }, 'blokSize'],
  ])('rejects %j with ERR_ANNAL_INVALID_OPTION naming %s', (options, field) => {
    expect(() => Queue.open(temporaryDirectory(), options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field }),
    );
  });

  it('rejects a record longer than maxPayloadBytes before writing anything', () => {
    using queue = Queue.open(temporaryDirectory(), { ...SMALL, clock: new ManualClock().read });
    const appender = queue.appender();
    expect(appender.maxPayloadBytes).toBe(16376);
    expect(() => appender.appendSync(new Uint8Array(16377))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_TOO_LARGE', field: 'length' }),
    );
    expect(() => appender.claim(-1)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'length' }),
    );
    expect(queue.reader().next()).toBeUndefined();
  });

  it('allows one appender per directory: a second one gets ERR_ANNAL_LOCKED', () => {
    const directory = temporaryDirectory();
    using first = Queue.open(directory, SMALL);
    using second = Queue.open(directory, SMALL);
    first.appender();
    expect(() => second.appender()).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_LOCKED' }));
    first.appender().close();
    expect(second.appender().appendSync(Uint8Array.of(1))).toBeGreaterThan(0);
  });

  it('a read-only queue refuses an appender with ERR_ANNAL_READ_ONLY but reads', () => {
    const directory = temporaryDirectory();
    const writer = Queue.open(directory, SMALL);
    writer.appender().appendSync(Uint8Array.of(7));
    writer.close();
    using reader = Queue.open(directory, { readOnly: true });
    expect(() => reader.appender()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_READ_ONLY' }),
    );
    expect(reader.reader().next()?.copy()).toEqual(Uint8Array.of(7));
  });

  it('keeps the shape an existing queue recorded, whatever the options say', () => {
    const directory = temporaryDirectory();
    const clock = new ManualClock();
    const writer = Queue.open(directory, { ...SMALL, clock: clock.read });
    const index = writer.appender().appendSync(Uint8Array.of(1));
    writer.close();
    using reopened = Queue.open(directory, { clock: clock.read }); // FAST_DAILY, 64 MiB by default
    expect(reopened.indices.sequenceBits).toBe(20);
    expect(reopened.appender().appendSync(Uint8Array.of(2))).toBe(index + 1);
  });

  it('converts indices to and from BigInt exactly', () => {
    using queue = Queue.open(temporaryDirectory(), SMALL);
    const index = queue.indices.compose(123_456, 789);
    expect(queue.indices.cycleOf(index)).toBe(123_456);
    expect(queue.indices.sequenceOf(index)).toBe(789);
    expect(indexFromBigInt(indexToBigInt(index))).toBe(index);
    expect(() => queue.indices.compose(1, 2 ** 20)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_TOO_LARGE' }),
    );
  });
});

describe('Appender#close under a background sync policy', () => {
  it('msyncs before the files are unmapped, so no background sync fails afterwards', async () => {
    const directory = temporaryDirectory();
    const queue = Queue.open(directory, { ...SMALL, sync: { everyMs: 1 } });
    const appender = queue.appender();
    appender.appendSync(Uint8Array.of(1));
    await appender.sync();
    appender.appendSync(Uint8Array.of(2)); // arms the next background sync
    // Closes the appender first (a blocking msync), then unmaps the files; the armed timer's sync
    // then finds the appender closed and does nothing (vitest fails the run on an unhandled
    // rejection, which is what an msync of an unmapped file used to raise).
    queue.close();
    using reopened = Queue.open(directory, { readOnly: true });
    expect(reopened.reader().poll(() => undefined)).toBe(2);
  });
});
