/**
 * npm run build: the renderer (Vite), the Electron main and preload bundles, and the CLI.
 * `--renderer` builds only the renderer (what the web host and the browser tests need); `--cli` only the
 * CLI (seconds: what `npm install`'s prepare step and the unit tests' setup run). With `--cli --no-fail`
 * a failed CLI build is a warning: bin/maskroom.mjs then runs the TypeScript through tsx.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const onlyRenderer = process.argv.includes('--renderer');
const onlyCli = process.argv.includes('--cli');
const quiet = { logLevel: 'warn' as const };
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

if (onlyCli) {
  try {
    // Imported here, so that even a missing Vite (an install without dev dependencies) is only a warning.
    const { buildCli } = await import('./build-cli');
    await buildCli();
    console.log('Built the CLI into dist/cli.');
  } catch (e) {
    if (!process.argv.includes('--no-fail')) throw e;
    console.warn(
      `maskroom: the CLI could not be compiled (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); ` +
        '`npx maskroom` runs the TypeScript sources instead (slower to start); run `npm run build -- --cli` to see why.',
    );
  }
  process.exit(0);
}

const { build } = await import('vite');
const { buildCli } = await import('./build-cli');
const { workerEntries } = await import('./worker-entries');
await build({ configFile: `${root}/vite.config.ts`, ...quiet });

if (!onlyRenderer) {
  // Main: ESM, dependencies stay in node_modules (sharp is native and is unpacked from the asar).
  await build({
    configFile: false,
    root,
    ...quiet,
    // Worker threads' entries become chunks of their own (worker-entries.ts).
    plugins: [workerEntries()],
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
  await buildCli();
}
console.log(
  onlyRenderer
    ? 'Built the renderer into dist/renderer.'
    : 'Built dist/renderer, dist/electron and dist/cli.',
);
