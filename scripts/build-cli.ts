/**
 * The CLI bundle: electron/hosts/cli.ts compiled by Vite's SSR build into a CommonJS bundle in dist/cli/, so
 * `maskroom` starts without transpiling TypeScript. CommonJS because its modules can be compiled as vm.Scripts
 * with V8's code cache (bin/cli-loader.cjs), which this Node has no way to do for ES modules: a command does
 * not parse and compile the same megabyte and a half of JavaScript on every run. The JavaScript dependencies (zod, undici, tldts, ag-psd,
 * cli-progress) are bundled in; only sharp, which is native, stays external. So the bundle needs nothing from
 * node_modules but sharp: it runs from an installed app's app.asar.unpacked, where sharp is and the rest of
 * node_modules (inside the asar, which plain Node cannot read) is not, and it starts faster than loading each
 * package's files. Modules the CLI imports lazily (`await import()`) become chunks of their own, loaded only
 * by the commands that need them.
 *
 * dist/cli/manifest.json lists every source file that went into the bundle with its size and mtime;
 * bin/maskroom.mjs runs the bundle only while all of them are unchanged (docs/cli.md, "How the CLI starts").
 * It is written last, so an interrupted build leaves no manifest and the bin falls back to the sources.
 */
import { build, type Plugin } from 'vite';
import { builtinModules } from 'node:module';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerEntries } from './worker-entries';

const root = fileURLToPath(new URL('..', import.meta.url));
export const cliOutDir = path.join(root, 'dist/cli');
export const cliEntryName = 'cli.cjs';

export interface CliManifest {
  entry: string;
  /** Repository-relative source paths (forward slashes) with what they were when the bundle was built. */
  sources: Array<{ path: string; size: number; mtimeMs: number }>;
  /** Each output file (entry and lazily loaded chunks) with the modules in it, repository-relative. */
  chunks: Record<string, string[]>;
}

/** Collects the repository files (not node_modules) that went into the bundle's chunks. */
function manifestPlugin(outDir: string): Plugin {
  return {
    name: 'maskroom-cli-manifest',
    writeBundle(_options, bundle) {
      const ids = new Set<string>();
      const chunks: Record<string, string[]> = {};
      const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');
      for (const item of Object.values(bundle)) {
        if (item.type !== 'chunk') continue;
        const modules: string[] = [];
        for (const id of item.moduleIds) {
          const file = id.split('?')[0]!;
          if (!path.isAbsolute(file)) continue;
          modules.push(rel(file));
          if (!file.includes(`${path.sep}node_modules${path.sep}`)) ids.add(file);
        }
        chunks[item.fileName] = modules;
      }
      const sources = [...ids].sort().map((file) => {
        const st = statSync(file);
        return {
          path: rel(file),
          size: st.size,
          mtimeMs: st.mtimeMs,
        };
      });
      const manifest: CliManifest = { entry: cliEntryName, sources, chunks };
      writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    },
  };
}

/**
 * Builds the CLI into `outDir` (default dist/cli). The unit tests build their own copy under
 * node_modules/.cache so that edits made to the sources during a run cannot change what they test; its one
 * bare import, sharp, resolves from the repository's node_modules either way.
 */
export async function buildCli(outDir = cliOutDir): Promise<void> {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    // Worker threads' entries become chunks of their own (worker-entries.ts).
    plugins: [manifestPlugin(outDir), workerEntries()],
    // Every JavaScript dependency is bundled: only sharp (native) is loaded from node_modules.
    ssr: { noExternal: true },
    // The bare `undici` is the part of it the edit client uses (scripts/cli-undici.mjs), not its whole
    // index with fetch, WebSocket and the rest: an edit evaluates it while its photo decodes.
    resolve: { alias: [{ find: /^undici$/, replacement: path.join(root, 'scripts/cli-undici.mjs') }] },
    build: {
      ssr: true,
      target: 'node20',
      outDir,
      emptyOutDir: true,
      sourcemap: true,
      rollupOptions: {
        input: { cli: 'electron/hosts/cli.ts' },
        preserveEntrySignatures: 'exports-only',
        output: { format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
        external: [...builtinModules, ...builtinModules.map((m) => `node:${m}`), /^sharp(\/.*)?$/],
      },
    },
  });
}
