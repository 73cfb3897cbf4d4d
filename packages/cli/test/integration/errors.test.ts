import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { annal, jsonLines } from '../annal.js';

describe('annal refuses what it cannot read, with a message and a documented exit code', () => {
  it('a path that does not exist: exit 3', async () => {
    const missing = join(temporaryDirectory(), 'nothing-here');
    for (const command of ['ls', 'dump', 'tail', 'verify']) {
      const run = await annal([command, missing]);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(`annal: ${missing} does not exist\n`);
      expect(run.stdout).toBe('');
    }
  });

  it('an empty directory, a directory of something else, a file annal did not write: exit 3 saying what was looked for', async () => {
    const empty = temporaryDirectory();
    expect(await annal(['ls', empty])).toMatchObject({
      code: 3,
      stderr: `annal: ${empty} is an empty directory: no queue or wal was made there\n`,
    });
    const other = temporaryDirectory();
    writeFileSync(join(other, 'notes.txt'), 'hello');
    const run = await annal(['ls', other]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('holds nothing annal wrote');
    const file = join(other, 'notes.txt');
    expect((await annal(['dump', file])).stderr).toContain('is not a file annal wrote');
  });

  it('a cycle file given instead of its queue directory names the directory to give', async () => {
    const directory = join(temporaryDirectory(), 'q');
    {
      using queue = Queue.open(directory);
      queue.appender().appendString('x');
    }
    const cycle = (await import('node:fs'))
      .readdirSync(directory)
      .find((n) => n.endsWith('.annalq')) as string;
    const run = await annal(['dump', join(directory, cycle)]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`give that directory`);
    expect(run.stderr).toContain(directory);
  });

  it('no permission: exit 4 (run as another user: the tests run as root)', async () => {
    const parent = temporaryDirectory();
    chmodSync(parent, 0o755);
    const closed = join(parent, 'closed');
    mkdirSync(closed, { mode: 0o700 });
    {
      using queue = Queue.open(closed);
      queue.appender().appendString('secret');
    }
    chmodSync(closed, 0o700);
    const run = await annal(['ls', closed], { uid: 65534 });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(closed);
  });

  it('usage errors are exit 2: an unknown command or option, a bad number, a bad format', async () => {
    const directory = temporaryDirectory();
    expect((await annal(['frobnicate', directory])).code).toBe(2);
    expect((await annal(['dump', directory, '--bogus'])).code).toBe(2);
    const bad = await annal(['dump', directory, '--from', '-1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from must be an integer from 0');
    expect((await annal(['dump', directory, '--format', 'yaml'])).code).toBe(2);
    const backwards = await annal(['dump', directory, '--from', '5', '--to', '3']);
    expect(backwards).toMatchObject({ code: 2, stderr: 'annal: --from 5 is after --to 3\n' });
    expect((await annal(['dump'])).code).toBe(2);
  });

  it('--help and --version succeed', async () => {
    const help = await annal(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['ls', 'dump', 'tail', 'verify', 'export'])
      expect(help.stdout).toContain(command);
    const version = await annal(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('under --json a failure is one JSON object on stderr with the code and exit code', async () => {
    const missing = join(temporaryDirectory(), 'gone');
    const run = await annal(['--json', 'ls', missing]);
    expect(run.code).toBe(3);
    expect(jsonLines(run.stderr)).toEqual([
      {
        error: {
          code: 'ERR_ANNAL_NOT_FOUND',
          message: `annal: ${missing} does not exist`,
          path: missing,
        },
        exitCode: 3,
      },
    ]);
  });

  it('under --json a usage error is a JSON line too (exit 2)', async () => {
    const directory = temporaryDirectory();
    for (const args of [
      ['--json', 'frobnicate'],
      ['--json', 'dump', directory, '--limit', '0'],
    ]) {
      const run = await annal(args);
      expect(run.code).toBe(2);
      expect(jsonLines(run.stderr)).toEqual([
        {
          error: {
            code: 'ERR_ANNAL_INVALID_ARGUMENT',
            message: expect.stringMatching(/^annal: /) as unknown,
          },
          exitCode: 2,
        },
      ]);
    }
  });

  it('a reader that stops early (| head) ends the dump quietly', async () => {
    const directory = join(temporaryDirectory(), 'big');
    {
      using queue = Queue.open(directory);
      const appender = queue.appender();
      for (let k = 0; k < 20_000; k++)
        appender.appendString(`record number ${k} with some padding to fill the pipe`);
    }
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../annal.js');
    const shell = spawn('/bin/sh', [
      '-c',
      `"${process.execPath}" "${BIN}" dump "${directory}" | head -n 2`,
    ]);
    let stdout = '';
    let stderr = '';
    shell.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    shell.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => shell.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(stderr).toBe('');
  });
});
