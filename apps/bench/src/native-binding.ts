/**
 * The raw addon, for suites that measure it (STYLE R3: through `@annal/native/internal`).
 *
 * Why this seam exists: `getBinding` is tagged `@internal` in @annal/native and its library
 * build strips internal declarations, so `@annal/native/internal` exports it at run time while
 * its emitted `internal.d.ts` is empty. Until native keeps that declaration, this module types
 * the function from the `NativeBinding` interface native emits beside it (a type-only import,
 * erased from the JavaScript). Once `internal.d.ts` declares it, this becomes a re-export.
 *
 * @module
 */
import * as nativeInternal from '@annal/native/internal';

import type { NativeBinding } from '../../../packages/native/dist/binding.js';

export type { NativeBinding };

const { getBinding: loadBinding } = nativeInternal as unknown as {
  getBinding: () => NativeBinding;
};

/**
 * The loaded addon (memoized by native). Throws ERR_ANNAL_NATIVE_LOAD when it could not be
 * loaded; the child then fails and its row is marked FAILED.
 */
export function getBinding(): NativeBinding {
  return loadBinding();
}
