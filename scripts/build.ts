/**
 * npm run build: the renderer (Vite) and the Electron main and preload bundles. `--renderer` builds only
 * the renderer (what the web host and the browser tests need).
 */
import { build } from 'vite';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const onlyRenderer = process.argv.includes('--renderer');
const quiet = { logLevel: 'warn' as const };

await build({ configFile: `${root}/vite.config.ts`, ...quiet });

if (!onlyRenderer) {
  const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
  // Main: ESM, dependencies stay in node_modules (sharp is native and is unpacked from the asar).
  await build({
    configFile: false,
    root,
    ...quiet,
    build: {
      ssr: true,
      target: 'node22',
      outDir: 'dist/electron',
      emptyOutDir: true,
      sourcemap: true,
      rollupOptions: {
        input: { main: 'electron/main/main.ts' },
        output: { format: 'es', entryFileNames: '[name].js' },
        external: ['electron', ...nodeBuiltins, /^(sharp|undici|electron-store|zod)(\/.*)?$/],
      },
    },
  });
  // Preload: a sandboxed preload can only require('electron'): bundle everything else into one CJS file.
  await build({
    configFile: false,
    root,
    ...quiet,
    ssr: { noExternal: true },
    build: {
      ssr: true,
      target: 'node22',
      outDir: 'dist/electron',
      emptyOutDir: false,
      sourcemap: true,
      rollupOptions: {
        input: { preload: 'electron/preload/preload.ts' },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
        external: ['electron'],
      },
    },
  });
}
console.log(
  onlyRenderer ? 'Built the renderer into dist/renderer.' : 'Built dist/renderer and dist/electron.',
);
