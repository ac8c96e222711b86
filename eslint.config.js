// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import path from 'node:path';

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

/**
 * Where code runs, and what each place may import (the model: VS Code's `code-layering` rule). A layer is a
 * folder; an import of another layer's file, or of the `electron` package outside the two layers that run
 * inside Electron, is an error. Tests, benchmarks and scripts are outside the layers: they may import anything.
 */
export const layers = {
  shared: { dir: 'shared', may: ['shared'], electron: false },
  core: { dir: 'electron/core', may: ['shared', 'core'], electron: false },
  hosts: { dir: 'electron/hosts', may: ['shared', 'core', 'hosts'], electron: false },
  main: { dir: 'electron/main', may: ['shared', 'core', 'main'], electron: true },
  preload: { dir: 'electron/preload', may: ['shared', 'preload'], electron: true },
  renderer: { dir: 'renderer', may: ['shared', 'renderer'], electron: false },
};

const root = path.dirname(new URL(import.meta.url).pathname);

/** The layer a repository-relative path belongs to, or null outside them. */
function layerOf(rel) {
  for (const [name, l] of Object.entries(layers)) {
    if (rel === l.dir || rel.startsWith(`${l.dir}/`)) return name;
  }
  return null;
}

const layering = {
  meta: {
    type: 'problem',
    docs: { description: 'each layer imports only the layers it may (eslint.config.js: layers)' },
    schema: [],
  },
  create(context) {
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const from = layerOf(file);
    if (!from) return {};
    const rule = layers[from];
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (spec === 'electron' || spec.startsWith('electron/')) {
        if (!rule.electron)
          context.report({
            node,
            message: `${rule.dir} runs without Electron: only electron/main and electron/preload may import 'electron'.`,
          });
        return;
      }
      if (!spec.startsWith('.')) return;
      const target = path
        .relative(root, path.resolve(path.dirname(context.filename), spec))
        .split(path.sep)
        .join('/');
      const to = layerOf(target);
      if (to && !rule.may.includes(to))
        context.report({
          node,
          message: `${rule.dir} may not import ${layers[to].dir} (${from} may import: ${rule.may.join(', ')}).`,
        });
    };
    const source = (node) => node.source && check(node, node.source.value);
    return {
      ImportDeclaration: source,
      ExportNamedDeclaration: source,
      ExportAllDeclaration: source,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

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
    // The CLI's CommonJS loader (it installs a require hook: CommonJS by nature).
    files: ['bin/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['electron/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    plugins: { maskroom: { rules: { layering } } },
    rules: { 'maskroom/layering': 'error' },
  },
  {
    // The renderer talks only to window.maskroom: no Node (the layering rule keeps main-side code out).
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`)],
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
        { paths: [...nodeBuiltins, ...nodeBuiltins.map((m) => `node:${m}`)] },
      ],
    },
  },
);
