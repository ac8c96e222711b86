import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { startFakeSegmind, type FakeSegmind } from '../../../fake-segmind/server';
import { ellipseMaskPng, fixturesDir } from '../../../support/fixtures';

export const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const bin = path.join(repoRoot, 'bin/maskroom.mjs');

/** A shared fixture photo: in ../shared/fixtures/photos from the repo root, or MASKROOM_FIXTURES. */
export function fixturePath(name: string): string {
  return path.join(fixturesDir(), name);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Called with each stderr line as it arrives (progress lines); may kill the child. */
  onStderrLine?: (line: string, kill: () => void) => void;
  timeoutMs?: number;
}

/**
 * The compiled CLI this run tests: built once per run by tests/support/cli-bundle-setup.ts (the unit
 * project's globalSetup), so a stale or missing dist/cli in the checkout does not matter.
 */
export function cliBundle(): string {
  const dir = inject('cliBundle');
  if (!dir)
    throw new Error('No compiled CLI: run the CLI tests with the unit project (vitest --project unit).');
  const error = inject('cliBundleError');
  if (error) throw new Error(`The CLI did not compile for this run: ${error}`);
  return dir;
}

/**
 * Runs `node bin/maskroom.mjs ...args` as a child process, bounded in time. The bin runs this run's compiled
 * CLI (MASKROOM_CLI_BUNDLE), as `maskroom` runs dist/cli in a built checkout.
 */
export function runCli(args: string[], o: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      MASKROOM_CLI: undefined,
      MASKROOM_CLI_BUNDLE: cliBundle(),
      // The compiled code's cache with this run's bundle, not in the user's cache folder.
      MASKROOM_CODE_CACHE_DIR: path.join(cliBundle(), '.code-cache'),
      MASKROOM_CODE_CACHE: undefined,
      ...o.env,
    };
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const kill = () => child.kill('SIGKILL');
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr += s;
      partial += s;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) o.onStderrLine?.(l, kill);
    });
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`maskroom ${args.join(' ')} did not finish in time; stderr: ${stderr}`));
    }, o.timeoutMs ?? 45_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * The words of `maskroom <command> --flag value ...`, flags in the order given: `true` is a bare flag
 * (`--json`), an array repeats the flag once per value.
 */
export function cliArgs(
  command: string | readonly string[],
  flags: Readonly<Record<string, string | true | readonly string[]>> = {},
): string[] {
  const words = typeof command === 'string' ? [command] : [...command];
  for (const [name, v] of Object.entries(flags)) {
    if (v === true) words.push(`--${name}`);
    else for (const x of typeof v === 'string' ? [v] : v) words.push(`--${name}`, x);
  }
  return words;
}

export function envFor(fake: FakeSegmind, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SEGMIND_API_BASE: fake.apiBase,
    SEGMIND_STORAGE_BASE: fake.storageBase,
    SEGMIND_API_KEY: fake.apiKey,
    MASKROOM_POLL_INTERVAL_MS: '50',
    MASKROOM_TEST_CRASH_AT: '',
    ...extra,
  };
}

export async function tempDir(prefix = 'maskroom-cli-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A soft-edged white ellipse on black, written as a PNG of the photo's size. */
export async function writeEllipseMask(
  file: string,
  ...ellipse: Parameters<typeof ellipseMaskPng>
): Promise<string> {
  await fs.writeFile(file, await ellipseMaskPng(...ellipse));
  return file;
}

/** Greyscale mask values (0-255) from a mask PNG. */
export async function readMask(file: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Marks every pixel within `radius` (Chebyshev) of a non-zero mask pixel: where a feathered blend may reach. */
export function dilate(m: { width: number; height: number; data: Uint8Array }, radius: number): Uint8Array {
  const { width: w, height: h } = m;
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!m.data[y * w + x]) continue;
      for (let dx = Math.max(0, x - radius); dx <= Math.min(w - 1, x + radius); dx++) tmp[y * w + dx] = 1;
    }
  for (let x = 0; x < w; x++)
    for (let y = 0; y < h; y++) {
      if (!tmp[y * w + x]) continue;
      for (let dy = Math.max(0, y - radius); dy <= Math.min(h - 1, y + radius); dy++) out[dy * w + x] = 1;
    }
  return out;
}

/**
 * The hooks of a file of CLI tests that share one fake service (no latency) and one chelseaWork folder: both
 * made before its tests and handed to `use`, the fake closed after them.
 */
export function useChelseaWork(
  prefix: string,
  use: (w: { fake: FakeSegmind; work: string; template: string }) => void,
): void {
  let fake: FakeSegmind | undefined;
  beforeAll(async () => {
    fake = await startFakeSegmind({ latencyMs: 0 });
    use({ fake, ...(await chelseaWork(prefix, fake)) });
  }, 60_000);
  afterAll(async () => {
    await fake?.close();
  });
}

/** The one stderr line of a command that failed (exit code 1). */
export function oneLineError(r: CliRun): string {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/**
 * `src`: a copy of chelsea.png the user may write, as their own photo is (the shared fixture is kept
 * read-only); `dir`: a project made from it by one low-quality edit "x" inside mask A of `work` (a
 * chelseaWork folder).
 */
export async function projectOfOwnCopy(
  fake: FakeSegmind,
  work: string,
  src: string,
  dir: string,
): Promise<void> {
  await fs.copyFile(fixturePath('chelsea.png'), src);
  await fs.chmod(src, 0o644);
  const made = await runCli(
    cliArgs('edit', {
      project: dir,
      image: src,
      mask: path.join(work, 'mask-a.png'),
      prompt: 'x',
      quality: 'low',
    }),
    { env: envFor(fake) },
  );
  expect(made.code, made.stderr).toBe(0);
}

/**
 * A work folder for the chelsea.png (451x300) runs: mask-a.png and mask-b.png, two ellipses apart, and
 * `template`, a project made from chelsea.png by one low-quality edit "first" inside mask A.
 */
export async function chelseaWork(
  prefix: string,
  fake: FakeSegmind,
): Promise<{ work: string; template: string }> {
  const work = await tempDir(prefix);
  await writeEllipseMask(path.join(work, 'mask-a.png'), 451, 300, 120, 100, 50, 40);
  await writeEllipseMask(path.join(work, 'mask-b.png'), 451, 300, 320, 200, 60, 50);
  const template = path.join(work, 'template');
  const r = await runCli(
    cliArgs('edit', {
      project: template,
      image: fixturePath('chelsea.png'),
      mask: path.join(work, 'mask-a.png'),
      prompt: 'first',
      quality: 'low',
    }),
    { env: envFor(fake) },
  );
  expect(r.code, r.stderr).toBe(0);
  return { work, template };
}
