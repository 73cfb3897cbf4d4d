import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Absolute, so a run started from inside a package (turbo's `test` task) finds the same files. */
const packageRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * One vitest run over every package (vitest "projects"). Tests import packages by name. Vite's
 * server (SSR) environment, where tests run, does not apply `resolve.conditions`, so they import
 * the built dist/ like the worker and child-process fixtures do (plain .mjs files): build first
 * (`pnpm test` does, through turbo). Resolving src/ in the tests (`ssr.resolve.conditions`) would
 * put two copies of each package in a process that hands mappings and locks to worker threads,
 * and the core tests that do so fail then.
 */
export default defineConfig({
  resolve: { conditions: ['@annal/source'] },
  test: {
    // A concurrency library must not hide a flaky failure behind a retry.
    retry: 0,
    reporters: ['default', packageRoot('./tooling/test-utils/src/summary-reporter.ts')],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'native',
          root: packageRoot('./packages/native'),
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'logbuf',
          root: packageRoot('./packages/logbuf'),
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'core',
          root: packageRoot('./packages/core'),
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'wal',
          root: packageRoot('./packages/wal'),
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'replay',
          root: packageRoot('./packages/replay'),
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cli',
          root: packageRoot('./packages/cli'),
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'archiver',
          root: packageRoot('./packages/archiver'),
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'bridge-nats',
          root: packageRoot('./packages/bridge-nats'),
          include: ['test/**/*.test.ts'],
        },
      },
    ],
  },
});
