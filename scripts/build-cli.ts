/**
 * The CLI bundle: electron/hosts/cli.ts compiled by Vite's SSR build into an ESM bundle in dist/cli/, so
 * `maskroom` starts without transpiling TypeScript. The package's dependencies stay external (sharp is native;
 * all of them are in node_modules beside the bundle). Modules the CLI imports lazily (`await import()`) become
 * chunks of their own, loaded only by the commands that need them.
 *
 * dist/cli/manifest.json lists every source file that went into the bundle with its size and mtime;
 * bin/maskroom.mjs runs the bundle only while all of them are unchanged (docs/cli.md, "How the CLI starts").
 * It is written last, so an interrupted build leaves no manifest and the bin falls back to the sources.
 */
import { build, type Plugin } from 'vite';
import { builtinModules } from 'node:module';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const cliOutDir = path.join(root, 'dist/cli');
export const cliEntryName = 'cli.js';

export interface CliManifest {
  entry: string;
  /** Repository-relative source paths (forward slashes) with what they were when the bundle was built. */
  sources: Array<{ path: string; size: number; mtimeMs: number }>;
}

/** Collects the repository files (not node_modules) that went into the bundle's chunks. */
function manifestPlugin(outDir: string): Plugin {
  return {
    name: 'maskroom-cli-manifest',
    writeBundle(_options, bundle) {
      const ids = new Set<string>();
      for (const item of Object.values(bundle)) {
        if (item.type !== 'chunk') continue;
        for (const id of item.moduleIds) {
          const file = id.split('?')[0]!;
          if (!path.isAbsolute(file) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
          ids.add(file);
        }
      }
      const sources = [...ids].sort().map((file) => {
        const st = statSync(file);
        return {
          path: path.relative(root, file).split(path.sep).join('/'),
          size: st.size,
          mtimeMs: st.mtimeMs,
        };
      });
      const manifest: CliManifest = { entry: cliEntryName, sources };
      writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    },
  };
}

/**
 * Builds the CLI into `outDir` (default dist/cli). The unit tests build their own copy under
 * node_modules/.cache so that edits made to the sources during a run cannot change what they test; the
 * bundle's bare imports resolve from the repository's node_modules either way.
 */
export async function buildCli(outDir = cliOutDir): Promise<void> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const deps = Object.keys(pkg.dependencies).map((d) => d.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const external = [
    ...builtinModules,
    ...builtinModules.map((m) => `node:${m}`),
    new RegExp(`^(${deps.join('|')})(/.*)?$`),
  ];
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    plugins: [manifestPlugin(outDir)],
    build: {
      ssr: true,
      target: 'node20',
      outDir,
      emptyOutDir: true,
      sourcemap: true,
      rollupOptions: {
        input: { cli: 'electron/hosts/cli.ts' },
        preserveEntrySignatures: 'exports-only',
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
        external,
      },
    },
  });
}
