#!/usr/bin/env node
// The `maskroom` command. It runs the compiled CLI (dist/cli/cli.cjs, built by `npm install`'s prepare step
// or `npm run build`) while that bundle matches the sources it was built from, and otherwise the TypeScript
// sources (electron/hosts/cli.ts) through tsx, so a checkout works before any build and never runs a stale
// bundle. Where there are no sources (an installed app), the bundle is used as it is.
// Test and benchmark hooks: MASKROOM_CLI_BUNDLE=DIR runs the bundle built in DIR as it is (the unit tests
// build one per run); MASKROOM_CLI=tsx runs the sources (the startup benchmark compares the two). docs/cli.md.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = new URL('../', import.meta.url);

/** Why the bundle cannot be used, or null when it matches every source it was built from. */
function staleReason() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('dist/cli/manifest.json', root), 'utf8'));
  } catch {
    return 'dist/cli has not been built';
  }
  let present = 0;
  for (const s of manifest.sources) {
    let st;
    try {
      st = statSync(new URL(s.path, root));
    } catch {
      continue;
    }
    present++;
    if (st.size !== s.size || st.mtimeMs !== s.mtimeMs) return `${s.path} changed since dist/cli was built`;
  }
  if (present > 0 && present < manifest.sources.length)
    return 'a source file was removed since dist/cli was built';
  return null;
}

/**
 * The bundle in `dir`: CommonJS (cli.cjs), loaded through V8's code cache (bin/cli-loader.cjs), or an ESM
 * bundle (cli.mjs) as builds before that wrote them, imported as it is.
 */
function loadBundle(dir) {
  if (existsSync(path.join(dir, 'cli.cjs'))) {
    const { loadCli } = createRequire(import.meta.url)('./cli-loader.cjs');
    return loadCli(dir, process.argv.slice(2));
  }
  return import(pathToFileURL(path.join(dir, 'cli.mjs')).href);
}

async function load() {
  const bundle = process.env.MASKROOM_CLI_BUNDLE;
  if (bundle) return loadBundle(path.resolve(bundle));
  if (process.env.MASKROOM_CLI !== 'tsx') {
    const reason = staleReason();
    if (reason === null) return loadBundle(fileURLToPath(new URL('dist/cli', root)));
    if (process.env.MASKROOM_DEBUG) process.stderr.write(`maskroom: running the sources: ${reason}\n`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import('../electron/hosts/cli.ts');
}

const { main } = await load();
process.exitCode = await main(process.argv.slice(2));
