/**
 * Global setup for the unit project: compiles the CLI once per run into a private folder, so the CLI tests
 * (tests/unit/hosts/cli) run the compiled form that `maskroom` runs, never a stale dist/cli, and edits other
 * people make to the sources during the run cannot change what is being tested. The folder is under
 * node_modules/.cache so the bundle's bare imports (sharp, undici, ...) resolve from the repository.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { buildCli } from '../../scripts/build-cli';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder holding this run's compiled CLI (cli.cjs); bin/maskroom.mjs runs it via MASKROOM_CLI_BUNDLE. */
    cliBundle: string;
    /** Why the CLI did not compile ('' when it did): only the tests that run the CLI fail with it. */
    cliBundleError: string;
  }
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Whether this run may run a test that runs the CLI: false only when the run was given file filters and none
 * of them picks a file in tests/unit/hosts/cli (a filter picks the files whose path contains it). Then the
 * few seconds of building are saved; whenever the filters cannot be read, the CLI is built.
 */
async function runsCliTests(project: TestProject): Promise<boolean> {
  const filters = (project.vitest as unknown as { filenamePattern?: unknown }).filenamePattern;
  if (!Array.isArray(filters) || filters.length === 0) return true;
  const dir = path.join(root, 'tests/unit/hosts/cli');
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(dir, f));
  return filters.some(
    (f) =>
      typeof f !== 'string' || files.some((file) => file.includes(path.resolve(root, f)) || file.includes(f)),
  );
}

/** Folders of runs that ended without their teardown (killed): older than a day, no run still uses them. */
async function removeAbandoned(parent: string): Promise<void> {
  for (const name of await fs.readdir(parent)) {
    const st = await fs.stat(path.join(parent, name)).catch(() => null);
    if (st && Date.now() - st.mtimeMs > 24 * 3600_000)
      await fs.rm(path.join(parent, name), { recursive: true, force: true });
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const parent = path.join(root, 'node_modules/.cache/maskroom-cli');
  await fs.mkdir(parent, { recursive: true });
  await removeAbandoned(parent);
  const dir = await fs.mkdtemp(path.join(parent, 'run-'));
  let error = '';
  try {
    if (await runsCliTests(project)) await buildCli(dir);
    else error = 'this run was not meant to run the CLI tests (its file filters pick none of them)';
  } catch (e) {
    // A source that does not compile fails the CLI tests with the reason, not the whole unit run.
    error = e instanceof Error ? e.message : String(e);
  }
  // Any bin/maskroom.mjs a test runs keeps its compiled code (bin/cli-loader.cjs) with this run's bundle,
  // not in the user's cache folder.
  process.env.MASKROOM_CODE_CACHE_DIR = path.join(dir, '.code-cache');
  project.provide('cliBundle', dir);
  project.provide('cliBundleError', error);
  return () => fs.rm(dir, { recursive: true, force: true });
}
