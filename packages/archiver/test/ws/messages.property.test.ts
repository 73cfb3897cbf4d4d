import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openRecording } from '@annal/archiver';
import { serveRecording } from '@annal/archiver/ws';
import { temporaryDirectory } from '@annal/test-utils';

import {
  WebSocket,
  binary,
  comparable,
  pattern,
  receiveAll,
  recordFeed,
  recorded,
  text,
  type Message,
} from './feed.js';

const message: fc.Arbitrary<Message> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }).map(text) },
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }).map(binary) },
  // Past 64 KiB: a 64-bit length in the frame header, and three fragments on the wire.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 65_537, max: 150_000 }), fc.boolean())
      .map(([length, isText]) => ({
        text: isText,
        bytes: isText ? new TextEncoder().encode('x'.repeat(length)) : pattern(length, length),
      })),
  },
);

describe('ws archive (property)', () => {
  it('archives and plays back any sequence of messages exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 40 }), async (feed) => {
        const directory = temporaryDirectory();
        const received = await recordFeed(directory, feed);
        expect(comparable(received)).toEqual(comparable(feed));
        using recording = openRecording(directory);
        expect(comparable(recorded(recording, 'feed', 'in'))).toEqual(comparable(feed));
        await using server = await serveRecording(recording, { speed: 'max' });
        const played = await receiveAll(new WebSocket(server.url));
        expect(played.code).toBe(1000);
        expect(comparable(played.messages)).toEqual(comparable(feed));
      }),
      { numRuns: 5 },
    );
  });
});
