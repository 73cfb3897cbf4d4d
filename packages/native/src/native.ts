import {
  ADDON_TARGET,
  bindingOrFailure,
  type AddonLoadFailure,
  type NativeBinding,
} from './binding.js';
export {
  ADDON_CANDIDATE_PATHS,
  ADDON_FUNCTIONS,
  ADDON_TARGET,
  PREBUILD_DIRECTORY,
  loadAddonFrom,
  prebuildFileName,
} from './binding.js';
import { NativeLoadError } from './errors/native-load-error.js';

/**
 * The loaded addon. Throws ERR_ANNAL_NATIVE_LOAD (listing every path tried) when it could not be
 * loaded, so the failure surfaces at the first call with a fix, rather than at import time.
 * Reached by sibling packages through `@annal/native/internal` (not public API).
 */
export function getBinding(): NativeBinding {
  if ('tried' in bindingOrFailure) throw new NativeLoadError(loadFailureMessage(bindingOrFailure));
  return bindingOrFailure;
}

/** What was tried, what this Node needs, and how to get a binary that fits. */
function loadFailureMessage(failure: AddonLoadFailure): string {
  const { platform, arch, libc, abi } = ADDON_TARGET;
  const tried = failure.tried.map(({ path, reason }) => `  ${path}: ${reason}`).join('\n');
  const shipped =
    failure.prebuilds.length === 0
      ? `This install has no prebuilt binary for ${platform}-${arch}.`
      : `This install has prebuilt binaries for ${platform}-${arch}: ${failure.prebuilds.join(', ')}.`;
  return (
    `@annal/native: no native addon fits this Node (${process.version}, ABI ${abi}, ` +
    `${platform}-${arch}, ${libc}). ${shipped}\n` +
    `Build one from source (needs a C++20 compiler, make and python3): "npm rebuild @annal/native", ` +
    `or with pnpm "pnpm rebuild @annal/native" (pnpm 10 runs install scripts only for packages ` +
    `allowed by "pnpm approve-builds"). Inside the annal repository: "pnpm --filter @annal/native build".\n` +
    `Tried:\n${tried}`
  );
}
