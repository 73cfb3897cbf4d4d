import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADDON_CANDIDATE_PATHS,
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
});
