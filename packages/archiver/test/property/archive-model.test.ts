import { join } from 'node:path';

import { Archiver, openRecording } from '@annal/archiver';
import { temporaryDirectory } from '@annal/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const SOAK = process.env['ANNAL_SOAK'] === '1';

/** One step of a traffic thread: declare a stream, record on one, end one, or let a turn pass. */
type Step =
  | { readonly kind: 'stream'; readonly name: string; readonly protocol: string }
  | {
      readonly kind: 'message';
      readonly stream: number;
      readonly out: boolean;
      readonly text: boolean;
      readonly bytes: Uint8Array;
    }
  | { readonly kind: 'end'; readonly stream: number }
  | { readonly kind: 'turn' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('stream' as const),
      name: fc.string({ minLength: 1, maxLength: 20 }),
      protocol: fc.constantFrom('ws', 'fix', ''),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('message' as const),
      stream: fc.nat(),
      out: fc.boolean(),
      text: fc.boolean(),
      bytes: fc.uint8Array({ maxLength: 300 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('end' as const), stream: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'turn' as const }) },
);

describe('an archive, against a model of what was recorded', () => {
  it('reads back every stream and message exactly as recorded, for any sequence of calls', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 400 }), async (steps) => {
        const directory = join(temporaryDirectory(), 'archive');
        const archiver = await Archiver.open(directory, { ringBytes: '64 KiB', whenFull: 'wait' });
        const streams: {
          name: string;
          protocol: string;
          ended: boolean;
          handle: ReturnType<Archiver['stream']>;
        }[] = [];
        const expected: string[] = [];
        for (const s of steps) {
          if (s.kind === 'stream') {
            streams.push({
              name: s.name,
              protocol: s.protocol,
              ended: false,
              handle: archiver.stream(s.name, { protocol: s.protocol }),
            });
          } else if (s.kind === 'turn') {
            await new Promise((resolve) => setImmediate(resolve));
          } else if (streams.length > 0) {
            const target = streams[s.stream % streams.length]!;
            if (s.kind === 'end') {
              target.handle.end();
              target.ended = true;
            } else {
              const recorded = s.out
                ? target.handle.recordOut(s.bytes, s.text)
                : target.handle.recordIn(s.bytes, s.text);
              expect(recorded).toBe(true);
              expected.push(
                `${target.handle.id}:${target.name}/${s.out ? 'out' : 'in'}/${s.text}/${Buffer.from(s.bytes).toString('hex')}`,
              );
            }
          }
        }
        const stats = await archiver.close();
        expect(stats.dropped).toBe(0);
        const recording = openRecording(directory);
        try {
          const got = Array.from(
            recording.messages(),
            (m) =>
              `${m.streamId}:${m.stream}/${m.direction}/${m.text}/${Buffer.from(m.value).toString('hex')}`,
          );
          expect(got).toEqual(expected);
          const summary = recording.summary();
          expect(summary.messages).toBe(expected.length);
          expect(
            summary.streams.map((s) => [s.id, s.name, s.protocol, s.endedAt !== undefined]),
          ).toEqual(streams.map((s, i) => [i + 1, s.name, s.protocol, s.ended]));
        } finally {
          recording.close();
        }
      }),
      { numRuns: SOAK ? 200 : 10 },
    );
  });
});
