#!/usr/bin/env node
// Runs shell commands at the same time, each with its output held back and printed whole when it
// ends (so two logs never interleave), and exits non-zero when any of them failed.
//
//   node tooling/ci/parallel.mjs 'pnpm run pack-check && pnpm run release-check' 'node apps/bench/dist/cli.js --smoke'
//
// Why: the last steps of `pnpm run ci` wait on different things (npm installs and compiles in
// pack-check, one benchmark child process at a time in the smoke run), and run one after the
// other they took five of CI's fifteen minutes on a two-core machine. Nothing here may share
// files with another command: the smoke run loads the addon from build/Release, which pack-check
// never writes (its binaries go to prebuilds/).
import { spawn } from 'node:child_process';

const commands = process.argv.slice(2);
if (commands.length === 0) {
  process.stderr.write('usage: node tooling/ci/parallel.mjs <command> [<command>…]\n');
  process.exit(2);
}

function runHeld(command) {
  return new Promise((resolve) => {
    const started = performance.now();
    process.stdout.write(`parallel: started: ${command}\n`);
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('error', (error) => chunks.push(Buffer.from(`${error.message}\n`)));
    child.on('close', (code, signal) => {
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      const how = code === 0 ? 'passed' : `FAILED (${signal ?? `exit code ${code}`})`;
      process.stdout.write(`\n===== ${command}: ${how} in ${seconds} s; its output:\n`);
      process.stdout.write(Buffer.concat(chunks));
      process.stdout.write(`===== end of: ${command}\n`);
      resolve(code === 0);
    });
  });
}

const results = await Promise.all(commands.map(runHeld));
const failed = commands.filter((_, k) => !results[k]);
if (failed.length > 0) {
  process.stdout.write(`\nparallel: FAILED: ${failed.join(' | ')}\n`);
  process.exit(1);
}
