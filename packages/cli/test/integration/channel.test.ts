import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Channel } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { annal, jsonLines } from '../annal.js';

function makeChannel(): string {
  const path = join(temporaryDirectory(), 'ticks.channel');
  const writer = Channel.create(path, { capacity: '64 KiB' });
  for (let k = 0; k < 3; k++) writer.write(new TextEncoder().encode(`tick ${k}`));
  writer.close();
  return path;
}

describe('annal on a channel file', () => {
  it('ls gives its status and counts; dump its records; verify is clean', async () => {
    const path = makeChannel();
    const ls = await annal(['ls', path]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toBe(`channel ${path}\n  closed, 3 records (0 … 2), 18 B of payload\n`);
    expect(jsonLines((await annal(['--json', 'ls', path])).stdout)).toEqual([
      {
        kind: 'channel',
        path,
        status: 'closed',
        records: 3,
        payloadBytes: 18,
        firstIndex: 0,
        lastIndex: 2,
      },
    ]);
    expect((await annal(['dump', path])).stdout).toBe(
      '0  6 B  "tick 0"\n1  6 B  "tick 1"\n2  6 B  "tick 2"\n',
    );
    expect((await annal(['verify', path])).code).toBe(0);
  });

  it('verify finds a flipped byte (exit 1)', async () => {
    const path = makeChannel();
    const bytes = readFileSync(path);
    const at = bytes.indexOf('tick 1') + 1;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x04, at);
    writeFileSync(path, bytes);
    const run = await annal(['--json', 'verify', path]);
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({
        ok: false,
        records: 1,
        problemCount: 1,
        problems: [expect.objectContaining({ path, code: 'ERR_ANNAL_CORRUPT' })],
      }),
    ]);
  });
});
