// What a user of the `annal` command does first: run it from node_modules/.bin on a queue and a
// wal the app made, and read its --json output. Exits non-zero on any mismatch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Queue } from '@annal/core';
import { Wal } from '@annal/wal';

const annal = join(process.cwd(), 'node_modules', '.bin', 'annal');
// pnpm's .bin shim is a shell script that needs dirname and sed: the install ran with a PATH of
// node and the package managers only (no compiler), a user's shell has coreutils.
const env = { ...process.env, PATH: `${process.env.PATH}:/usr/bin:/bin` };
const directory = mkdtempSync(join(tmpdir(), 'annal-cli-app-'));
try {
  const queue = Queue.open(join(directory, 'queue'));
  queue.appender().appendString('hello');
  const listed = JSON.parse(
    execFileSync(annal, ['--json', 'ls', join(directory, 'queue')], { encoding: 'utf8', env }),
  );
  if (listed.kind !== 'queue' || listed.records !== 1)
    throw new Error(`annal ls: ${JSON.stringify(listed)}`);
  const dumped = execFileSync(annal, ['dump', join(directory, 'queue')], { encoding: 'utf8', env });
  if (!dumped.endsWith('"hello"\n')) throw new Error(`annal dump: ${dumped}`);
  queue.close();

  const wal = Wal.open(join(directory, 'wal'));
  wal.appendSync('orders', new TextEncoder().encode('one'));
  const verified = JSON.parse(
    execFileSync(annal, ['--json', 'verify', join(directory, 'wal')], { encoding: 'utf8', env }),
  );
  await wal.close();
  if (verified.ok !== true) throw new Error(`annal verify: ${JSON.stringify(verified)}`);
  const version = execFileSync(annal, ['--version'], { encoding: 'utf8', env }).trim();
  console.log(`@annal/cli: annal ${version} ls, dump and verify ok`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
