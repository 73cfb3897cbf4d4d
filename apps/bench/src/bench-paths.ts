/**
 * Where the bench app's files live, resolved from this module so the CLI works from any
 * working directory (`pnpm bench` runs it from the repository root).
 *
 * @module
 */
import { fileURLToPath } from 'node:url';

/** apps/bench/ (this file compiles to apps/bench/dist/bench-paths.js). */
export const BENCH_ROOT_DIRECTORY = fileURLToPath(new URL('..', import.meta.url));

/** The compiled child entry point that measures one (scenario, implementation) pair. */
export const CHILD_SCRIPT_PATH = fileURLToPath(new URL('./child.js', import.meta.url));

/** C programs that measure physical limits (apps/bench/limits/). */
export const LIMITS_SOURCE_DIRECTORY = fileURLToPath(new URL('../limits/', import.meta.url));

/** Where a real run writes latest.md, latest.svg and latest.json. */
export const DEFAULT_RESULTS_DIRECTORY = fileURLToPath(new URL('../results/', import.meta.url));

/** Where a `--smoke` run writes them instead (ignored by git: smoke numbers are not results). */
export const SMOKE_RESULTS_DIRECTORY = fileURLToPath(new URL('../results/smoke/', import.meta.url));
