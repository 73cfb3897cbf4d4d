#!/usr/bin/env node
// Builds the @annal/native addon with node-gyp against the headers of the Node.js that runs this
// script, so that an install never downloads anything.
//
//   node scripts/build-addon.mjs                 always rebuild
//   node scripts/build-addon.mjs --if-stale      rebuild only when a source is newer than the binary
//   node scripts/build-addon.mjs --if-no-prebuild
//       the package's install step: nothing to do when a prebuilt binary fits this Node (the
//       usual case: the loader takes it, and pnpm or npm may not run install scripts at all);
//       otherwise compile, the fallback for platforms and Node versions without one
//
// Why not plain `node-gyp rebuild`: without a nodedir, node-gyp fetches a headers tarball from
// the internet, which fails on offline machines. The running Node's own headers live beside its
// executable (<prefix>/bin/node -> <prefix>/include/node), so we derive the prefix from
// process.execPath instead of hard-coding one machine's path.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const binaryPath = join(packageDir, 'build', 'Release', 'annal.node');
const require = createRequire(import.meta.url);

function fail(message) {
  process.stderr.write(`\n@annal/native: ${message}\n\n`);
  process.exit(1);
}

function newestSourceMtimeMs() {
  const sources = [join(packageDir, 'binding.gyp')];
  for (const name of readdirSync(join(packageDir, 'addon')))
    sources.push(join(packageDir, 'addon', name));
  return Math.max(...sources.map((file) => statSync(file).mtimeMs));
}

function isStale() {
  if (!existsSync(binaryPath)) return true;
  return statSync(binaryPath).mtimeMs < newestSourceMtimeMs();
}

/** The directory holding include/node/node_api.h for the running Node, or undefined. */
function findNodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    dirname(dirname(process.execPath)),
    process.config?.variables?.node_prefix,
  ];
  for (const candidate of candidates) {
    if (candidate && existsSync(join(candidate, 'include', 'node', 'node_api.h'))) return candidate;
  }
  return undefined;
}

function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // Outside our workspace (an npm user's install) node-gyp is a devDependency we do not have;
    // npm ships its own copy next to itself.
    const bundled = join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    );
    if (existsSync(bundled)) return bundled;
    return undefined;
  }
}

function hasCommand(command, args = ['--version']) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.status === 0;
}

/** Same rule as `prebuildFileName` in src/binding.ts and scripts/prebuild.mjs. */
function fittingPrebuild() {
  const libc = readFileSync('/proc/self/maps', 'latin1').includes('musl') ? 'musl' : 'glibc';
  const name = `annal.abi${process.versions.modules}.${libc}.node`;
  const path = join(packageDir, 'prebuilds', `${process.platform}-${process.arch}`, name);
  return existsSync(path) ? path : undefined;
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
if (process.argv.includes('--if-no-prebuild') && fittingPrebuild() !== undefined) process.exit(0);

const compiler = process.env.CXX ?? 'c++';
if (!hasCommand(compiler)) {
  fail(
    `no C++ compiler found (tried "${compiler}"). annal builds a small native addon at install time.\n` +
      `Install a C++20 compiler and make, then install again; on Debian or Ubuntu:\n` +
      `    apt-get install -y g++ make python3`,
  );
}
if (!hasCommand('make')) fail('"make" was not found; on Debian or Ubuntu: apt-get install -y make');
if (!hasCommand(process.env.PYTHON ?? 'python3')) {
  fail(
    'node-gyp needs Python 3 ("python3" was not found); on Debian or Ubuntu: apt-get install -y python3',
  );
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) fail('node-gyp was not found; run the install through npm or pnpm.');

const args = [nodeGyp, 'rebuild', '--release', `--jobs=max`];
const nodeDir = findNodeDir();
if (nodeDir) {
  args.push(`--nodedir=${nodeDir}`);
} else {
  process.stderr.write(
    `@annal/native: the headers of this Node.js (${process.execPath}) were not found beside it; ` +
      `node-gyp will try to download them.\n`,
  );
}

const result = spawnSync(process.execPath, args, { cwd: packageDir, stdio: 'inherit' });
if (result.status !== 0) {
  fail(
    `building the addon failed (node-gyp exited with ${result.status ?? result.signal}); see the output above.`,
  );
}
