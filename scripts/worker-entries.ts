/**
 * Worker threads in the CLI and Electron main bundles. A module that starts a worker names the worker's
 * entry beside it as `new URL('./<name>-worker.ts', import.meta.url)` (electron/core/imaging/flatten-stripes.ts);
 * run from the sources that is the TypeScript file itself. In a bundle this plugin emits each such entry as
 * a chunk of its own (with what it imports) and rewrites the URL to that chunk's file, relative to the
 * chunk that names it, so the worker loads plain JavaScript beside the bundle.
 */
import path from 'node:path';
import type { Plugin } from 'vite';

/**
 * `new URL('./x-worker.ts', import.meta.url)`, or in a CommonJS chunk the same with import.meta.url as the
 * bundler writes it there (`require("url").pathToFileURL(__filename).href`).
 */
const WORKER_URL =
  /new URL\((['"])(\.\.?\/[\w./-]+-worker\.ts)\1,\s*(import\.meta\.url|require\("url"\)\.pathToFileURL\(__filename\)\.href)\)/g;

export function workerEntries(): Plugin {
  /** Each literal as written (./x-worker.ts) and the chunk emitted for it. */
  const refs = new Map<string, { file: string; ref: string }>();
  return {
    name: 'maskroom-worker-entries',
    transform(code, id) {
      if (!code.includes('-worker.ts')) return null;
      for (const m of code.matchAll(WORKER_URL)) {
        const literal = m[2]!;
        const file = path.resolve(path.dirname(id.split('?')[0]!), literal);
        const known = refs.get(literal);
        if (known && known.file !== file)
          throw new Error(
            `two workers are named ${literal} (${known.file}, ${file}): give them distinct names`,
          );
        if (!known) {
          const ref = this.emitFile({ type: 'chunk', id: file, name: path.basename(file, '.ts') });
          refs.set(literal, { file, ref });
        }
      }
      // The code is left as it is: the URL is rewritten once the chunks have their names.
      return null;
    },
    renderChunk(code, chunk) {
      if (!code.includes('-worker.ts')) return null;
      const out = code.replace(WORKER_URL, (whole, _q: string, literal: string, base: string) => {
        const known = refs.get(literal);
        if (!known) return whole;
        let rel = path.posix.relative(path.posix.dirname(chunk.fileName), this.getFileName(known.ref));
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return `new URL(${JSON.stringify(rel)}, ${base})`;
      });
      return out === code ? null : { code: out, map: null };
    },
  };
}
