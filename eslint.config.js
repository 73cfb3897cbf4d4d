// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

import annal from './tooling/eslint-rules/no-offset-literals.js';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/build/**',
      '**/node_modules/**',
      'docs/api/**',
      'apps/bench/results/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // Hot paths index typed arrays and cast the element (`bytes[i] as number`) on purpose:
      // noUncheckedIndexedAccess types it `number | undefined` while the bounds are checked by the loop.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/prefer-literal-enum-member': 'off',
      // `!` is banned (above); hot loops narrow typed-array reads with `as number` instead.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      'max-lines': ['warn', { max: 600, skipBlankLines: true, skipComments: true }],
      // Siblings share code through @annal/native/internal, never deep imports.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@annal/*/src/*', '@annal/*/dist/*'],
              message: 'Import the package or its ./internal subpath.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests may use the full API loosely: fixtures, casts and non-null assertions on known data.
    files: ['**/test/**/*.ts', 'vitest.config.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
    },
  },
  {
    // `atomics-in-layout`: every atomic access to a shared or mapped buffer goes through
    // a named accessor in the package's layout.ts (loadX/storeX/compareExchangeX), so the memory
    // ordering of each field is decided, and reviewed, in one place (a package whose formats are
    // several declares each in its own `<format>-layout.ts`, listed by its layout.ts).
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/*/src/layout.ts', 'packages/*/src/*-layout.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Atomics', message: 'Use the named accessors in layout.ts.' },
      ],
    },
  },
  {
    // Each on-disk or shared-memory format is declared once, with its byte diagram, in a layout
    // module (core: layout.ts, frame-layout.ts, metadata-layout.ts, channel-layout.ts,
    // layout-words.ts; wal and logbuf: layout.ts); everywhere else an offset is used by its name.
    // Tests of the formats' packages name the offsets they damage; native's tests poke raw memory
    // that has no format.
    files: [
      'packages/*/src/**/*.ts',
      'packages/core/test/**/*.ts',
      'packages/logbuf/test/**/*.ts',
      'packages/wal/test/**/*.ts',
    ],
    ignores: [
      'packages/*/src/layout.ts',
      'packages/*/src/*-layout.ts',
      'packages/*/src/layout-words.ts',
    ],
    plugins: { annal },
    rules: {
      'annal/no-offset-literals': ['error', { allowZeroIndex: true }],
    },
  },
  {
    // Only native.ts loads the addon; everything else goes through typed wrappers.
    // Type-only imports of the binding's interface are fine.
    files: ['packages/native/src/**/*.ts'],
    ignores: ['packages/native/src/native.ts', 'packages/native/src/futex.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [],
          patterns: [
            {
              group: ['./binding.js', '../binding.js'],
              allowTypeImports: true,
              message: 'Load the addon through getBinding() in native.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // Root config files sit outside every tsconfig: lint them without type information.
    files: ['vitest.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  prettier,
);
