import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNode, seededRandom, spawnNode, temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

const SOAK = process.env['ANNAL_SOAK'] === '1';
/** No timing is asserted: this only bounds a run (every position under soak takes hours). */
const FUZZ_TIMEOUT_MS = SOAK ? 6 * 3_600_000 : 600_000;
/** Children at once (the machines have two cores). */
const CHILDREN = 2;
/** A child silent this long is stuck in a trial: killed, and that trial counted as a hang. */
const SILENCE_MS = 20_000;
/**
 * RLIMIT_FSIZE of the children, in dash's 512-byte units (8 MiB): far above the template's files,
 * far below a runaway reservation, which then fails with EFBIG (and SIGXFSZ, which the child
 * notes) instead of filling the disk.
 */
const FILE_SIZE_LIMIT = 'ulimit -f 16384';

interface ManifestFile {
  readonly name: string;
  readonly length: number;
  /** Bytes always flipped: line 1, first-level index, skip and end frames, the free word. */
  readonly key: number[];
  /** Bytes holding other metadata: record headers, index page entries, header fields. */
  readonly metadata: number[];
  /** Every other byte worth flipping: configuration, payloads, padding, free space. */
  readonly other: number[];
}

type Trial = [number: number, file: string, offset: number, bit: number];

/** Runs `trials` in one child, restarting it past a trial that hangs or kills it. */
async function runChild(template: string, work: string, trials: Trial[]): Promise<string[]> {
  const results: string[] = [];
  let pending = trials;
  let round = 0;
  while (pending.length > 0) {
    const trialsPath = join(work, `trials-${round++}.json`);
    writeFileSync(trialsPath, JSON.stringify(pending));
    const child = spawnNode(
      fixturePath('bit-flip-trials.mjs'),
      ['trials', template, work, trialsPath],
      { shellPrefix: FILE_SIZE_LIMIT },
    );
    const seen = new Set<number>();
    let timer: NodeJS.Timeout | undefined;
    let hung = false;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.child.kill('SIGKILL');
      }, SILENCE_MS);
    };
    arm();
    void child
      .waitForLine((line) => {
        arm();
        if (line.startsWith('T ')) {
          results.push(line);
          seen.add(Number(line.split(' ')[1]));
        }
        return false;
      })
      .catch(() => undefined);
    const result = await child.exited;
    clearTimeout(timer);
    const rest = pending.filter(([number]) => !seen.has(number));
    if (rest.length > 0) {
      const [first] = rest as [Trial, ...Trial[]];
      const what = hung ? 'hang' : 'raw-exception';
      results.push(
        `T ${first[0]} ${what} child ended (${result.code ?? result.signal}) in ${first[1]}@${first[2]}:${first[3]} ${result.stderr.split('\n').slice(0, 3).join(' | ')}`,
      );
      pending = rest.slice(1);
    } else {
      pending = [];
    }
  }
  return results;
}

/** What one fuzz run flips, and what it counts. */
async function fuzz(
  checksums: 'crc32c' | 'off',
  counts: { metadata: number; other: number },
): Promise<{ trials: number; failures: string[] }> {
  const base = temporaryDirectory();
  const template = join(base, 'template');
  const built = await runNode(fixturePath('bit-flip-trials.mjs'), [
    'build',
    template,
    join(base, 'manifest.json'),
    checksums,
  ]);
  expect(built.stderr).toBe('');
  const manifest = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as {
    files: ManifestFile[];
  };
  // Default: the key bytes and a seeded sample weighted to metadata; ANNAL_SOAK=1: every
  // listed byte (with checksums on about 700,000 trials: tens of minutes on two cores).
  const random = seededRandom(checksums === 'crc32c' ? 19 : 20);
  const sample = (offsets: number[], count: number): number[] => {
    if (SOAK || offsets.length <= count) return offsets;
    const picked = new Set<number>();
    while (picked.size < count) picked.add(offsets[Math.floor(random() * offsets.length)]!);
    return [...picked];
  };
  const trials: Trial[] = [];
  for (const file of manifest.files) {
    const share = file.name.endsWith('.annalm') ? 8 : 1;
    for (const offset of [
      ...(checksums === 'crc32c' ? file.key : sample(file.key, 24)),
      ...sample(file.metadata, Math.ceil(counts.metadata / share)),
      // Without checksums a flipped payload byte is returned as data: only the rest is tried.
      ...(counts.other > 0 ? sample(file.other, Math.ceil(counts.other / share)) : []),
    ]) {
      for (let bit = 0; bit < 8; bit++) trials.push([trials.length, file.name, offset, bit]);
    }
  }
  const batches: Trial[][] = Array.from({ length: CHILDREN }, () => []);
  trials.forEach((trial, n) => batches[n % CHILDREN]!.push(trial));
  const lines = (
    await Promise.all(
      batches.map((batch, n) => {
        const work = join(base, `work-${n}`);
        mkdirSync(work);
        return runChild(template, work, batch);
      }),
    )
  ).flat();

  const outcomes = new Map<string, number>();
  const failures: string[] = [];
  for (const line of lines) {
    const [, number, outcome = '?'] = line.split(' ');
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (outcome !== 'identical' && outcome !== 'coded') {
      const trial = trials[Number(number)]!;
      failures.push(`${trial[1]} byte ${trial[2]} bit ${trial[3]}: ${line}`);
    }
  }
  const table = [...outcomes].sort((a, b) => b[1] - a[1]);
  console.log(
    `bit-flip outcomes, checksums ${checksums} (${trials.length} trials${SOAK ? ', soak' : ''}):\n` +
      table.map(([outcome, count]) => `  ${outcome.padEnd(20)} ${count}`).join('\n') +
      (failures.length > 0 ? `\nfirst failures:\n  ${failures.slice(0, 40).join('\n  ')}` : ''),
  );
  expect(lines).toHaveLength(trials.length);
  return { trials: trials.length, failures };
}

describe('a queue with one bit flipped anywhere', () => {
  it(
    'checksums on: reads back identical or reports a coded error, never wrong data, lost records, or a runaway appender',
    async () => {
      const { failures } = await fuzz('crc32c', { metadata: 30, other: 8 });
      expect(failures.length, 'trials with an outcome other than identical or coded').toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'checksums off: the same for every byte but payloads (only structure and place are checked)',
    async () => {
      const { failures } = await fuzz('off', { metadata: 20, other: 0 });
      expect(failures.length, 'trials with an outcome other than identical or coded').toBe(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});
