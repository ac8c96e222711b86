// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'crypto',
  'worker_threads',
];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: [
      'electron/**/*.ts',
      'tests/**/*.{ts,mjs}',
      'bench/**/*.ts',
      'scripts/**/*.ts',
      'bin/**/*.mjs',
      '*.config.*',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Only the thin shell may touch Electron: everything else runs in plain Node (tests, CLI, web host).
    files: ['electron/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    ignores: ['electron/main.ts', 'electron/preload.ts', 'electron/shell/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only electron/main.ts, electron/preload.ts and electron/shell/ may import Electron.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer talks only to window.maskroom: no Node, no main-process code.
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', ...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`)],
          patterns: [
            {
              group: ['**/electron/**', '../electron/*'],
              message: 'The renderer may only use window.maskroom and shared/.',
            },
          ],
        },
      ],
    },
  },
  {
    // shared/ is imported by every side: it must not depend on Node or the DOM.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['electron', ...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`)] },
      ],
    },
  },
);
