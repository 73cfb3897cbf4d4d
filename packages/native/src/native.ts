import { bindingOrFailure, type NativeBinding } from './binding.js';

/**
 * The loaded addon. Throws ERR_ANNAL_NATIVE_LOAD (listing every path tried) when it could not be
 * loaded, so the failure surfaces at the first call rather than at import time.
 *
 * @internal
 */
export function getBinding(): NativeBinding {
  if ('tried' in bindingOrFailure) {
    const lines = bindingOrFailure.tried.map(({ path, reason }) => `  ${path}: ${reason}`).join('\n');
    const error = new Error(
      `@annal/native: the native addon could not be loaded. Reinstall the package so it builds ` +
        `(it needs a C++ compiler, make and python3), or run "pnpm --filter @annal/native build".\nTried:\n${lines}`,
    ) as Error & { code: string };
    error.code = 'ERR_ANNAL_NATIVE_LOAD';
    throw error;
  }
  return bindingOrFailure;
}
