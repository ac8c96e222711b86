/**
 * Faults a new user meets on the command line, through the real CLI: each ends in one sentence saying what
 * happened and what to do, and leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { type FakeSegmind } from '../../../fake-segmind/server';
import { spawn } from 'node:child_process';
import { ProjectStore } from '../../../../electron/core/project';
import {
  cliBundle,
  envFor,
  fixturePath,
  oneLineError,
  projectOfOwnCopy,
  repoRoot,
  runCli,
  useChelseaWork,
} from './helpers';
import { mountTmpfs, type Tmpfs } from '../../core/project/tmpfs';
import { psdHeader } from '../../../support/fixtures';

let fake: FakeSegmind;
let work: string;
let template: string;
const PHOTO = fixturePath('chelsea.png');

useChelseaWork('maskroom-new-user-', (w) => void ({ fake, work, template } = w));

/** A black 451x300 mask (chelsea.png's size) whose alpha alone holds a disc. */
async function writeAlphaOnlyMask(file: string): Promise<string> {
  const w = 451;
  const h = 300;
  const px = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) if (Math.hypot(x - 200, y - 150) < 60) px[(y * w + x) * 4 + 3] = 255;
  await sharp(px, { raw: { width: w, height: h, channels: 4 } })
    .png()
    .toFile(file);
  return file;
}

describe('masks', () => {
  it('a mask drawn in transparency only (black, alpha = the shape) is named as such', async () => {
    const mask = await writeAlphaOnlyMask(path.join(work, 'alpha-only.png'));
    const submits = fake.count('submit');
    const r = await runCli(['edit', '--project', template, '--mask', mask, '--prompt', 'x'], {
      env: envFor(fake),
    });
    const line = oneLineError(r);
    expect(line).toMatch(/white = change on black and its transparency is not used/);
    expect(line).not.toMatch(/Paint over the area/);
    expect(fake.count('submit')).toBe(submits);
  }, 60_000);
});

describe('a new project with a mask that does not read', () => {
  it('creates nothing: not in a new folder, nothing in an existing empty one', async () => {
    const garbage = path.join(work, 'garbage-mask.png');
    await fs.writeFile(garbage, 'not an image at all');
    const small = path.join(work, 'small-mask.png');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#ffffff' } })
      .png()
      .toFile(small);
    const alpha = await writeAlphaOnlyMask(path.join(work, 'alpha-only-2.png'));
    for (const [k, mask, said] of [
      [0, garbage, /The mask file \S*garbage-mask\.png could not be read/],
      [1, small, /The mask is 40x30 but the photo is 451x300/],
      [2, alpha, /transparency is not used/],
    ] as const) {
      const fresh = path.join(work, `no-project-${k}`);
      const r = await runCli(
        ['edit', '--project', fresh, '--image', PHOTO, '--mask', mask, '--prompt', 'x'],
        {
          env: envFor(fake),
        },
      );
      expect(oneLineError(r)).toMatch(said);
      await expect(fs.stat(fresh), `mask ${k}`).rejects.toThrow();
      const empty = path.join(work, `empty-folder-${k}`);
      await fs.mkdir(empty);
      const e = await runCli(
        ['edit', '--project', empty, '--image', PHOTO, '--mask', mask, '--prompt', 'x'],
        {
          env: envFor(fake),
        },
      );
      expect(oneLineError(e)).toMatch(said);
      expect(await fs.readdir(empty), `mask ${k}`).toEqual([]);
    }
  }, 90_000);
});

describe('a photo Maskroom does not open', () => {
  it('--image of another format (a Photoshop document, words) is named in its sentence', async () => {
    const psd = path.join(work, 'retouch me.psd');
    await fs.writeFile(psd, psdHeader(451, 300));
    const words = path.join(work, 'notes.jpg');
    await fs.writeFile(words, 'not a photo at all\n'.repeat(50));
    for (const image of [psd, words]) {
      const fresh = path.join(work, `no-project-${path.basename(image)}`);
      const r = await runCli(
        [
          'edit',
          '--project',
          fresh,
          '--image',
          image,
          '--mask',
          path.join(work, 'mask-a.png'),
          '--prompt',
          'x',
        ],
        { env: envFor(fake) },
      );
      expect(oneLineError(r)).toBe(
        `maskroom: The file ${image} is not a supported image; open a JPEG, PNG, TIFF, WebP, AVIF or GIF file.`,
      );
      await expect(fs.stat(fresh)).rejects.toThrow();
    }
  }, 60_000);
});

describe('options', () => {
  it('refuses a repeated single-value option in any position and spelling, before anything is read or sent', async () => {
    const mask = path.join(work, 'mask-a.png');
    const base = ['--project', template, '--mask', mask, '--prompt', 'p', '--quality', 'low'];
    const submits = fake.count('submit');
    const repeats: Array<[string, string[]]> = [
      ['prompt', ['--prompt', 'q']],
      ['prompt', ['--prompt=q']],
      ['mask', ['--mask', mask]],
      ['project', ['--project', template]],
      ['quality', ['--quality', 'high']],
      ['feather', ['--feather', '2', '--feather', '3']],
      ['output-compression', ['--output-compression', '-1', '--output-compression', '5']],
    ];
    for (const [name, extra] of repeats) {
      const r = await runCli(['edit', ...base, ...extra], { env: envFor(fake) });
      const line = oneLineError(r);
      expect(line, name).toMatch(new RegExp(`^maskroom: --${name} is given more than once`));
    }
    const ex = await runCli(
      ['export', '--project', template, '--out', path.join(work, 'a.png'), '--out', path.join(work, 'b.png')],
      {
        env: envFor(fake),
      },
    );
    expect(oneLineError(ex)).toMatch(/--out is given more than once/);
    await expect(fs.stat(path.join(work, 'a.png'))).rejects.toThrow();
    await expect(fs.stat(path.join(work, 'b.png'))).rejects.toThrow();
    expect(fake.count('submit')).toBe(submits);
  }, 90_000);

  it('still takes --reference more than once', async () => {
    const ref = path.join(work, 'ref.png');
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } })
      .png()
      .toFile(ref);
    const dir = path.join(work, 'refs');
    await fs.cp(template, dir, { recursive: true });
    const r = await runCli(
      [
        'edit',
        '--project',
        dir,
        '--mask',
        path.join(work, 'mask-b.png'),
        '--prompt',
        'two refs',
        '--quality',
        'low',
        '--reference',
        ref,
        '--reference',
        ref,
      ],
      { env: envFor(fake) },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);
});

describe('a read-only disk (real tmpfs)', () => {
  let fsys: Tmpfs | null = null;
  let skip = '';
  beforeAll(async () => {
    const m = await mountTmpfs(4 * 1024 * 1024);
    if ('skip' in m) skip = m.skip;
    else {
      fsys = m;
      fsys.setReadOnly(true);
    }
  });
  afterAll(async () => {
    await fsys?.unmount();
  });

  it('export --out onto it says to choose a writable disk, not to free space', async (ctx) => {
    if (!fsys) return ctx.skip(skip);
    const r = await runCli(['export', '--project', template, '--out', path.join(fsys.dir, 'x.png')], {
      env: envFor(fake),
    });
    const line = oneLineError(r);
    expect(line).toMatch(/read-only disk/);
    expect(line).toMatch(/choose an --out on a writable disk/);
    expect(line).not.toMatch(/free some space|EROFS/);
  }, 60_000);

  it('a new project or an export folder that cannot be made there is named as a read-only disk', async (ctx) => {
    if (!fsys) return ctx.skip(skip);
    const dir = path.join(fsys.dir, 'new', 'project');
    const submits = fake.count('submit');
    const r = await runCli(
      ['edit', '--project', dir, '--image', PHOTO, '--mask', path.join(work, 'mask-a.png'), '--prompt', 'x'],
      { env: envFor(fake) },
    );
    const line = oneLineError(r);
    expect(line).toMatch(/^maskroom: Creating the project in \S+ failed: the folder is on a read-only disk/);
    expect(line).toMatch(/choose a folder on a writable disk/);
    expect(line).not.toMatch(/ENOENT|inside Maskroom/);
    expect(fake.count('submit')).toBe(submits);
    const ex = await runCli(['export', '--project', template, '--out', path.join(fsys.dir, 'sub', 'x.png')], {
      env: envFor(fake),
    });
    const exLine = oneLineError(ex);
    expect(exLine).toMatch(/read-only disk/);
    expect(exLine).not.toMatch(/ENOENT|inside Maskroom/);
  }, 60_000);
});

describe('Ctrl-C during an export', () => {
  it('removes the temporary file beside --out and exits 1 with one sentence', async () => {
    const dir = path.join(work, 'big');
    const w = 8000;
    const h = 6000;
    const photo = new Uint8Array(
      await sharp({ create: { width: w, height: h, channels: 3, background: '#6080a0' } })
        .jpeg()
        .toBuffer(),
    );
    const store = await ProjectStore.create(dir, {
      photo,
      name: 'big.jpg',
      width: w,
      height: h,
      format: 'jpeg',
    });
    await store.close();
    const outDir = path.join(work, 'big-out');
    await fs.mkdir(outDir);
    const out = path.join(outDir, 'big.tif');
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'bin/maskroom.mjs'), 'export', '--project', dir, '--out', out],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          MASKROOM_CLI: undefined,
          MASKROOM_CLI_BUNDLE: cliBundle(),
          MASKROOM_PROGRESS: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Interrupted once the encoder has started writing the temporary file.
      if (!sent && /progress encoding tiff/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`export did not end in time; stderr: ${stderr}`));
      }, 60_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(sent, stderr).toBe(true);
    expect(await fs.readdir(outDir), stderr).toEqual([]);
    expect(code, stderr).toBe(1);
    const lines = stderr
      .trimEnd()
      .split('\n')
      .filter((l) => !l.startsWith('progress '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^maskroom: Interrupted while writing \S+big\.tif; nothing was written there/);
  }, 90_000);
});

describe('a project whose original photo is gone', () => {
  for (const fault of ['deleted', 'emptied', 'cut short'] as const)
    it(`${fault}: history warns, export, edit and resume fail in one sentence saying so and what to do`, async () => {
      const dir = path.join(work, `orig-${fault.replace(' ', '-')}`);
      await fs.cp(template, dir, { recursive: true });
      const manifest = JSON.parse(await fs.readFile(path.join(dir, 'project.json'), 'utf8')) as {
        original: { file: string; bytes: number };
      };
      const file = path.join(dir, manifest.original.file);
      if (fault === 'deleted') await fs.rm(file);
      else await fs.truncate(file, fault === 'emptied' ? 0 : Math.floor(manifest.original.bytes / 2));
      const said =
        fault === 'deleted'
          ? /The project's original photo \S+ is missing; restore it from a backup/
          : /The project's original photo \S+ is damaged \(it holds \d+ bytes, not \d+\); restore it from a backup/;
      const h = await runCli(['history', '--project', dir], { env: envFor(fake) });
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(/1 layer/);
      expect(h.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(h.stderr).toMatch(said);
      const out = path.join(work, `orig-${fault.replace(' ', '-')}.png`);
      const ex = await runCli(['export', '--project', dir, '--out', out], { env: envFor(fake) });
      const line = oneLineError(ex);
      expect(line).toMatch(said);
      expect(line).not.toMatch(/ENOENT|inside Maskroom|choose the photo again/);
      // The template was made by edit --image chelsea.png: source.json names it, and it still holds the original.
      expect(line).toContain(`or copy ${PHOTO}, the photo the project was made from, to that name`);
      await expect(fs.stat(out)).rejects.toThrow();
      const submits = fake.count('submit');
      const ed = await runCli(
        ['edit', '--project', dir, '--mask', path.join(work, 'mask-b.png'), '--prompt', 'x'],
        {
          env: envFor(fake),
        },
      );
      // Opening for changes names a deleted original in the store's own words; either way, no decode error.
      const changing = /The project's original photo .*(is missing|is damaged)/;
      expect(oneLineError(ed)).toMatch(changing);
      expect(fake.count('submit')).toBe(submits);
      expect(oneLineError(await runCli(['resume', '--project', dir], { env: envFor(fake) }))).toMatch(
        changing,
      );
    }, 90_000);
});

describe('export --out onto the photo the project was made from', () => {
  it('refuses when that photo changed on disk since (pointing to --in-place), writes it when unchanged', async () => {
    const src = path.join(work, 'own-source.png');
    const dir = path.join(work, 'own-source-project');
    await projectOfOwnCopy(fake, work, src, dir);
    // Unchanged since the project was made: the same check as --in-place passes, so --out may write it.
    const ok = await runCli(['export', '--project', dir, '--out', src], { env: envFor(fake) });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    // Changed by another program since (source.json follows the export above; this write comes after it).
    const edited = new Uint8Array(await sharp(PHOTO).negate().png().toBuffer());
    await fs.writeFile(src, edited);
    const r = await runCli(['export', '--project', dir, '--out', src], { env: envFor(fake) });
    const line = oneLineError(r);
    expect(line).toMatch(/is the photo this project was made from and it changed on disk since/);
    expect(line).toMatch(/export --in-place --force/);
    expect(Buffer.from(await fs.readFile(src)).equals(Buffer.from(edited))).toBe(true);
  }, 90_000);
});
