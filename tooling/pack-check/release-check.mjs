#!/usr/bin/env node
// A dry run of the release, on a scratch checkout of HEAD so the working tree is never touched:
// `changeset version` (consumes the changesets, bumps versions, writes the changelogs), then
// `pnpm publish -r --dry-run` (packs every public package as it would be published).
//
//   node tooling/pack-check/release-check.mjs          (pnpm run release-check from the root)
//
// Needs the packages built (dist/) and the prebuilt binaries in place; it copies both into the
// scratch checkout instead of building again.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGES = ['native', 'logbuf', 'core', 'wal', 'replay', 'cli', 'archiver', 'bridge-nats'];

function run(command, args, cwd) {
  process.stdout.write(`$ ${[command, ...args].join(' ')}\n`);
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trimEnd();
  if (result.status !== 0) {
    process.stdout.write(
      `${output}\nrelease-check: FAILED (${command} exited with ${result.status})\n`,
    );
    process.exit(1);
  }
  return output;
}

const execPath = process.env.npm_execpath;
const pnpm =
  execPath && /pnpm\.c?js$/.test(execPath)
    ? [process.execPath, execPath]
    : ['npx', '-y', 'pnpm@10.34.9'];

const scratch = mkdtempSync(join(tmpdir(), 'annal-release-check-'));
const checkout = join(scratch, 'annal');
try {
  run('git', ['worktree', 'add', '--detach', checkout, 'HEAD'], root);
  run(
    pnpm[0],
    [...pnpm.slice(1), 'install', '--frozen-lockfile', '--offline', '--ignore-scripts'],
    checkout,
  );
  for (const name of PACKAGES) {
    const from = join(root, 'packages', name);
    if (!existsSync(join(from, 'dist'))) {
      throw new Error(`packages/${name}/dist is missing: build first (pnpm build)`);
    }
    cpSync(join(from, 'dist'), join(checkout, 'packages', name, 'dist'), { recursive: true });
  }
  cpSync(
    join(root, 'packages', 'native', 'prebuilds'),
    join(checkout, 'packages', 'native', 'prebuilds'),
    {
      recursive: true,
    },
  );

  run(join(checkout, 'node_modules', '.bin', 'changeset'), ['version'], checkout);
  for (const name of PACKAGES) {
    const manifest = JSON.parse(
      readFileSync(join(checkout, 'packages', name, 'package.json'), 'utf8'),
    );
    const changelog = existsSync(join(checkout, 'packages', name, 'CHANGELOG.md'));
    process.stdout.write(
      `@annal/${name}: would publish ${manifest.version}${changelog ? ', with CHANGELOG.md' : ''}\n`,
    );
  }
  const published = run(
    pnpm[0],
    [...pnpm.slice(1), 'publish', '-r', '--dry-run', '--no-git-checks', '--ignore-scripts'],
    checkout,
  );
  for (const name of PACKAGES) {
    if (!published.includes(`@annal/${name}@`)) {
      process.stdout.write(
        `${published}\nrelease-check: FAILED: @annal/${name} was not in the dry run\n`,
      );
      process.exit(1);
    }
  }
  process.stdout.write('release-check: changeset version and pnpm publish --dry-run passed\n');
} finally {
  spawnSync('git', ['worktree', 'remove', '--force', checkout], { cwd: root });
  rmSync(scratch, { recursive: true, force: true });
}
