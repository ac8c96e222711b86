/**
 * Ctrl-C or SIGTERM during `export --in-place` (save back into the photo the project was made from) removes
 * the temporary file the encoder was writing beside the user's photo, leaves the photo as it was, and exits 1
 * with one sentence, as `export --out` does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { projectOfSource } from '../../../support/source-project';
import { cliBundle, repoRoot, tempDir } from './helpers';

let work: string;
let dir: string;
let srcDir: string;
let src: string;
let srcHash: string;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  work = await tempDir('maskroom-in-place-interrupt-');
  srcDir = path.join(work, 'photos');
  await fs.mkdir(srcDir);
  src = path.join(srcDir, 'big.tif');
  // A large TIFF, so encoding it again takes long enough to be interrupted mid-write.
  const w = 8000;
  const h = 6000;
  await sharp({ create: { width: w, height: h, channels: 3, background: '#6080a0' } })
    .tiff()
    .toFile(src);
  const bytes = new Uint8Array(await fs.readFile(src));
  srcHash = sha(bytes);
  dir = path.join(work, 'project');
  await projectOfSource(dir, src, {
    photo: bytes,
    name: 'big.tif',
    width: w,
    height: h,
    format: 'tiff',
  });
}, 120_000);

afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** Polls (bounded in count) until a temporary file appears beside the photo; its name, or null. */
async function tempAppears(stop: () => boolean): Promise<string | null> {
  for (let i = 0; i < 600 && !stop(); i++) {
    const t = (await fs.readdir(srcDir)).find((n) => n.startsWith('big.tif.tmp-'));
    if (t) return t;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}

describe('Ctrl-C during export --in-place', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: removes the temporary file beside the photo, keeps the photo, exits 1 with one sentence`, async () => {
      // Each case starts from the photo alone (a case that failed may have left its temporary file).
      for (const n of await fs.readdir(srcDir))
        if (n !== 'big.tif') await fs.rm(path.join(srcDir, n), { force: true });
      const child = spawn(
        process.execPath,
        [path.join(repoRoot, 'bin/maskroom.mjs'), 'export', '--project', dir, '--in-place'],
        {
          cwd: repoRoot,
          env: { ...process.env, MASKROOM_CLI: undefined, MASKROOM_CLI_BUNDLE: cliBundle() },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      let exited = false;
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const done = new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`export did not end in time; stderr: ${stderr}`));
        }, 90_000);
        child.on('exit', (c) => {
          exited = true;
          clearTimeout(timer);
          resolve(c);
        });
      });
      const tmp = await tempAppears(() => exited);
      expect(tmp, `no temporary file appeared beside the photo; stderr: ${stderr}`).not.toBeNull();
      child.kill(signal);
      const code = await done;
      expect(await fs.readdir(srcDir), stderr).toEqual(['big.tif']);
      expect(sha(new Uint8Array(await fs.readFile(src)))).toBe(srcHash);
      expect(code, stderr).toBe(1);
      const lines = stderr.trimEnd().split('\n');
      expect(lines, stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^maskroom: Interrupted while saving back into \S+big\.tif; /);
    }, 120_000);
  }
});
