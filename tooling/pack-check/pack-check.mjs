#!/usr/bin/env node
// Installs annal the way a user does, and proves it works: packs every package, installs the
// tarballs into fresh apps outside the workspace, and runs the scripts in ./app.
//
//   node tooling/pack-check/pack-check.mjs          (pnpm run pack-check from the root)
//
// The cases, each in its own app directory under a temporary directory, each with an empty HOME
// (no npm or pnpm cache, no .npmrc) and an environment rebuilt from nothing (no npm_config_* from
// the package manager that runs this script):
//   npm             npm install of the tarballs with no compiler on PATH (no c++, cc, make,
//                   python3): the prebuilt binaries must serve. Then: esm.mjs, cjs.cjs (require
//                   of ESM) and tsc --noEmit of check.ts; esm.mjs and cjs.cjs again under every
//                   other Node major we ship a binary for.
//   pnpm            the same with pnpm 10, which runs no install script of a dependency.
//   no-compiler     no prebuilt binary for this Node and no compiler: the install must fail with
//                   our message, not a node-gyp stack.
//   fallback        no prebuilt binary for this Node, with a compiler: npm's install step builds
//                   the addon from source and esm.mjs runs on it.
// It writes a transcript (commands, results, tarball sizes) to pack-check.log in the temporary
// directory and prints where.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PACKAGES = ['native', 'logbuf', 'core', 'wal', 'replay', 'cli', 'archiver', 'bridge-nats'];
const SHIPPED_MAJORS = ['20', '22', '24'];
/** Tools a compile needs; none may be reachable in the no-compiler cases. */
const COMPILE_TOOLS = ['c++', 'g++', 'gcc', 'cc', 'clang', 'make', 'python3'];

const work = mkdtempSync(join(tmpdir(), 'annal-pack-check-'));
const log = join(work, 'pack-check.log');
const keep = process.argv.includes('--keep');

function say(line) {
  process.stdout.write(`${line}\n`);
  appendFileSync(log, `${line}\n`);
}

/** Shows a command's output (run() has already put it in the transcript). */
function show(output) {
  process.stdout.write(`${output}\n`);
}

function fail(message) {
  say(`\npack-check: FAILED: ${message}\n(transcript: ${log})`);
  process.exit(1);
}

/** Runs a command, records it and its output in the transcript, and returns the result. */
function run(command, args, { cwd = work, env, expectFailure = false } = {}) {
  say(`$ ${[command, ...args].join(' ')}    (in ${cwd})`);
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trimEnd();
  if (output) appendFileSync(log, `${output}\n`);
  const ok = result.status === 0;
  if (ok === expectFailure) {
    process.stdout.write(`${output}\n`);
    fail(
      `${command} ${args.join(' ')} ${expectFailure ? 'succeeded but should have failed' : `exited with ${result.status ?? result.signal}`}`,
    );
  }
  return output;
}

/** pnpm as the workspace runs it: the pnpm.cjs behind `pnpm run`, else the pinned one via npx. */
function pnpmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm\.c?js$/.test(execPath)) return [process.execPath, execPath];
  const found = spawnSync(
    'npx',
    ['-y', 'pnpm@10.34.9', 'exec', 'node', '-p', 'process.env.npm_execpath'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const path = found.stdout?.trim();
  if (found.status !== 0 || !path)
    fail('pnpm was not found (run this through `pnpm run pack-check`)');
  return [process.execPath, path];
}

/** Node binaries of the other shipped majors, from prebuild.mjs's cache of official builds. */
function otherNodes() {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'annal-node');
  if (!existsSync(cache)) return [];
  const running = process.versions.node.split('.')[0];
  const newest = new Map();
  for (const version of readdirSync(cache)) {
    const node = join(cache, version, 'package', 'bin', 'node');
    const [major, minor, patch] = version.split('.').map(Number);
    if (!existsSync(node) || String(major) === running || !SHIPPED_MAJORS.includes(String(major)))
      continue;
    const best = newest.get(major);
    if (!best || minor * 1e6 + patch > best.rank)
      newest.set(major, { node, version, rank: minor * 1e6 + patch });
  }
  return [...newest.values()].map(({ node, version }) => ({ node, version }));
}

/** A bin directory holding only node, npm, npx, pnpm and sh: nothing that compiles. */
function toolsWithoutCompiler(pnpm) {
  const bin = join(work, 'bin-no-compiler');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const npmCli = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(join(npmCli, 'npm', 'bin', 'npm-cli.js'), join(bin, 'npm'));
  symlinkSync(join(npmCli, 'npm', 'bin', 'npx-cli.js'), join(bin, 'npx'));
  writeFileSync(join(bin, 'pnpm'), `#!/bin/sh\nexec "${pnpm[0]}" "${pnpm[1]}" "$@"\n`, {
    mode: 0o755,
  });
  symlinkSync('/bin/sh', join(bin, 'sh'));
  return bin;
}

/** A user's environment: only PATH, an empty HOME of its own, and TMPDIR. */
function userEnv(name, path) {
  const home = join(work, `home-${name}`);
  mkdirSync(home, { recursive: true });
  return { PATH: path, HOME: home, TMPDIR: tmpdir(), LANG: 'C.UTF-8' };
}

function tarballOf(name) {
  const file = readdirSync(join(work, 'tarballs')).find((f) => f.startsWith(`annal-${name}-`));
  if (!file) fail(`no tarball for @annal/${name}`);
  return join(work, 'tarballs', file);
}

/** A fresh app: the scripts of ./app and a package.json depending on the tarballs. */
function makeApp(name, tarballs) {
  const app = join(work, `app-${name}`);
  cpSync(join(here, 'app'), app, { recursive: true });
  const dependencies = Object.fromEntries(
    PACKAGES.map((p) => [`@annal/${p}`, `file:${tarballs[p]}`]),
  );
  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify(
      {
        name: `annal-pack-check-${name}`,
        private: true,
        type: 'module',
        dependencies,
        devDependencies: { typescript: '5.9.3', '@types/node': '^20.19.0' },
        // Each package's own dependency on @annal/native (a version range) must resolve to the
        // tarball under test, never to the registry.
        overrides: dependencies,
        pnpm: { overrides: dependencies },
      },
      null,
      2,
    )}\n`,
  );
  return app;
}

/**
 * Unpacks `name`'s tarball and checks what a user of npm sees: README links that resolve on
 * npmjs.com (absolute, not into the repository's tree) and source maps whose sources are shipped.
 */
function checkContents(name) {
  const dir = join(work, 'contents', name);
  mkdirSync(dir, { recursive: true });
  run('tar', ['xzf', tarballs[name], '-C', dir]);
  const packageDir = join(dir, 'package');
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
  const relative = [...readme.matchAll(/\]\((?!https?:|#|mailto:)([^)]+)\)/g)].map((m) => m[1]);
  if (relative.length > 0) {
    fail(`@annal/${name}'s README links to files npm does not serve: ${relative.join(', ')}`);
  }
  if (!existsSync(join(packageDir, 'LICENSE'))) fail(`@annal/${name} ships no LICENSE file`);
  let maps = 0;
  for (const file of readdirSync(join(packageDir, 'dist'), { recursive: true })) {
    if (!String(file).endsWith('.map')) continue;
    const mapPath = join(packageDir, 'dist', String(file));
    const { sources } = JSON.parse(readFileSync(mapPath, 'utf8'));
    for (const source of sources) {
      if (!existsSync(join(dirname(mapPath), source))) {
        fail(`${mapPath.slice(packageDir.length + 1)} maps to ${source}, which is not shipped`);
      }
    }
    maps++;
  }
  say(`@annal/${name}: README links absolute, LICENSE present, ${maps} source maps resolve`);
}

function checkApp(app, env, label) {
  show(run('node', ['esm.mjs'], { cwd: app, env }));
  show(run('node', ['cjs.cjs'], { cwd: app, env }));
  show(run('node', ['cli.mjs'], { cwd: app, env }));
  run('node', [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: app, env });
  say(`tsc --noEmit ok (${label})`);
  for (const { node, version } of otherNodes()) {
    show(run(node, ['esm.mjs'], { cwd: app, env }));
    show(run(node, ['cjs.cjs'], { cwd: app, env }));
    say(`Node ${version} ok (${label})`);
  }
}

// 1. The binaries every tarball must carry.
const prebuilds = join(root, 'packages', 'native', 'prebuilds', 'linux-x64');
const abiOf = { 20: '115', 22: '127', 24: '137' };
// A binary older than the addon's sources was built from other sources: build it again (the
// loader would refuse it, and a tarball must not ship it).
const addonSources = join(root, 'packages', 'native', 'addon');
const sourcesChanged = Math.max(
  statSync(join(root, 'packages', 'native', 'binding.gyp')).mtimeMs,
  ...readdirSync(addonSources).map((name) => statSync(join(addonSources, name)).mtimeMs),
);
const missing = SHIPPED_MAJORS.filter((major) => {
  const binary = join(prebuilds, `annal.abi${abiOf[major]}.glibc.node`);
  return !existsSync(binary) || statSync(binary).mtimeMs < sourcesChanged;
});
if (missing.length > 0) {
  run(process.execPath, [join(root, 'packages', 'native', 'scripts', 'prebuild.mjs'), ...missing], {
    cwd: join(root, 'packages', 'native'),
  });
}

// 2. The tarballs, as `pnpm publish` would make them.
const pnpm = pnpmCommand();
mkdirSync(join(work, 'tarballs'));
const tarballs = {};
for (const name of PACKAGES) {
  run(pnpm[0], [pnpm[1], 'pack', '--pack-destination', join(work, 'tarballs')], {
    cwd: join(root, 'packages', name),
  });
  tarballs[name] = tarballOf(name);
  say(`@annal/${name}: ${(statSync(tarballs[name]).size / 1024).toFixed(1)} KiB packed`);
}

// 3. What is inside: lint of the manifests and type resolution, links that work on npm, source
// maps that resolve.
for (const name of PACKAGES) {
  run(join(root, 'node_modules', '.bin', 'publint'), ['run', tarballs[name], '--strict'], {
    cwd: root,
  });
  // ESM only: a require() of it works on Node ≥ 20.19 and ≥ 22.12 (cjs.cjs proves it below);
  // attw's "node16 (from CJS)" row predates require(esm), so the esm-only profile leaves it out.
  run(join(root, 'node_modules', '.bin', 'attw'), [tarballs[name], '--profile', 'esm-only'], {
    cwd: root,
  });
  checkContents(name);
}
say('publint --strict, attw --profile esm-only: clean');

// 4. npm and pnpm, no compiler.
const bin = toolsWithoutCompiler(pnpm);
const bare = userEnv('check', bin);
for (const tool of COMPILE_TOOLS) {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { env: bare }).status === 0;
  if (found) fail(`${tool} is reachable on the no-compiler PATH`);
}
say(`no compiler on PATH: ${COMPILE_TOOLS.join(', ')} not found`);

const npmApp = makeApp('npm', tarballs);
const npmEnv = userEnv('npm', bin);
show(run('npm', ['install', '--no-audit', '--no-fund'], { cwd: npmApp, env: npmEnv }));
checkApp(npmApp, npmEnv, 'npm');

const pnpmApp = makeApp('pnpm', tarballs);
const pnpmEnv = userEnv('pnpm', bin);
show(run('pnpm', ['install'], { cwd: pnpmApp, env: pnpmEnv }));
checkApp(pnpmApp, pnpmEnv, 'pnpm');

// 5. No binary for this Node: a tarball of @annal/native without it.
const unpacked = join(work, 'native-without-prebuild');
mkdirSync(unpacked);
run('tar', ['xzf', tarballs.native, '-C', unpacked]);
const ownAbi = `annal.abi${process.versions.modules}.glibc.node`;
rmSync(join(unpacked, 'package', 'prebuilds', 'linux-x64', ownAbi));
mkdirSync(join(work, 'tarballs-fallback'));
const nativeFallback = join(work, 'tarballs-fallback', 'annal-native-fallback.tgz');
run('tar', ['czf', nativeFallback, '-C', unpacked, 'package']);
const fallbackTarballs = { ...tarballs, native: nativeFallback };

const refusedApp = makeApp('no-compiler', fallbackTarballs);
const refused = run('npm', ['install', '--no-audit', '--no-fund'], {
  cwd: refusedApp,
  env: userEnv('no-compiler', bin),
  expectFailure: true,
});
if (!refused.includes('no C++ compiler found')) fail('the no-compiler install did not say why');
say('no binary and no compiler: npm install fails with "no C++ compiler found" (expected)');

const fallbackApp = makeApp('fallback', fallbackTarballs);
const fallbackEnv = userEnv('fallback', process.env.PATH ?? '/usr/bin:/bin');
run('npm', ['install', '--no-audit', '--no-fund'], { cwd: fallbackApp, env: fallbackEnv });
const built = join(
  fallbackApp,
  'node_modules',
  '@annal',
  'native',
  'build',
  'Release',
  'annal.node',
);
if (!existsSync(built)) fail(`the fallback install did not build ${built}`);
show(run('node', ['esm.mjs'], { cwd: fallbackApp, env: fallbackEnv }));
say(`fallback: built ${built} from source at install`);

say(`\npack-check: all cases passed (transcript: ${log})`);
if (!keep) {
  for (const entry of readdirSync(work)) {
    if (entry !== 'pack-check.log') rmSync(join(work, entry), { recursive: true, force: true });
  }
}
