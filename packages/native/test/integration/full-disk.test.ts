import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixture-path.js';

interface Outcome {
  code?: string;
  message?: string;
  marker?: number[];
  lengthBytes?: number;
  grew?: boolean;
}

function parseOutcome(stdout: string, stderr: string): Outcome {
  const line = stdout.trim().split('\n').at(-1);
  if (line === undefined || line === '')
    throw new Error(`child printed nothing; stderr:\n${stderr}`);
  return JSON.parse(line) as Outcome;
}

/** True when this machine lets us mount a private tmpfs in a new user+mount namespace. */
function canMountPrivateTmpfs(): boolean {
  try {
    execFileSync(
      'unshare',
      ['-rm', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d"'],
      {
        stdio: 'ignore',
      },
    );
    return true;
  } catch {
    return false;
  }
}

describe('space exhaustion at allocation', () => {
  it('a file-size limit surfaces as ERR_ANNAL_TOO_LARGE and loses nothing already written', async () => {
    const path = join(temporaryDirectory(), 'limited.bin');
    // ulimit -f counts 1 KiB blocks: 64 KiB is the most this child may write.
    const result = await runNode(fixturePath('allocate-until-full.mjs'), [path, String(1 << 20)], {
      shellPrefix: 'ulimit -f 64',
    });
    const outcome = parseOutcome(result.stdout, result.stderr);
    expect(outcome.code).toBe('ERR_ANNAL_TOO_LARGE');
    expect(outcome.message).toContain(path);
    expect(outcome.marker).toEqual([1, 2, 3, 4]);
    expect(outcome.lengthBytes).toBe(4096);
  });

  it('a full file system surfaces as ERR_ANNAL_FULL and loses nothing already written', async () => {
    // A 256 KiB tmpfs private to the child (in its own user and mount namespaces), so the test
    // never fills a real disk and needs no root. Linux CI machines allow such namespaces.
    expect(canMountPrivateTmpfs()).toBe(true);
    const mountPoint = temporaryDirectory();
    const path = join(mountPoint, 'full.bin');
    const result = await runNode(fixturePath('allocate-until-full.mjs'), [path, String(8 << 20)], {
      shellPrefix: `mount -t tmpfs -o size=256k tmpfs '${mountPoint}'`,
      unshare: true,
    });
    const outcome = parseOutcome(result.stdout, result.stderr);
    expect(outcome.code).toBe('ERR_ANNAL_FULL');
    expect(outcome.marker).toEqual([1, 2, 3, 4]);
    expect(outcome.lengthBytes).toBe(4096);
  });
});
