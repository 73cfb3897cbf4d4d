import { Wal, type WalRecord } from '@annal/wal';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';
import { pollOf } from '../read-helpers.js';

const SOAK = process.env['ANNAL_SOAK'] === '1';
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The child's options (wal-roll-killer.mjs): a roll every 1,036 entries of 1,000 bytes. */
const OPTIONS = {
  segmentBytes: '1 MiB',
  maxPayloadBytes: '64 KiB',
  maxBatchBytes: '256 KiB',
  maxBatchRecords: 64,
} as const;

const BACKENDS = ['mmap', 'fd'] as const;
const SCHEDULES = ['none', 'each', '50ms'] as const;
/** By default the recipe (appends not awaited) and a mix; under soak every way. */
const HOWS = SOAK ? ['append', 'appendSync', 'batch', 'mixed'] : ['append', 'mixed'];
const KILLS = SOAK ? 25 : 2;

function fsyncOption(schedule: (typeof SCHEDULES)[number]): 'none' | 'each' | { everyMs: number } {
  return schedule.endsWith('ms')
    ? { everyMs: Number(schedule.slice(0, -2)) }
    : (schedule as 'none' | 'each');
}

/** The last number in lines `<word> <n>` a child printed, or -1. */
function lastNumber(stdout: string, word: string): number {
  const lines = stdout.split('\n').filter((line) => line.startsWith(`${word} `));
  return lines.length === 0 ? -1 : Number(lines.at(-1)?.split(' ')[1]);
}

/** Every entry of topic "t" from offset 0, read by offset in pages. */
function readAll(wal: Wal): WalRecord[] {
  const all: WalRecord[] = [];
  for (;;) {
    const page = wal.readFrom('t', all.length, { maxRecords: 4096, maxBytes: 1 << 30 });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

describe.each(BACKENDS)('Wal killed in the turn of a segment roll (%s backend)', (backend) => {
  describe.each(SCHEDULES)('fsync %s', (schedule) => {
    it.each(HOWS)(
      'reopens whole after each kill (%s): every acknowledged entry there, offsets without a hole, readers and appends go on',
      async (how) => {
        const dir = temporaryDirectory();
        let acknowledged = -1;
        let readerAt = 0;
        for (let kill = 0; kill < KILLS; kill++) {
          const seed = 1 + kill * 7919 + how.length;
          const child = spawnNode(fixturePath('wal-roll-killer.mjs'), [
            dir,
            backend,
            schedule,
            how,
            String(seed),
          ]);
          await child.waitForLine((line) => line.startsWith('rolled '));
          child.child.kill('SIGKILL');
          const result = await child.exited;
          expect(result.signal, `child failed: ${result.stderr}`).toBe('SIGKILL');
          acknowledged = Math.max(acknowledged, lastNumber(result.stdout, 'acked'));

          // The default onCorrupt ('stop') opens it: a kill is no damage.
          await using wal = Wal.open(dir, { backend, sync: fsyncOption(schedule), ...OPTIONS });
          const entries = readAll(wal);
          expect(entries.length, `kill ${kill} (seed ${seed})`).toBeGreaterThan(acknowledged);
          entries.forEach((entry, n) => {
            expect(entry.index).toBe(n);
            expect(decoder.decode(entry.payload.subarray(0, 16)).trimEnd()).toBe(
              `entry ${n}`.padEnd(16, '.').trimEnd(),
            );
          });
          expect(wal.lastIndex('t')).toBe(entries.length - 1);
          // A named reader reads on to the end, never stuck at a hole.
          const read = pollOf(wal, 't', 'r', 1_000_000);
          expect(read[0]?.index ?? readerAt).toBe(readerAt);
          readerAt += read.length;
          expect(readerAt).toBe(entries.length);
          // The next entry takes the next offset, and the next child goes on from there.
          const next = wal.appendSync(
            't',
            encoder.encode(`entry ${entries.length}`.padEnd(1000, '.')),
          );
          expect(next).toBe(entries.length);
          readerAt = pollOf(wal, 't', 'r', 10).length + readerAt;
        }
      },
      SOAK ? 3_600_000 : undefined,
    );
  });
});
