/**
 * A worker thread's entry for runs from the sources (tsx, vitest, the web host run by tsx): the worker's
 * TypeScript bundled into one JavaScript file by esbuild (which tsx brings). The CLI and Electron main
 * bundles ship their workers' entries as chunks of their own (scripts/worker-entries.ts) and never load
 * this module, so esbuild is not needed where the app is installed.
 */
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';

/**
 * From the sources (tsx, vitest, the web host run by tsx), the worker's TypeScript bundled into one
 * JavaScript file by esbuild (which tsx brings), kept in node_modules/.cache with the size and mtime of every
 * source that went into it and built again when one changed. A worker that registered tsx's loader itself
 * took 200-700 ms to start, most of a flatten's gain on two cores; this one starts in tens of ms.
 */
export async function builtFromSources(file: string): Promise<URL> {
  const require = createRequire(import.meta.url);
  const esbuildMain = require.resolve('esbuild');
  const dir = path.join(
    esbuildMain.slice(0, esbuildMain.lastIndexOf(`${path.sep}esbuild${path.sep}`)),
    '.cache',
    'maskroom-workers',
  );
  const out = path.join(dir, `${path.basename(file, '.ts')}.mjs`);
  const manifestFile = `${out}.json`;
  const fresh = await fs.readFile(manifestFile, 'utf8').then(
    async (text) => {
      const inputs = JSON.parse(text) as Array<{ path: string; size: number; mtimeMs: number }>;
      const stats = await Promise.all(inputs.map((i) => fs.stat(i.path).catch(() => null)));
      return stats.every((st, i) => st && st.size === inputs[i]!.size && st.mtimeMs === inputs[i]!.mtimeMs);
    },
    () => false,
  );
  if (fresh) return pathToFileURL(out);
  const esbuild = require('esbuild') as typeof Esbuild;
  await fs.mkdir(dir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const r = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: tmp,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = await Promise.all(
    Object.keys(r.metafile.inputs).map(async (p) => {
      const abs = path.resolve(p);
      const st = await fs.stat(abs);
      return { path: abs, size: st.size, mtimeMs: st.mtimeMs };
    }),
  );
  // Renamed into place (other processes may build it at the same time), then its manifest.
  await fs.rename(tmp, out);
  await fs.writeFile(`${manifestFile}.tmp-${process.pid}`, JSON.stringify(inputs));
  await fs.rename(`${manifestFile}.tmp-${process.pid}`, manifestFile);
  return pathToFileURL(out);
}
