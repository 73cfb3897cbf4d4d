/**
 * Misuse that goes past argument checks (misuse.test.ts): a claim re-aimed from outside, an
 * aborted signal given to follow(), bytes from another realm and look-alikes that claim to be
 * bytes. Each is refused with a coded error or handled as documented, never stored as garbage.
 */
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

import { Channel, Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { ManualClock, SMALL as SMALL_BLOCKS } from '../queue-helpers.js';

/** Small blocks, and a clock that stands still: every append of a test is in one cycle. */
const SMALL = { ...SMALL_BLOCKS, clock: new ManualClock().read };

describe('claims cannot be corrupted from outside', () => {
  it("a claim's buffer, offset and length are read-only: commit publishes what was claimed", () => {
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, SMALL);
    const appender = queue.appender();
    const claim = appender.claim(3);
    const offset = claim.offset;
    const buffer = claim.buffer;
    expect(() => {
      (claim as { length: number }).length = 1000;
    }).toThrow(TypeError);
    expect(() => {
      (claim as { offset: number }).offset = 0;
    }).toThrow(TypeError);
    expect(() => {
      (claim as { buffer: Uint8Array }).buffer = new Uint8Array(10);
    }).toThrow(TypeError);
    expect(claim.length).toBe(3);
    expect(claim.offset).toBe(offset);
    expect(claim.buffer).toBe(buffer);
    claim.buffer.set([7, 8, 9], claim.offset);
    const index = claim.commit();
    expect(appender.appendSync(Uint8Array.of(4))).toBe(index + 1);
    const reader = queue.reader();
    expect([...(reader.next()?.payload ?? [])]).toEqual([7, 8, 9]);
    expect([...(reader.next()?.payload ?? [])]).toEqual([4]);
    expect(() => claim.commit()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'claim' }),
    );
  });
});

describe('aborted signals', () => {
  it('follow() with an aborted signal ends at once, yielding nothing', async () => {
    const directory = temporaryDirectory();
    using queue = Queue.open(directory, SMALL);
    queue.appender().appendSync(Uint8Array.of(1));
    const seen: number[] = [];
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    for await (const record of queue.reader().follow({ signal: controller.signal })) {
      seen.push(record.index);
    }
    expect(seen).toEqual([]);
  });
});

describe('what counts as bytes', () => {
  it('a Uint8Array of another realm is bytes; a look-alike that claims to be one is not', () => {
    using queue = Queue.open(temporaryDirectory(), SMALL);
    const appender = queue.appender();
    const foreign = runInNewContext('new Uint8Array([4, 5, 6])') as Uint8Array;
    expect(foreign instanceof Uint8Array).toBe(false);
    const index = appender.appendSync(foreign);
    const disguised = Object.defineProperty(new Float64Array([1.5]), Symbol.toStringTag, {
      value: 'Uint8Array',
    });
    expect(() => appender.appendSync(disguised as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'payload' }),
    );
    const reader = queue.reader();
    expect(reader.seek(index)).toBe(true);
    expect([...(reader.next()?.payload ?? [])]).toEqual([4, 5, 6]);
    expect(reader.next()).toBeUndefined();
    const path = join(temporaryDirectory(), 'foreign.channel');
    using writer = Channel.create(path, { capacity: '64 KiB' });
    expect(writer.write(foreign)).toBe(0);
  });
});
