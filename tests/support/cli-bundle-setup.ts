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
    /** The folder holding this run's compiled CLI (cli.mjs); bin/maskroom.mjs runs it via MASKROOM_CLI_BUNDLE. */
    cliBundle: string;
    /** Why the CLI did not compile ('' when it did): only the tests that run the CLI fail with it. */
    cliBundleError: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const parent = path.join(root, 'node_modules/.cache/maskroom-cli');
  await fs.mkdir(parent, { recursive: true });
  const dir = await fs.mkdtemp(path.join(parent, 'run-'));
  let error = '';
  try {
    await buildCli(dir);
  } catch (e) {
    // A source that does not compile fails the CLI tests with the reason, not the whole unit run.
    error = e instanceof Error ? e.message : String(e);
  }
  project.provide('cliBundle', dir);
  project.provide('cliBundleError', error);
  return () => fs.rm(dir, { recursive: true, force: true });
}
