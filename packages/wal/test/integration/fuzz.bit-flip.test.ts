/**
 * Every bit of every byte that matters in a small topic, flipped one at a time: the segment's
 * header and frames (and the word after the last one) and the readers table's header and slot.
 * Each trial starts from fresh copies of the files, opens the log, reads everything from offset
 * 0, reads on with a named reader, and appends. The only outcomes allowed are "identical" (every
 * entry read back as written, the reader where it was, the append at the next offset) and a
 * coded error (`ERR_ANNAL_*`) — after which whatever was read must still be a correct prefix.
 *
 * By default a fixed sample of positions (every bit of each); `ANNAL_SOAK=1` flips them all.
 * Trials run in this process: the log never sizes a file from what it reads (segments have the
 * size of their options), and each trial checks that no file grew.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Wal, type WalRecord } from '@annal/wal';
import { seededRandom, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import {
  READERS_HEADER_USED_BYTES,
  SEGMENT_HEADER_BYTES,
  SEGMENT_HEADER_USED_BYTES,
  slotStart,
} from '../../src/layout.js';
import { pollOf } from '../read-helpers.js';

const SOAK = process.env['ANNAL_SOAK'] === '1';
const BACKENDS = ['mmap', 'fd'] as const;
const OPTIONS = {
  segmentBytes: '1 MiB',
  maxPayloadBytes: 1024,
  maxBatchBytes: 65536,
  maxBatchRecords: 100,
  sync: 'none',
  quiet: true,
} as const;
const ENTRIES = 200;
const READ_BY_R = 50;

/** Entry n: n bytes of a pattern (some empty), every tenth run written as part of a batch. */
function payload(n: number): Uint8Array {
  const random = seededRandom(n + 1);
  return Uint8Array.from({ length: n % 61 }, () => Math.floor(random() * 256));
}

type Outcome =
  'identical' | 'coded error' | 'wrong data' | 'missing entries' | 'wrong offset' | 'file grown';

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** True when `entries` are entries `from`, `from + 1`, … as written. */
function correct(entries: readonly WalRecord[], from: number): boolean {
  return entries.every(
    (entry, k) => entry.index === from + k && same(entry.payload, payload(from + k)),
  );
}

describe.each(BACKENDS)('a wal topic with one bit flipped (%s backend)', (backend) => {
  it(
    'reads back identical or throws a coded error, wherever the bit is',
    async () => {
      const source = temporaryDirectory();
      {
        await using wal = Wal.open(source, { backend, ...OPTIONS });
        for (let n = 0; n < ENTRIES;) {
          if (n % 10 === 5) {
            const batch = [payload(n), payload(n + 1), payload(n + 2)];
            wal.appendBatchSync('t', batch);
            n += batch.length;
          } else {
            wal.appendSync('t', payload(n));
            n++;
          }
        }
        expect(pollOf(wal, 't', 'r', READ_BY_R)).toHaveLength(READ_BY_R);
      }
      const topic = join(source, 'topics', 't');
      const segmentName = readdirSync(topic).find((name) => name.endsWith('.wseg')) as string;
      const segment = readFileSync(join(topic, segmentName));
      const readers = readFileSync(join(topic, 'readers.wrd'));
      let dataEnd = segment.length;
      while (dataEnd > SEGMENT_HEADER_BYTES && segment[dataEnd - 1] === 0) dataEnd--;

      // What can matter: the segment header, every frame and the word after the last, the readers
      // table's header and the slot in use.
      const targets: { file: 'segment' | 'readers'; position: number }[] = [];
      const add = (file: 'segment' | 'readers', from: number, to: number): void => {
        for (let position = from; position < to; position++) targets.push({ file, position });
      };
      add('segment', 0, SEGMENT_HEADER_USED_BYTES);
      add('segment', SEGMENT_HEADER_BYTES, dataEnd + 16);
      add('readers', 0, READERS_HEADER_USED_BYTES);
      add('readers', slotStart(0), slotStart(1));
      const sample = SOAK ? targets : targets.filter((_, k) => k % 47 === 0);

      const trialDir = temporaryDirectory();
      const trialTopic = join(trialDir, 'topics', 't');
      const counts = new Map<Outcome, number>();
      const bad: string[] = [];
      for (const { file, position } of sample) {
        for (let bit = 0; bit < 8; bit++) {
          rmSync(trialTopic, { recursive: true, force: true });
          mkdirSync(trialTopic, { recursive: true });
          const bytes = Buffer.from(file === 'segment' ? segment : readers);
          bytes[position] = (bytes[position] as number) ^ (1 << bit);
          writeFileSync(join(trialTopic, segmentName), file === 'segment' ? bytes : segment);
          writeFileSync(join(trialTopic, 'readers.wrd'), file === 'readers' ? bytes : readers);
          let outcome = await trial(trialDir);
          // Nothing a damaged byte says may make the log reserve or write beyond its files.
          for (const name of readdirSync(trialTopic)) {
            const size = statSync(join(trialTopic, name)).size;
            if (size > Math.max(segment.length, readers.length)) outcome = 'file grown';
          }
          counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
          if (outcome !== 'identical' && outcome !== 'coded error') {
            bad.push(`${file} byte ${position} bit ${bit}: ${outcome}`);
          }
        }
      }
      console.log(
        `wal bit flips (${backend}): ${sample.length * 8} trials; ${[...counts].map(([what, n]) => `${what} ${n}`).join(', ')}`,
      );
      expect(bad).toEqual([]);
    },
    SOAK ? 3_600_000 : undefined,
  );

  async function trial(dir: string): Promise<Outcome> {
    let read: WalRecord[] = [];
    let byReader: WalRecord[] = [];
    try {
      await using wal = Wal.open(dir, { backend, ...OPTIONS });
      for (;;) {
        const page = wal.readFrom('t', read.length, { maxRecords: 64 });
        if (page.length === 0) break;
        read = read.concat(page);
      }
      for (;;) {
        const page = pollOf(wal, 't', 'r', 64);
        if (page.length === 0) break;
        byReader = byReader.concat(page);
      }
      if (!correct(read, 0)) return 'wrong data';
      if (!correct(byReader, READ_BY_R)) return 'wrong data';
      if (read.length !== ENTRIES || byReader.length !== ENTRIES - READ_BY_R) {
        return 'missing entries';
      }
      const next = wal.appendSync('t', payload(ENTRIES));
      if (next !== ENTRIES) return 'wrong offset';
      const back = wal.readFrom('t', ENTRIES, { maxRecords: 2 });
      return correct(back, ENTRIES) && back.length === 1 ? 'identical' : 'wrong data';
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('ERR_ANNAL_')) throw error;
      // Whatever was read before the error must still be right.
      if (!correct(read, 0) || !correct(byReader, READ_BY_R)) return 'wrong data';
      return 'coded error';
    }
  }
});
