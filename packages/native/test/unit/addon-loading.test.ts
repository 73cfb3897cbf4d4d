import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADDON_CANDIDATE_PATHS,
  ADDON_FUNCTIONS,
  ADDON_TARGET,
  getBinding,
  loadAddonFrom,
  prebuildFileName,
} from '@annal/native/internal';
import { temporaryDirectory } from '@annal/test-utils';

describe('loading the addon', () => {
  it('the loaded addon was compiled for the running Node ABI', () => {
    expect(ADDON_TARGET.abi).toBe(Number(process.versions.modules));
    expect(getBinding().nodeModuleVersion).toBe(ADDON_TARGET.abi);
  });

  it('refuses a binary compiled for another Node ABI, saying which it was and which is needed', () => {
    const other = ADDON_TARGET.abi + 1;
    const result = loadAddonFrom(ADDON_CANDIDATE_PATHS, other);
    expect('tried' in result).toBe(true);
    if (!('tried' in result)) return;
    const reasons = result.tried.map(({ reason }) => reason).join('\n');
    expect(reasons).toContain(`compiled for Node ABI ${ADDON_TARGET.abi}`);
    expect(reasons).toContain(`needs ABI ${other}`);
  });

  it('reports a file that is not a loadable binary instead of throwing', () => {
    const directory = temporaryDirectory();
    const bogus = join(directory, prebuildFileName(ADDON_TARGET.abi, ADDON_TARGET.libc));
    writeFileSync(bogus, 'not an ELF file');
    const result = loadAddonFrom([bogus, join(directory, 'missing.node')], ADDON_TARGET.abi);
    expect('tried' in result).toBe(true);
    if (!('tried' in result)) return;
    expect(result.tried).toHaveLength(2);
    expect(result.tried[1]?.reason).toBe('not there');
  });

  it('takes a prebuilt binary named for this ABI and C library', () => {
    const directory = temporaryDirectory();
    mkdirSync(join(directory, 'prebuilds'));
    const built = ADDON_CANDIDATE_PATHS.find((path) =>
      path.endsWith(join('Release', 'annal.node')),
    );
    const prebuild = join(
      directory,
      'prebuilds',
      prebuildFileName(ADDON_TARGET.abi, ADDON_TARGET.libc),
    );
    copyFileSync(built ?? '', prebuild);
    const result = loadAddonFrom([prebuild], ADDON_TARGET.abi);
    expect('tried' in result).toBe(false);
  });

  it('knows every function the addon exports (the list a stale binary is checked against)', () => {
    const binding = getBinding() as unknown as Record<string, unknown>;
    const exported = Object.keys(binding)
      .filter((name) => typeof binding[name] === 'function')
      .sort();
    expect([...ADDON_FUNCTIONS].sort()).toEqual(exported);
  });

  it('refuses a binary of the right ABI that lacks a function, naming it (a stale build)', () => {
    const directory = temporaryDirectory();
    // require() loads a .cjs as it loads a .node: a stand-in for an addon built from older sources.
    const stale = join(directory, 'stale.cjs');
    const present = ADDON_FUNCTIONS.filter((name) => name !== 'crc32cRanges');
    writeFileSync(
      stale,
      `module.exports = { nodeModuleVersion: ${ADDON_TARGET.abi}, ${present
        .map((name) => `${name}() {}`)
        .join(', ')} };`,
    );
    const result = loadAddonFrom([stale], ADDON_TARGET.abi);
    expect('tried' in result).toBe(true);
    if (!('tried' in result)) return;
    expect(result.tried[0]?.reason).toBe(
      'compiled from other sources than this @annal/native (a stale build: it lacks crc32cRanges)',
    );
  });
});
