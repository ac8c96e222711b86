/**
 * How `maskroom` starts (docs/cli.md, "How the CLI starts"): bin/maskroom.mjs runs the compiled bundle only
 * while it matches every source it was built from (else the sources through tsx, never a stale bundle), and
 * the compiled CLI loads the heavy modules (sharp, undici, the imaging core, the edit client, the project
 * store) only for a command that needs them: --version and --help load none.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { minimatch } from 'minimatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBundle, repoRoot, tempDir } from './helpers';

/** Runs node on `args` in `cwd`, bounded in time. */
function node(args: string[], env: Record<string, string | undefined> = {}, cwd = repoRoot) {
  const r = spawnSync(process.execPath, args, {
    cwd,
    env: { ...process.env, MASKROOM_CLI: undefined, MASKROOM_CLI_BUNDLE: undefined, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bin/maskroom.mjs chooses the compiled CLI only while it matches its sources', () => {
  let root: string;
  const sources = ['electron/hosts/cli.ts', 'electron/core/a.ts', 'shared/b.ts'];

  /** A repository in miniature: the real bin, a "compiled" and a "sources" CLI that say which one ran. */
  async function writeRepo(): Promise<void> {
    await fs.rm(root, { recursive: true, force: true });
    await fs.mkdir(path.join(root, 'bin'), { recursive: true });
    await fs.copyFile(path.join(repoRoot, 'bin/maskroom.mjs'), path.join(root, 'bin/maskroom.mjs'));
    await fs.symlink(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    await fs.writeFile(path.join(root, 'package.json'), '{"type":"module"}\n');
    for (const s of sources) {
      await fs.mkdir(path.dirname(path.join(root, s)), { recursive: true });
      await fs.writeFile(
        path.join(root, s),
        s === sources[0]
          ? "export async function main(argv: string[]): Promise<number> {\n  process.stdout.write(`sources ${argv.join(' ')}`);\n  return 4;\n}\n"
          : 'export const x = 1;\n',
      );
    }
    await writeBundle(path.join(root, 'dist/cli'), 'compiled');
  }

  /** A bundle that prints `label`, with a manifest of the sources as they are now. */
  async function writeBundle(dir: string, label: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, 'cli.mjs'),
      `export async function main(argv) { process.stdout.write(\`${label} \${argv.join(' ')}\`); return 3; }\n`,
    );
    const entries = [];
    for (const s of sources) {
      const st = await fs.stat(path.join(root, s));
      entries.push({ path: s, size: st.size, mtimeMs: st.mtimeMs });
    }
    await fs.writeFile(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ entry: 'cli.mjs', sources: entries }),
    );
  }

  const run = (env: Record<string, string> = {}) =>
    node([path.join(root, 'bin/maskroom.mjs'), 'history', '--json'], env, root);

  beforeAll(async () => {
    root = path.join(await tempDir('maskroom-bin-'), 'repo');
  });
  afterAll(async () => {
    await fs.rm(path.dirname(root), { recursive: true, force: true });
  });

  it('runs the bundle when every source matches, passing the arguments and the exit status', async () => {
    await writeRepo();
    expect(run()).toMatchObject({ code: 3, stdout: 'compiled history --json' });
  });

  it('runs the sources after any source changes (content, size or time), is removed, or without a manifest', async () => {
    const changes: Array<[string, (file: string) => Promise<void>]> = [
      [
        'same size, new time',
        async (f) => {
          const t = new Date(Date.now() + 5_000);
          await fs.utimes(f, t, t);
        },
      ],
      ['one more byte', (f) => fs.appendFile(f, ' ')],
      [
        'removed',
        async (f) => {
          if (f.endsWith('cli.ts')) await fs.appendFile(f, '\n');
          else await fs.rm(f);
        },
      ],
    ];
    for (const [what, change] of changes)
      for (const s of sources) {
        await writeRepo();
        await change(path.join(root, s));
        expect(run(), `${s}: ${what}`).toMatchObject({ code: 4, stdout: 'sources history --json' });
      }
    for (const manifest of [null, '{ not json']) {
      await writeRepo();
      const file = path.join(root, 'dist/cli/manifest.json');
      if (manifest === null) await fs.rm(file);
      else await fs.writeFile(file, manifest);
      expect(run(), String(manifest)).toMatchObject({ code: 4, stdout: 'sources history --json' });
    }
  });

  it('runs the bundle as it is where no source exists (an installed app)', async () => {
    await writeRepo();
    await fs.rm(path.join(root, 'electron'), { recursive: true });
    await fs.rm(path.join(root, 'shared'), { recursive: true });
    expect(run()).toMatchObject({ code: 3, stdout: 'compiled history --json' });
  });

  it('MASKROOM_CLI=tsx runs the sources; MASKROOM_CLI_BUNDLE=DIR runs the bundle in DIR', async () => {
    await writeRepo();
    expect(run({ MASKROOM_CLI: 'tsx' })).toMatchObject({ code: 4, stdout: 'sources history --json' });
    const other = path.join(root, 'other-bundle');
    await writeBundle(other, 'pinned');
    await fs.appendFile(path.join(root, sources[1]!), '\n'); // dist/cli is now stale; the pinned one is used as it is
    expect(run({ MASKROOM_CLI_BUNDLE: other })).toMatchObject({ code: 3, stdout: 'pinned history --json' });
  });
});

describe('the compiled CLI loads heavy modules only for the commands that need them', () => {
  // Sources and packages that must not load for --version or --help: sharp (native, outside the bundle),
  // the imaging core, the pipeline, the project store, the edit client and undici, the PSD writer, the batch.
  const heavy =
    /^(node_modules\/(sharp|@img|undici|ag-psd|cli-progress)\/|electron\/core\/(imaging|project|batch|edit-api)\/|electron\/core\/(pipeline|save-back|export-layered)\.ts$|electron\/hosts\/cli-batch\.ts$)/;

  /**
   * Runs `main(argv)` of this run's bundle in a fresh Node and returns every module it loaded: the modules
   * inside each bundle file that was loaded (from the manifest) and the packages Node loaded from node_modules.
   */
  async function loadedBy(argv: string[]): Promise<string[]> {
    const dir = await tempDir('maskroom-probe-');
    const log = path.join(dir, 'loaded.txt');
    // The bundle is CommonJS, loaded as bin/maskroom.mjs loads it (bin/cli-loader.cjs, its code cache in
    // this probe's folder): what it loaded is what Node's require cache holds after the command.
    await fs.writeFile(
      path.join(dir, 'probe.mjs'),
      `import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [bundle, args, log, cache] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { loadCli } = require(${JSON.stringify(path.join(repoRoot, 'bin/cli-loader.cjs'))});
const argv = JSON.parse(args);
const { main } = loadCli(bundle, argv, { MASKROOM_CODE_CACHE_DIR: cache });
process.exitCode = await main(argv, { out() {}, err() {} });
writeFileSync(log, Object.keys(require.cache).map((f) => pathToFileURL(f).href).join('\\n'));
`,
    );
    const bundle = cliBundle();
    const r = node([path.join(dir, 'probe.mjs'), bundle, JSON.stringify(argv), log, path.join(dir, 'cache')]);
    const urls = (await fs.readFile(log, 'utf8')).split('\n').filter(Boolean);
    await fs.rm(dir, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    const manifest = JSON.parse(await fs.readFile(path.join(bundle, 'manifest.json'), 'utf8')) as {
      chunks: Record<string, string[]>;
    };
    const modules = new Set<string>();
    for (const u of urls) {
      const file = fileURLToPath(u);
      const inBundle = path.relative(bundle, file).split(path.sep).join('/');
      if (!inBundle.startsWith('..')) {
        expect(manifest.chunks[inBundle], inBundle).toBeDefined();
        for (const m of manifest.chunks[inBundle]!) modules.add(m);
      } else modules.add(path.relative(repoRoot, file).split(path.sep).join('/'));
    }
    return [...modules];
  }

  it('--version, --help and no arguments load none of them', async () => {
    for (const argv of [['--version'], ['-v'], ['--help'], ['-h'], []]) {
      const modules = await loadedBy(argv);
      expect(modules.length, argv.join(' ')).toBeGreaterThan(0);
      expect(
        modules.filter((m) => heavy.test(m)),
        argv.join(' '),
      ).toEqual([]);
    }
  });

  it('a command that reads a project loads them (so the probe sees what is loaded)', async () => {
    const dir = await tempDir();
    const modules = await loadedBy(['history', '--project', dir]);
    await fs.rm(dir, { recursive: true, force: true });
    expect(modules).toContain('electron/core/project/project-store.ts');
    expect(modules).toContain('electron/core/imaging/load.ts');
    expect(modules.some((m) => m.startsWith('node_modules/sharp/'))).toBe(true);
  });
});

describe('the compiled CLI ships with the app', () => {
  /** Every bare module specifier the bundle's files import (statically or lazily). */
  async function bareImports(dir: string): Promise<Set<string>> {
    const found = new Set<string>();
    const files = (await fs.readdir(dir, { recursive: true })).filter((f) => f.endsWith('.cjs'));
    expect(files).toContain('cli.cjs');
    for (const f of files) {
      const text = await fs.readFile(path.join(dir, f), 'utf8');
      for (const line of text.split('\n')) {
        const t = line.trim();
        if (t.startsWith('*') || t.startsWith('//') || t.startsWith('/*')) continue; // comments quote code
        const specs = [
          /^import\b[^'"]*?from\s*["']([^"']+)["']/.exec(t)?.[1],
          /^import\s*["']([^"']+)["']/.exec(t)?.[1],
          ...[...t.matchAll(/\b(?:import|require|__require)\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]),
        ];
        for (const spec of specs)
          if (spec && !spec.startsWith('.') && !spec.startsWith('node:')) found.add(spec);
      }
    }
    return found;
  }

  it('needs nothing from node_modules but sharp', async () => {
    const builtins = new Set(createRequire(import.meta.url)('node:module').builtinModules as string[]);
    const bare = [...(await bareImports(cliBundle()))].filter((s) => !builtins.has(s));
    expect(bare).toEqual(['sharp']);
  });

  it('is packed, and unpacked from the asar with sharp and all it requires, so plain Node can run it', () => {
    // js-yaml ships no types; electron-builder itself reads the file with it.
    const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
    const config = yaml.load(readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as {
      files: string[];
      asarUnpack: string[];
    };
    const packed = (p: string) => {
      let inc = false;
      for (const pattern of config.files)
        if (pattern.startsWith('!')) {
          if (minimatch(p, pattern.slice(1), { dot: true })) inc = false;
        } else if (minimatch(p, pattern, { dot: true })) inc = true;
      return inc;
    };
    const unpacked = (p: string) => config.asarUnpack.some((g) => minimatch(p, g, { dot: true }));
    for (const f of [
      'bin/maskroom.mjs',
      'bin/cli-loader.cjs',
      'dist/cli/cli.cjs',
      'dist/cli/chunks/pipeline-0a1b2c.cjs',
      'dist/cli/manifest.json',
    ]) {
      expect(packed(f), f).toBe(true);
      expect(unpacked(f), f).toBe(true);
    }
    expect(packed('dist/cli/chunks/pipeline-0a1b2c.cjs.map')).toBe(false);
    // sharp and, transitively, every package it requires (its platform binaries are optional ones under @img/).
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dependencies?: Record<string, string> }>;
    };
    const need = new Set<string>();
    const visit = (name: string) => {
      if (need.has(name)) return;
      need.add(name);
      for (const d of Object.keys(lock.packages[`node_modules/${name}`]?.dependencies ?? {})) visit(d);
    };
    visit('sharp');
    expect(need.size).toBeGreaterThan(1);
    for (const name of [...need, '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64'])
      expect(unpacked(`node_modules/${name}/package.json`), name).toBe(true);
  });
});
