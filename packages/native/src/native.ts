import { bindingOrFailure, type NativeBinding } from './binding.js';
import { NativeLoadError } from './errors/native-load-error.js';

/**
 * The loaded addon. Throws ERR_ANNAL_NATIVE_LOAD (listing every path tried) when it could not be
 * loaded, so the failure surfaces at the first call with a fix, rather than at import time.
 * Reached by sibling packages through `@annal/native/internal` (not public API).
 */
export function getBinding(): NativeBinding {
  if ('tried' in bindingOrFailure) {
    const lines = bindingOrFailure.tried
      .map(({ path, reason }) => `  ${path}: ${reason}`)
      .join('\n');
    throw new NativeLoadError(
      `@annal/native: the native addon could not be loaded. Reinstall the package so that it builds ` +
        `(that needs a C++ compiler, make and python3), or run "pnpm --filter @annal/native build".\nTried:\n${lines}`,
    );
  }
  return bindingOrFailure;
}
